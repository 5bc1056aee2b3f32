// SPDX-License-Identifier: MIT
#include "transport/SseParser.h"

#include <cstring>
#include <utility>

namespace lanyard {

namespace {
constexpr char kBom[] = "\xEF\xBB\xBF";
constexpr qsizetype kBomSize = 3;

bool allDigits(const char* s, qsizetype n)
{
    if (n == 0)
        return false;
    for (qsizetype i = 0; i < n; ++i) {
        if (s[i] < '0' || s[i] > '9')
            return false;
    }
    return true;
}
} // namespace

QList<SseParser::Event> SseParser::feed(const QByteArray& chunk)
{
    QList<Event> out;
    if (m_overflowed || chunk.isEmpty())
        return out;

    if (!m_bomChecked) {
        // The BOM may itself arrive split over several chunks: hold the first bytes back
        // until we can decide.
        m_bomPrefix.append(chunk);
        const QByteArray bom = QByteArray::fromRawData(kBom, kBomSize);
        if (m_bomPrefix.size() < kBomSize && bom.startsWith(m_bomPrefix))
            return out;
        m_bomChecked = true;
        QByteArray bytes;
        bytes.swap(m_bomPrefix);
        if (bytes.startsWith(bom))
            bytes.remove(0, kBomSize);
        consume(bytes.constData(), bytes.size(), out);
        return out;
    }

    consume(chunk.constData(), chunk.size(), out);
    return out;
}

void SseParser::consume(const char* d, qsizetype n, QList<Event>& out)
{
    qsizetype i = 0;
    if (m_lastWasCR && n > 0) {
        if (d[0] == '\n')
            i = 1; // second half of a CRLF split across chunks
        m_lastWasCR = false;
    }
    while (i < n && !m_overflowed) {
        qsizetype j = i;
        while (j < n && d[j] != '\n' && d[j] != '\r')
            ++j;
        const qsizetype segment = j - i;
        if (m_line.size() + segment > m_maxEventBytes) {
            m_overflowed = true;
            m_line.clear();
            return;
        }
        if (j == n) {
            m_line.append(d + i, segment);
            return;
        }
        if (m_line.isEmpty()) {
            processLine(d + i, segment, out);
        } else {
            m_line.append(d + i, segment);
            const QByteArray line = std::exchange(m_line, QByteArray());
            processLine(line.constData(), line.size(), out);
        }
        if (d[j] == '\r') {
            if (j + 1 < n) {
                if (d[j + 1] == '\n')
                    ++j;
            } else {
                m_lastWasCR = true;
            }
        }
        i = j + 1;
    }
}

void SseParser::processLine(const char* line, qsizetype size, QList<Event>& out)
{
    if (size == 0) {
        dispatch(out);
        return;
    }
    if (line[0] == ':')
        return; // comment

    const void* colonPtr = std::memchr(line, ':', static_cast<size_t>(size));
    qsizetype nameSize = size;
    const char* value = line + size;
    qsizetype valueSize = 0;
    if (colonPtr) {
        nameSize = static_cast<const char*>(colonPtr) - line;
        value = line + nameSize + 1;
        valueSize = size - nameSize - 1;
        if (valueSize > 0 && value[0] == ' ') {
            ++value;
            --valueSize;
        }
    }
    const QByteArray name = QByteArray::fromRawData(line, nameSize);
    m_eventInProgress = true;

    if (name == "event") {
        m_eventType = QByteArray(value, valueSize);
    } else if (name == "data") {
        if (m_data.size() + valueSize + 1 > m_maxEventBytes) {
            m_overflowed = true;
            m_data.clear();
            return;
        }
        m_data.append(value, valueSize);
        m_data.append('\n');
    } else if (name == "id") {
        if (!std::memchr(value, '\0', static_cast<size_t>(valueSize)))
            m_idBuffer = QByteArray(value, valueSize);
    } else if (name == "retry") {
        if (allDigits(value, valueSize)) {
            bool ok = false;
            const qint64 ms = QByteArray::fromRawData(value, valueSize).toLongLong(&ok);
            if (ok) {
                m_retryMs = ms;
                m_eventRetryMs = ms;
            }
        }
    }
    // Any other field name is ignored.
}

void SseParser::dispatch(QList<Event>& out)
{
    m_lastEventId = QString::fromUtf8(m_idBuffer);
    m_eventInProgress = false;
    if (m_data.isEmpty()) {
        m_eventType.clear();
        m_eventRetryMs.reset();
        return;
    }
    Event event;
    m_data.chop(1); // the '\n' after the last data line
    event.data = std::exchange(m_data, QByteArray());
    if (!m_eventType.isEmpty())
        event.type = QString::fromUtf8(m_eventType);
    event.id = m_lastEventId;
    event.retryMs = m_eventRetryMs;
    m_eventType.clear();
    m_eventRetryMs.reset();
    out.append(std::move(event));
}

SseParser::StreamEnd SseParser::finish()
{
    bool truncated = false;
    if (!m_bomChecked && !m_bomPrefix.isEmpty()) {
        // A stream shorter than a BOM: it is whatever bytes it is (a partial line).
        truncated = true;
    }
    if (!m_line.isEmpty() || m_eventInProgress)
        truncated = true;
    resetStream();
    return truncated ? StreamEnd::Truncated : StreamEnd::Clean;
}

void SseParser::resetStream()
{
    m_bomPrefix.clear();
    m_bomChecked = false;
    m_lastWasCR = false;
    m_line.clear();
    m_data.clear();
    m_eventType.clear();
    m_eventRetryMs.reset();
    m_eventInProgress = false;
    m_idBuffer = m_lastEventId.toUtf8();
    m_overflowed = false;
}

} // namespace lanyard
