// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

namespace lanyard {

// The HTTP/1.1 answer parser of FastNetworkAccessManager: bytes in, status line, headers and body
// out, with the framing rules of RFC 9112 (Content-Length, chunked, until the connection closes;
// no body for HEAD, 1xx, 204 and 304). It owns no socket, so a fuzz target can drive it
// (tests/fuzz/fuzz_http_response.cpp).
//
// Bounded against a hostile server: a line of at most 64 KiB, at most 256 KiB and 500 header
// lines per answer, at most 10 interim (1xx) answers. Repeated headers are joined as
// QNetworkAccessManager joins them (", ", or "\n" for Set-Cookie).
//
//   parser.reset(isHeadRequest);
//   parser.append(bytes);
//   QByteArray body;
//   while (true) {
//       switch (parser.parse(&body)) { case Result::Head: …; continue; case Result::More: …wait;
//                                      case Result::Complete: …; case Result::Error: parser.error() }
//   }
class HttpResponseParser
{
public:
    using Headers = QList<QPair<QByteArray, QByteArray>>;
    enum class Result {
        More, // everything given is used: append more (or call endOfInput)
        Head, // the final answer's head is complete: status(), headers(); call parse again for the body
        Complete, // the answer is complete; unconsumed() bytes follow it
        Error, // error() says what; the connection cannot be used any more
    };
    enum class Framing { None, Length, Chunked, UntilClose };

    static constexpr qsizetype kMaxLineBytes = 64 * 1024;
    static constexpr qsizetype kMaxHeaderBytes = 256 * 1024;
    static constexpr int kMaxHeaderCount = 500;
    static constexpr int kMaxInterimAnswers = 10;

    // A fresh answer. `headRequest`: the answer to HEAD has no body whatever it announces.
    void reset(bool headRequest = false);
    void append(const QByteArray& bytes);

    // Parses what it has. Body bytes are appended to `body` (moved there without a copy when the
    // whole input is body).
    Result parse(QByteArray* body);
    // The connection ended. True when that completes the answer (a body read until the close).
    bool endOfInput();

    int status() const { return m_status; }
    const QByteArray& reasonPhrase() const { return m_reason; }
    bool isHttp10() const { return m_http10; }
    const Headers& headers() const { return m_headers; } // joined, in order of first appearance
    QByteArray header(const char* name) const; // case-insensitive, joined; empty if absent
    Framing framing() const { return m_framing; }
    // The connection may carry another request after this answer (HTTP/1.1 without "close",
    // framing by length or chunks, no suspicious framing).
    bool keepAlive() const { return m_keepAlive; }
    qsizetype unconsumed() const { return m_in.size() - m_pos; }
    const QString& error() const { return m_error; }

private:
    enum class Phase { StatusLine, Headers, Body, Complete, Failed };
    enum class ChunkPhase { Size, Data, DataEnd, Trailers };

    bool takeLine(QByteArray* line, Result* failure);
    Result failWith(const QString& message);
    bool headersDone(Result* failure);
    void takeBody(qsizetype length, QByteArray* body);

    QByteArray m_in;
    qsizetype m_pos = 0;
    bool m_headRequest = false;
    Phase m_phase = Phase::StatusLine;
    Framing m_framing = Framing::None;
    ChunkPhase m_chunkPhase = ChunkPhase::Size;
    qint64 m_remaining = 0;
    qsizetype m_headerBytes = 0;
    int m_headerLines = 0;
    int m_interimAnswers = 0;
    int m_status = 0;
    QByteArray m_reason;
    bool m_http10 = false;
    bool m_keepAlive = true;
    Headers m_raw; // as received
    Headers m_headers; // joined
    QString m_error;
};

} // namespace lanyard
