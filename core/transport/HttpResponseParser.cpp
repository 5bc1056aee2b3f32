// SPDX-License-Identifier: MIT
#include "transport/HttpResponseParser.h"

#include <algorithm>

namespace lanyard {

namespace {

bool hasToken(const QByteArray& value, const char* token)
{
    for (const QByteArray& part : value.split(',')) {
        if (part.trimmed().compare(token, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

} // namespace

void HttpResponseParser::reset(bool headRequest)
{
    m_in = QByteArray();
    m_pos = 0;
    m_headRequest = headRequest;
    m_phase = Phase::StatusLine;
    m_framing = Framing::None;
    m_chunkPhase = ChunkPhase::Size;
    m_remaining = 0;
    m_headerBytes = 0;
    m_headerLines = 0;
    m_interimAnswers = 0;
    m_status = 0;
    m_reason.clear();
    m_http10 = false;
    m_keepAlive = true;
    m_raw.clear();
    m_headers.clear();
    m_error.clear();
}

void HttpResponseParser::append(const QByteArray& bytes)
{
    if (bytes.isEmpty())
        return;
    if (m_pos >= m_in.size()) {
        m_in = bytes;
        m_pos = 0;
        return;
    }
    if (m_pos > 0) {
        m_in.remove(0, m_pos);
        m_pos = 0;
    }
    m_in.append(bytes);
}

QByteArray HttpResponseParser::header(const char* name) const
{
    for (const auto& h : m_headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

HttpResponseParser::Result HttpResponseParser::failWith(const QString& message)
{
    m_phase = Phase::Failed;
    m_error = message;
    m_keepAlive = false;
    return Result::Error;
}

bool HttpResponseParser::takeLine(QByteArray* line, Result* failure)
{
    const qsizetype end = m_in.indexOf('\n', m_pos);
    if (end < 0) {
        if (m_in.size() - m_pos > kMaxLineBytes)
            *failure = failWith(QStringLiteral("The server sent a line of more than %1 bytes").arg(kMaxLineBytes));
        return false;
    }
    if (end - m_pos > kMaxLineBytes) {
        *failure = failWith(QStringLiteral("The server sent a line of more than %1 bytes").arg(kMaxLineBytes));
        return false;
    }
    qsizetype stop = end;
    if (stop > m_pos && m_in.at(stop - 1) == '\r')
        --stop;
    *line = m_in.mid(m_pos, stop - m_pos);
    m_pos = end + 1;
    return true;
}

void HttpResponseParser::takeBody(qsizetype length, QByteArray* body)
{
    if (length <= 0)
        return;
    if (body->isEmpty() && m_pos == 0 && length == m_in.size()) {
        *body = std::move(m_in); // the whole input is body: no copy
        m_in = QByteArray();
        m_pos = 0;
        return;
    }
    body->append(m_in.constData() + m_pos, length);
    m_pos += length;
}

HttpResponseParser::Result HttpResponseParser::parse(QByteArray* body)
{
    QByteArray line;
    Result failure = Result::More;
    while (true) {
        switch (m_phase) {
        case Phase::Failed:
            return Result::Error;
        case Phase::Complete:
            return Result::Complete;
        case Phase::StatusLine: {
            if (!takeLine(&line, &failure))
                return failure;
            if (line.isEmpty())
                continue; // tolerated before a status line
            if (!line.startsWith("HTTP/1.") || line.size() < 12 || line.at(8) != ' ')
                return failWith(QStringLiteral("The server's answer does not start with an HTTP/1 status line"));
            bool ok = false;
            const int status = line.mid(9, 3).toInt(&ok);
            if (!ok || status < 100 || status > 999 || (line.size() > 12 && line.at(12) != ' ')
                || !std::all_of(line.begin() + 9, line.begin() + 12, [](char c) { return c >= '0' && c <= '9'; }))
                return failWith(QStringLiteral("The server's status line has no valid status code"));
            if (status < 200 && ++m_interimAnswers > kMaxInterimAnswers)
                return failWith(
                    QStringLiteral("The server sent more than %1 interim (1xx) answers").arg(kMaxInterimAnswers));
            m_status = status;
            m_http10 = line.at(7) == '0';
            m_keepAlive = !m_http10;
            m_reason = line.mid(13).trimmed();
            m_raw.clear();
            m_headerBytes = 0;
            m_headerLines = 0;
            m_phase = Phase::Headers;
            break;
        }
        case Phase::Headers: {
            if (!takeLine(&line, &failure))
                return failure;
            m_headerBytes += line.size() + 2;
            if (!line.isEmpty())
                ++m_headerLines; // the empty line that ends the head is not a header line
            if (m_headerBytes > kMaxHeaderBytes || m_headerLines > kMaxHeaderCount)
                return failWith(QStringLiteral("The server sent headers of more than %1 bytes or %2 lines")
                                    .arg(kMaxHeaderBytes)
                                    .arg(kMaxHeaderCount));
            if (line.contains('\0'))
                return failWith(QStringLiteral("The server sent a header line with a NUL byte"));
            line.replace('\r', ' '); // a bare CR inside a line (RFC 9112 2.2)
            if (!line.isEmpty()) {
                if (line.at(0) == ' ' || line.at(0) == '\t') {
                    if (m_raw.isEmpty())
                        return failWith(QStringLiteral("The server sent a malformed header line"));
                    m_raw.last().second += ' ' + line.trimmed(); // obsolete line folding
                    continue;
                }
                const qsizetype colon = line.indexOf(':');
                if (colon <= 0)
                    return failWith(QStringLiteral("The server sent a malformed header line"));
                m_raw.append({ line.left(colon).trimmed(), line.mid(colon + 1).trimmed() });
                continue;
            }
            if (m_status < 200) {
                if (m_status == 101)
                    return failWith(QStringLiteral("The server switched protocols (HTTP 101)"));
                m_phase = Phase::StatusLine; // 100 Continue, 103 Early Hints: the answer follows
                continue;
            }
            if (!headersDone(&failure))
                return failure;
            return Result::Head;
        }
        case Phase::Body: {
            const qsizetype have = m_in.size() - m_pos;
            switch (m_framing) {
            case Framing::None:
                m_phase = Phase::Complete;
                return Result::Complete;
            case Framing::UntilClose:
                takeBody(have, body);
                return Result::More;
            case Framing::Length: {
                const auto take = static_cast<qsizetype>(std::min<qint64>(have, m_remaining));
                takeBody(take, body);
                m_remaining -= take;
                if (m_remaining == 0) {
                    m_phase = Phase::Complete;
                    return Result::Complete;
                }
                return Result::More;
            }
            case Framing::Chunked:
                switch (m_chunkPhase) {
                case ChunkPhase::Size: {
                    if (!takeLine(&line, &failure))
                        return failure;
                    const qsizetype end = line.indexOf(';');
                    const QByteArray digits = (end < 0 ? line : line.left(end)).trimmed();
                    bool ok = false;
                    const qint64 size = digits.toLongLong(&ok, 16);
                    if (!ok || size < 0 || digits.isEmpty() || digits.startsWith('+') || digits.startsWith('-'))
                        return failWith(QStringLiteral("The server sent a malformed chunk size"));
                    if (size == 0) {
                        m_chunkPhase = ChunkPhase::Trailers;
                    } else {
                        m_remaining = size;
                        m_chunkPhase = ChunkPhase::Data;
                    }
                    break;
                }
                case ChunkPhase::Data: {
                    if (have == 0)
                        return Result::More;
                    const auto take = static_cast<qsizetype>(std::min<qint64>(have, m_remaining));
                    takeBody(take, body);
                    m_remaining -= take;
                    if (m_remaining == 0)
                        m_chunkPhase = ChunkPhase::DataEnd;
                    break;
                }
                case ChunkPhase::DataEnd:
                    if (!takeLine(&line, &failure))
                        return failure;
                    if (!line.isEmpty())
                        return failWith(QStringLiteral("The server sent a chunk longer than announced"));
                    m_chunkPhase = ChunkPhase::Size;
                    break;
                case ChunkPhase::Trailers:
                    if (!takeLine(&line, &failure))
                        return failure;
                    m_headerBytes += line.size() + 2;
                    if (m_headerBytes > kMaxHeaderBytes)
                        return failWith(
                            QStringLiteral("The server sent trailers of more than %1 bytes").arg(kMaxHeaderBytes));
                    if (line.isEmpty()) {
                        m_phase = Phase::Complete;
                        return Result::Complete;
                    }
                    break;
                }
                break;
            }
            break;
        }
        }
    }
}

bool HttpResponseParser::headersDone(Result* failure)
{
    // Repeated headers are joined as QNetworkAccessManager joins them.
    m_headers.clear();
    for (const auto& header : std::as_const(m_raw)) {
        auto it = std::find_if(m_headers.begin(), m_headers.end(),
            [&header](const auto& j) { return j.first.compare(header.first, Qt::CaseInsensitive) == 0; });
        if (it == m_headers.end()) {
            m_headers.append(header);
            continue;
        }
        const bool isCookie = header.first.compare("Set-Cookie", Qt::CaseInsensitive) == 0;
        it->second += (isCookie ? "\n" : ", ") + header.second;
    }
    m_raw.clear();
    const QByteArray contentLength = header("Content-Length");
    const QByteArray transferEncoding = header("Transfer-Encoding");
    const QByteArray connection = header("Connection");
    if (hasToken(connection, "close"))
        m_keepAlive = false;
    else if (hasToken(connection, "keep-alive"))
        m_keepAlive = true;

    if (m_headRequest || m_status == 204 || m_status == 304) {
        m_framing = Framing::None;
    } else if (!transferEncoding.isEmpty()) {
        const QList<QByteArray> codings = transferEncoding.split(',');
        if (codings.last().trimmed().compare("chunked", Qt::CaseInsensitive) != 0) {
            m_framing = Framing::UntilClose;
            m_keepAlive = false;
        } else {
            m_framing = Framing::Chunked;
            m_chunkPhase = ChunkPhase::Size;
            // Framing that a proxy on the way may have read otherwise: not reused (RFC 9112 6.3).
            if (!contentLength.isEmpty() || m_http10)
                m_keepAlive = false;
        }
    } else if (!contentLength.isEmpty()) {
        // "5, 5" (a repeated header) is accepted when every value is the same.
        qint64 length = -1;
        for (const QByteArray& part : contentLength.split(',')) {
            const QByteArray digits = part.trimmed();
            bool ok = false;
            const qint64 value = digits.toLongLong(&ok);
            if (!ok || value < 0 || digits.startsWith('+') || (length >= 0 && value != length)) {
                *failure = failWith(QStringLiteral("The server sent an invalid Content-Length"));
                return false;
            }
            length = value;
        }
        m_framing = Framing::Length;
        m_remaining = length;
    } else {
        m_framing = Framing::UntilClose;
        m_keepAlive = false;
    }
    m_headerBytes = 0; // trailers get their own budget
    m_phase = m_framing == Framing::None ? Phase::Complete : Phase::Body;
    if (m_framing == Framing::Length && m_remaining == 0)
        m_phase = Phase::Complete;
    return true;
}

bool HttpResponseParser::endOfInput()
{
    if (m_phase == Phase::Body && m_framing == Framing::UntilClose && m_pos >= m_in.size()) {
        m_phase = Phase::Complete;
        return true;
    }
    return false;
}

} // namespace lanyard
