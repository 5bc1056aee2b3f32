// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace lanyard {

// Incremental parser for a text/event-stream body (WHATWG HTML "Server-sent events",
// "Interpreting an event stream"). Pure: no I/O, no Qt event loop. Feed it bytes as they
// arrive, split anywhere (even inside a CRLF or a UTF-8 sequence); it returns the events
// completed by each chunk.
//
// Memory is bounded by setMaxEventBytes(): a line or an event's data larger than that puts
// the parser into the overflowed() state, after which it ignores all input.
class SseParser
{
public:
    struct Event
    {
        QString id; // last event ID at dispatch time (may be empty)
        QString type = QStringLiteral("message");
        QByteArray data; // data lines joined with '\n' (UTF-8 bytes)
        std::optional<qint64> retryMs; // "retry" field seen in this event's block, if any
    };

    enum class StreamEnd {
        Clean, // the stream ended on an event boundary
        Truncated, // the stream ended inside an event (or a line); that event was discarded
    };

    // Returns the events completed by this chunk, in order.
    QList<Event> feed(const QByteArray& chunk);
    // End of stream: discards a pending incomplete event and says whether there was one.
    // The parser can then be fed a new stream (lastEventId() and retryMs() are kept).
    StreamEnd finish();

    // Last event ID as the WHATWG algorithm tracks it (updated when an event block ends,
    // even one without data). Send it as Last-Event-ID when reconnecting.
    QString lastEventId() const { return m_lastEventId; }
    // Most recent valid "retry" value (reconnection time in milliseconds), if any was seen.
    std::optional<qint64> retryMs() const { return m_retryMs; }

    // Largest line or event data accepted (default 64 MiB). Beyond it, overflowed() turns true.
    void setMaxEventBytes(qint64 bytes) { m_maxEventBytes = bytes; }
    qint64 maxEventBytes() const { return m_maxEventBytes; }
    bool overflowed() const { return m_overflowed; }

private:
    void consume(const char* bytes, qsizetype size, QList<Event>& out);
    void processLine(const char* line, qsizetype size, QList<Event>& out);
    void dispatch(QList<Event>& out);
    void resetStream();

    // Stream framing state.
    QByteArray m_bomPrefix; // first bytes of the stream while we cannot yet tell if they are a BOM
    bool m_bomChecked = false;
    bool m_lastWasCR = false; // previous chunk ended in CR: a leading LF in the next one belongs to it
    QByteArray m_line; // incomplete line carried over between chunks

    // Event being built.
    QByteArray m_data;
    QByteArray m_eventType;
    QByteArray m_idBuffer;
    std::optional<qint64> m_eventRetryMs;
    bool m_eventInProgress = false;

    // Kept across events (and streams).
    QString m_lastEventId;
    std::optional<qint64> m_retryMs;

    qint64 m_maxEventBytes = 64 * 1024 * 1024;
    bool m_overflowed = false;
};

} // namespace lanyard
