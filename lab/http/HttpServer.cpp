// SPDX-License-Identifier: MIT
#include "HttpServer.h"

#include "util/Logging.h"

#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <exception>

namespace lanyard::lab {

namespace {

bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
        return true;
    default:
        return false;
    }
}

bool isToken(const QByteArray& s)
{
    if (s.isEmpty())
        return false;
    for (char c : s) {
        if (!isTokenChar(c))
            return false;
    }
    return true;
}

// Header values may hold visible ASCII, spaces, tabs and obs-text; never other control bytes.
bool isValidHeaderValue(const QByteArray& v)
{
    for (char ch : v) {
        const auto c = static_cast<unsigned char>(ch);
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return false;
    }
    return true;
}

// Keeps a value we put into a response header on one line.
QByteArray sanitizeHeaderValue(const QByteArray& v)
{
    QByteArray out = v;
    out.replace('\r', ' ');
    out.replace('\n', ' ');
    return out;
}

bool parseDecimal(const QByteArray& s, qint64* out)
{
    if (s.isEmpty() || s.size() > 18)
        return false;
    qint64 v = 0;
    for (char c : s) {
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *out = v;
    return true;
}

bool parseHex(const QByteArray& s, qint64* out)
{
    if (s.isEmpty() || s.size() > 15)
        return false;
    qint64 v = 0;
    for (char c : s) {
        int d = -1;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        if (d < 0)
            return false;
        v = v * 16 + d;
    }
    *out = v;
    return true;
}

QList<QByteArray> commaTokens(const QByteArray& value)
{
    QList<QByteArray> out;
    for (const QByteArray& part : value.split(',')) {
        const QByteArray t = part.trimmed().toLower();
        if (!t.isEmpty())
            out << t;
    }
    return out;
}

} // namespace

QByteArray httpReasonPhrase(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 302:
        return "Found";
    case 303:
        return "See Other";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 411:
        return "Length Required";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Status";
    }
}

// ---- Request ----------------------------------------------------------------------------------

QByteArray Request::header(const QByteArray& name) const
{
    const QList<QByteArray> values = headerValues(name);
    if (values.isEmpty())
        return {};
    if (values.size() == 1)
        return values.first();
    return values.join(", ");
}

bool Request::hasHeader(const QByteArray& name) const
{
    for (const auto& h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

QList<QByteArray> Request::headerValues(const QByteArray& name) const
{
    QList<QByteArray> out;
    for (const auto& h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            out << h.second;
    }
    return out;
}

// ---- HttpConnection ---------------------------------------------------------------------------

// One accepted socket. Requests on it are served one after the other (keep-alive, pipelining
// buffered); the current answer goes through the Responder handed to the route's handler.
class HttpConnection : public QObject
{
public:
    HttpConnection(HttpServer* server, QTcpSocket* socket);
    ~HttpConnection() override;

    bool isAlive() const { return m_state != State::Closed && m_socket->state() == QAbstractSocket::ConnectedState; }
    bool owns(const Responder* r) const { return r->m_serial == m_serial && m_state == State::Dispatched; }

    void respond(
        Responder* r, int status, const QByteArray& body, const QByteArray& contentType, const HttpHeaders& headers);
    bool beginStream(Responder* r, int status, const QByteArray& contentType, const HttpHeaders& headers);
    bool writeStream(Responder* r, const QByteArray& data);
    void endStream(Responder* r);
    void abortConnection();

private:
    enum class State { Head, Body, ChunkSize, ChunkData, ChunkTrailer, Dispatched, Closed };

    void onReadyRead();
    void processBuffer();
    // Parses the request head once complete. False: wait for more data or the request was refused.
    bool parseHead();
    bool parseChunked();
    void dispatch();
    void refuse(int status, const QByteArray& message);
    QByteArray buildHead(int status, const QByteArray& contentType, const HttpHeaders& headers, qint64 contentLength,
        bool chunked, bool close) const;
    // Writes body bytes, applying the drop fault. False when the connection was dropped.
    bool writeBodyBytes(const QByteArray& data);
    void finishResponse();
    void closeGracefully();
    void onDisconnected();
    void resetRequest();

    HttpServer* m_server;
    QTcpSocket* m_socket;
    QTimer m_idleTimer;
    QByteArray m_buffer;
    State m_state = State::Head;
    Request m_request;
    qint64 m_contentLength = 0;
    qint64 m_chunkRemaining = 0;
    bool m_keepAlive = true;
    bool m_expectContinue = false;
    bool m_sentContinue = false;
    quint64 m_serial = 0;
    std::weak_ptr<Responder> m_current;
    HttpFaults m_activeFaults;
    void answerWithFault(const HttpFaults& faults, const ResponderPtr& responder);
    void dripBody(const QByteArray& body, qsizetype offset);
    void pumpHugeBody(const ResponderPtr& responder, qint64 left);
    qint64 m_bodyBytesWritten = 0;
    bool m_streamChunked = false;
    bool m_streamCloses = false;
};

HttpConnection::HttpConnection(HttpServer* server, QTcpSocket* socket)
    : QObject(server)
    , m_server(server)
    , m_socket(socket)
{
    m_socket->setParent(this);
    // Streamed answers are many small writes: send each at once (no Nagle delay).
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_idleTimer.setSingleShot(true);
    m_idleTimer.setInterval(server->idleTimeoutMs());
    connect(&m_idleTimer, &QTimer::timeout, this, [this] {
        if (m_state != State::Dispatched)
            closeGracefully();
    });
    connect(m_socket, &QTcpSocket::readyRead, this, [this] { onReadyRead(); });
    connect(m_socket, &QTcpSocket::disconnected, this, [this] { onDisconnected(); });
    connect(m_socket, &QAbstractSocket::errorOccurred, this, [this](QAbstractSocket::SocketError) {
        if (m_socket->state() != QAbstractSocket::ConnectedState)
            onDisconnected();
    });
    m_idleTimer.start();
    server->m_connections.append(this);
}

HttpConnection::~HttpConnection()
{
    m_server->m_connections.removeAll(this);
}

void HttpConnection::onReadyRead()
{
    if (m_state == State::Closed) {
        m_socket->readAll();
        return;
    }
    m_buffer.append(m_socket->readAll());
    if (m_state != State::Dispatched)
        m_idleTimer.start();
    // Bound what a client can queue behind a request that is still being answered.
    if (m_state == State::Dispatched
        && m_buffer.size() > m_server->maxHeaderBytes() + m_server->maxRequestBodyBytes()) {
        abortConnection();
        return;
    }
    processBuffer();
}

void HttpConnection::processBuffer()
{
    while (true) {
        switch (m_state) {
        case State::Head:
            if (!parseHead())
                return;
            break;
        case State::Body:
            if (m_buffer.size() < m_contentLength)
                return;
            m_request.body = m_buffer.left(m_contentLength);
            m_buffer.remove(0, m_contentLength);
            dispatch();
            return;
        case State::ChunkSize:
        case State::ChunkData:
        case State::ChunkTrailer:
            if (!parseChunked())
                return;
            break;
        case State::Dispatched:
        case State::Closed:
            return;
        }
    }
}

bool HttpConnection::parseHead()
{
    // Tolerate empty lines before a request line (RFC 9112 section 2.2).
    while (m_buffer.startsWith("\r\n"))
        m_buffer.remove(0, 2);
    const qsizetype end = m_buffer.indexOf("\r\n\r\n");
    if (end < 0) {
        if (m_buffer.size() > m_server->maxHeaderBytes()) {
            refuse(431, "request head too large");
        }
        return false;
    }
    if (end > m_server->maxHeaderBytes()) {
        refuse(431, "request head too large");
        return false;
    }
    const QByteArray head = m_buffer.left(end + 2); // keep the last line's CRLF
    m_buffer.remove(0, end + 4);

    QList<QByteArray> lines;
    qsizetype pos = 0;
    while (pos < head.size()) {
        const qsizetype eol = head.indexOf("\r\n", pos);
        if (eol < 0)
            break;
        const QByteArray line = head.mid(pos, eol - pos);
        if (line.contains('\n') || line.contains('\r')) {
            refuse(400, "bare CR or LF in request head");
            return false;
        }
        lines << line;
        pos = eol + 2;
    }
    if (lines.isEmpty()) {
        refuse(400, "empty request");
        return false;
    }

    resetRequest();
    const QList<QByteArray> parts = lines.first().split(' ');
    if (parts.size() != 3 || parts[0].isEmpty() || parts[1].isEmpty() || parts[2].isEmpty()) {
        refuse(400, "malformed request line");
        return false;
    }
    for (char c : parts[0]) {
        if (c < 'A' || c > 'Z') {
            refuse(400, "malformed method");
            return false;
        }
    }
    if (parts[0].size() > 16) {
        refuse(501, "unknown method");
        return false;
    }
    const QByteArray& target = parts[1];
    if (target.size() > 8192) {
        refuse(414, "request target too long");
        return false;
    }
    if (!target.startsWith('/')) {
        refuse(400, "request target must be an absolute path");
        return false;
    }
    for (char ch : target) {
        const auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c >= 0x7f) {
            refuse(400, "invalid byte in request target");
            return false;
        }
    }
    const QByteArray& version = parts[2];
    if (version != "HTTP/1.1" && version != "HTTP/1.0") {
        const bool looksHttp = version.size() == 8 && version.startsWith("HTTP/") && version[6] == '.'
            && version[5] >= '0' && version[5] <= '9' && version[7] >= '0' && version[7] <= '9';
        refuse(looksHttp ? 505 : 400, "unsupported HTTP version");
        return false;
    }
    m_request.method = parts[0];
    m_request.httpVersion = version;
    const qsizetype q = target.indexOf('?');
    const QByteArray rawPath = q < 0 ? target : target.left(q);
    m_request.path = QUrl::fromPercentEncoding(rawPath);
    if (q >= 0)
        m_request.query = QUrlQuery(QString::fromUtf8(target.mid(q + 1)));

    if (lines.size() > 101) {
        refuse(431, "too many header fields");
        return false;
    }
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray& line = lines[i];
        if (line.startsWith(' ') || line.startsWith('\t')) {
            refuse(400, "folded header lines are not accepted");
            return false;
        }
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0) {
            refuse(400, "malformed header line");
            return false;
        }
        const QByteArray name = line.left(colon);
        const QByteArray value = line.mid(colon + 1).trimmed();
        if (!isToken(name) || !isValidHeaderValue(value)) {
            refuse(400, "malformed header field");
            return false;
        }
        m_request.headers.append({ name, value });
    }

    const QList<QByteArray> connectionTokens = commaTokens(m_request.header("Connection"));
    if (version == "HTTP/1.0")
        m_keepAlive = connectionTokens.contains("keep-alive");
    else
        m_keepAlive = !connectionTokens.contains("close");

    const QList<QByteArray> lengths = m_request.headerValues("Content-Length");
    const bool hasTransferEncoding = m_request.hasHeader("Transfer-Encoding");
    if (hasTransferEncoding && !lengths.isEmpty()) {
        refuse(400, "both Content-Length and Transfer-Encoding");
        return false;
    }
    m_expectContinue = m_request.header("Expect").toLower() == "100-continue";
    if (hasTransferEncoding) {
        if (version == "HTTP/1.0" || m_request.header("Transfer-Encoding").trimmed().toLower() != "chunked") {
            refuse(501, "unsupported transfer encoding");
            return false;
        }
        m_state = State::ChunkSize;
        m_chunkRemaining = 0;
    } else if (!lengths.isEmpty()) {
        qint64 length = -1;
        for (const QByteArray& l : lengths) {
            qint64 v = 0;
            // A list value "5, 5" is tolerated by RFC 9110 only when all members agree; we refuse lists.
            if (!parseDecimal(l, &v) || (length >= 0 && v != length)) {
                refuse(400, "invalid Content-Length");
                return false;
            }
            length = v;
        }
        if (length > m_server->maxRequestBodyBytes()) {
            refuse(413, "request body too large");
            return false;
        }
        m_contentLength = length;
        m_state = length > 0 ? State::Body : State::Head;
        if (length == 0) {
            dispatch();
            return false;
        }
    } else {
        m_contentLength = 0;
        dispatch();
        return false;
    }
    if (m_expectContinue && !m_sentContinue && m_buffer.isEmpty()) {
        m_sentContinue = true;
        m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
    }
    return true;
}

bool HttpConnection::parseChunked()
{
    switch (m_state) {
    case State::ChunkSize: {
        const qsizetype eol = m_buffer.indexOf("\r\n");
        if (eol < 0) {
            if (m_buffer.size() > 1024)
                refuse(400, "malformed chunk size");
            return false;
        }
        QByteArray sizeField = m_buffer.left(eol);
        m_buffer.remove(0, eol + 2);
        const qsizetype semi = sizeField.indexOf(';');
        if (semi >= 0)
            sizeField = sizeField.left(semi);
        qint64 size = 0;
        if (!parseHex(sizeField.trimmed(), &size)) {
            refuse(400, "malformed chunk size");
            return false;
        }
        if (m_request.body.size() + size > m_server->maxRequestBodyBytes()) {
            refuse(413, "request body too large");
            return false;
        }
        if (size == 0) {
            m_state = State::ChunkTrailer;
        } else {
            m_chunkRemaining = size;
            m_state = State::ChunkData;
        }
        return true;
    }
    case State::ChunkData: {
        if (m_buffer.size() < m_chunkRemaining + 2)
            return false;
        if (m_buffer.mid(m_chunkRemaining, 2) != "\r\n") {
            refuse(400, "malformed chunk");
            return false;
        }
        m_request.body.append(m_buffer.left(m_chunkRemaining));
        m_buffer.remove(0, m_chunkRemaining + 2);
        m_chunkRemaining = 0;
        m_state = State::ChunkSize;
        return true;
    }
    case State::ChunkTrailer: {
        // Trailer fields are read and dropped; an empty line ends the message.
        while (true) {
            const qsizetype eol = m_buffer.indexOf("\r\n");
            if (eol < 0) {
                if (m_buffer.size() > m_server->maxHeaderBytes())
                    refuse(431, "trailer too large");
                return false;
            }
            m_buffer.remove(0, eol + 2);
            if (eol == 0)
                break;
        }
        dispatch();
        return false;
    }
    default:
        return false;
    }
}

void HttpConnection::resetRequest()
{
    m_request = Request();
    m_request.peerAddress = m_socket->peerAddress();
    m_request.peerPort = m_socket->peerPort();
    m_request.localPort = m_socket->localPort();
    m_contentLength = 0;
    m_chunkRemaining = 0;
    m_expectContinue = false;
    m_sentContinue = false;
}

void HttpConnection::dispatch()
{
    m_state = State::Dispatched;
    m_idleTimer.stop();
    ++m_serial;
    m_bodyBytesWritten = 0;
    m_streamChunked = false;
    m_streamCloses = false;
    m_activeFaults = m_server->takeFaults(m_request.path, m_request.body);
    ResponderPtr responder(new Responder(this, m_serial));
    m_current = responder;
    if (m_activeFaults.replacesAnswer()) {
        const HttpFaults faults = m_activeFaults;
        auto answer = [this, faults, responder] {
            if (!responder->isConnected())
                return;
            answerWithFault(faults, responder);
        };
        if (faults.latencyMs > 0)
            QTimer::singleShot(faults.latencyMs, this, answer);
        else
            answer();
        return;
    }

    int status = 0;
    QByteArray allow;
    const HttpServer::Route* found = m_server->findRoute(m_request.method, m_request.path, &status, &allow);
    if (!found) {
        HttpHeaders extra;
        if (!allow.isEmpty())
            extra.append({ "Allow", allow });
        responder->send(status, httpReasonPhrase(status) + "\n", "text/plain; charset=utf-8", extra);
        return;
    }
    HttpHandler handler = found->handler;
    const Request request = m_request;
    auto run = [handler, request, responder] {
        if (!responder->isConnected())
            return;
        try {
            handler(request, responder);
        } catch (const std::exception& e) {
            qCWarning(lcLab) << "handler failed for" << request.method << request.path << ":" << e.what();
            if (!responder->hasStarted())
                responder->send(500, "internal error\n");
            else
                responder->end();
        }
    };
    if (m_activeFaults.latencyMs > 0)
        QTimer::singleShot(m_activeFaults.latencyMs, this, run);
    else
        run();
}

void HttpConnection::answerWithFault(const HttpFaults& faults, const ResponderPtr& responder)
{
    if (faults.reset) {
        qCInfo(lcLab).noquote() << "fault: resetting the connection of" << m_request.method << m_request.path;
        m_server->logRequest(m_request.method, m_request.path, 0);
        abortConnection();
        return;
    }
    if (faults.redirectTo.isValid()) {
        qCInfo(lcLab).noquote() << "fault: redirecting" << m_request.method << m_request.path << "to"
                                << faults.redirectTo.toString(QUrl::RemoveQuery | QUrl::RemoveUserInfo);
        responder->send(307, "redirected by a lab fault\n", "text/plain; charset=utf-8",
            { { "Location", faults.redirectTo.toEncoded() } });
        return;
    }
    if (faults.hugeBytes > 0) {
        qCInfo(lcLab).noquote() << "fault: answering" << faults.hugeBytes << "bytes to" << m_request.method
                                << m_request.path;
        if (!responder->beginStream(200, "application/json"))
            return;
        // {"jsonrpc":"2.0","id":0,"result":{"pad":"xxxx…"}} in 1 MiB pieces, one per event-loop turn.
        responder->write(R"({"jsonrpc":"2.0","id":0,"result":{"pad":")");
        pumpHugeBody(responder, faults.hugeBytes);
        return;
    }
    const int status = faults.status > 0 ? faults.status : 200;
    const QByteArray body = faults.body.isEmpty()
        ? QByteArray("lab fault: ") + QByteArray::number(status) + ' ' + httpReasonPhrase(status) + '\n'
        : faults.body;
    qCInfo(lcLab).noquote() << "fault: answering" << status << "with a canned body to" << m_request.method
                            << m_request.path;
    responder->send(status, body,
        faults.contentTypeOverride.isEmpty() ? QByteArray("text/plain; charset=utf-8") : faults.contentTypeOverride);
}

void HttpConnection::refuse(int status, const QByteArray& message)
{
    m_server->logRequest(m_request.method.isEmpty() ? QByteArray("-") : m_request.method,
        m_request.path.isEmpty() ? QStringLiteral("-") : m_request.path, status);
    const QByteArray body = message + "\n";
    m_socket->write(buildHead(status, "text/plain; charset=utf-8", {}, body.size(), false, true));
    m_socket->write(body);
    closeGracefully();
}

QByteArray HttpConnection::buildHead(int status, const QByteArray& contentType, const HttpHeaders& headers,
    qint64 contentLength, bool chunked, bool close) const
{
    QByteArray head;
    head.reserve(256);
    head += "HTTP/1.1 " + QByteArray::number(status) + ' ' + httpReasonPhrase(status) + "\r\n";
    if (!contentType.isEmpty())
        head += "Content-Type: " + sanitizeHeaderValue(contentType) + "\r\n";
    if (chunked)
        head += "Transfer-Encoding: chunked\r\n";
    else if (contentLength >= 0)
        head += "Content-Length: " + QByteArray::number(contentLength) + "\r\n";
    bool hasCacheControl = false;
    for (const auto& h : headers) {
        if (!isToken(h.first))
            continue;
        const QByteArray lower = h.first.toLower();
        if (lower == "content-length" || lower == "transfer-encoding" || lower == "connection"
            || lower == "content-type")
            continue;
        if (lower == "cache-control")
            hasCacheControl = true;
        head += h.first + ": " + sanitizeHeaderValue(h.second) + "\r\n";
    }
    if (!hasCacheControl)
        head += "Cache-Control: no-store\r\n";
    head += close ? "Connection: close\r\n" : "Connection: keep-alive\r\n";
    head += "\r\n";
    return head;
}

bool HttpConnection::writeBodyBytes(const QByteArray& data)
{
    const qint64 limit = m_activeFaults.dropAfterBodyBytes;
    if (limit >= 0 && m_bodyBytesWritten + data.size() > limit) {
        const qint64 allowed = limit - m_bodyBytesWritten;
        if (allowed > 0)
            m_socket->write(data.left(allowed));
        m_bodyBytesWritten = limit;
        qCInfo(lcLab).noquote() << "fault: dropping connection during" << m_request.method << m_request.path;
        m_socket->flush();
        abortConnection();
        return false;
    }
    m_socket->write(data);
    m_bodyBytesWritten += data.size();
    return true;
}

void HttpConnection::respond(
    Responder* r, int status, const QByteArray& body, const QByteArray& contentType, const HttpHeaders& headers)
{
    if (!isAlive() || !owns(r) || r->m_started)
        return;
    r->m_started = true;
    r->m_status = status;
    const bool noBody = status == 204 || status == 304 || (status >= 100 && status < 200);
    const QByteArray type = m_activeFaults.contentTypeOverride.isEmpty() ? (noBody ? QByteArray() : contentType)
                                                                         : m_activeFaults.contentTypeOverride;
    const bool closeAfter = !m_keepAlive || m_activeFaults.truncateBody;
    m_socket->write(buildHead(status, type, headers, noBody ? -1 : body.size(), false, closeAfter));
    m_server->logRequest(m_request.method, m_request.path, status);
    if (!noBody && m_request.method != "HEAD") {
        if (m_activeFaults.truncateBody) {
            qCInfo(lcLab).noquote() << "fault: truncating body of" << m_request.method << m_request.path;
            if (writeBodyBytes(body.left(body.size() / 2))) {
                r->m_finished = true;
                closeGracefully();
            }
            return;
        }
        if (m_activeFaults.dripBytes > 0) {
            qCInfo(lcLab).noquote() << "fault: dripping the body of" << m_request.method << m_request.path;
            r->m_finished = true;
            dripBody(body, 0);
            return;
        }
        if (!writeBodyBytes(body))
            return;
    }
    r->m_finished = true;
    finishResponse();
}

void HttpConnection::pumpHugeBody(const ResponderPtr& responder, qint64 left)
{
    static const QByteArray piece(1024 * 1024, 'x');
    if (!responder->isConnected())
        return;
    if (left <= 0) {
        responder->write("\"}}");
        responder->end();
        return;
    }
    const qint64 n = qMin<qint64>(left, piece.size());
    if (!responder->write(n == piece.size() ? piece : piece.left(n)))
        return;
    QTimer::singleShot(0, this, [this, responder, left, n] { pumpHugeBody(responder, left - n); });
}

void HttpConnection::dripBody(const QByteArray& body, qsizetype offset)
{
    if (!isAlive())
        return;
    const qsizetype n = qMin<qsizetype>(m_activeFaults.dripBytes, body.size() - offset);
    if (n > 0 && !writeBodyBytes(body.mid(offset, n)))
        return;
    if (offset + n >= body.size()) {
        finishResponse();
        return;
    }
    const quint64 serial = m_serial;
    QTimer::singleShot(qMax(1, m_activeFaults.dripIntervalMs), this, [this, body, offset, n, serial] {
        if (serial == m_serial)
            dripBody(body, offset + n);
    });
}

bool HttpConnection::beginStream(Responder* r, int status, const QByteArray& contentType, const HttpHeaders& headers)
{
    if (!isAlive() || !owns(r) || r->m_started)
        return false;
    r->m_started = true;
    r->m_status = status;
    const QByteArray type
        = m_activeFaults.contentTypeOverride.isEmpty() ? contentType : m_activeFaults.contentTypeOverride;
    m_streamChunked = m_request.httpVersion == "HTTP/1.1";
    m_streamCloses = !m_streamChunked || !m_keepAlive;
    m_socket->write(buildHead(status, type, headers, -1, m_streamChunked, m_streamCloses));
    m_server->logRequest(m_request.method, m_request.path, status);
    return true;
}

bool HttpConnection::writeStream(Responder* r, const QByteArray& data)
{
    if (!isAlive() || !owns(r) || !r->m_started || r->m_finished)
        return false;
    if (data.isEmpty() || m_request.method == "HEAD")
        return true;
    const qint64 limit = m_activeFaults.dropAfterBodyBytes;
    if (limit >= 0 && m_bodyBytesWritten + data.size() > limit) {
        // Send what the fault allows (framed), then drop.
        const QByteArray part = data.left(limit - m_bodyBytesWritten);
        if (m_streamChunked && !part.isEmpty())
            m_socket->write(QByteArray::number(part.size(), 16) + "\r\n" + part + "\r\n");
        else if (!part.isEmpty())
            m_socket->write(part);
        qCInfo(lcLab).noquote() << "fault: dropping stream of" << m_request.method << m_request.path;
        m_socket->flush();
        abortConnection();
        return false;
    }
    if (m_streamChunked)
        m_socket->write(QByteArray::number(data.size(), 16) + "\r\n" + data + "\r\n");
    else
        m_socket->write(data);
    m_bodyBytesWritten += data.size();
    return true;
}

void HttpConnection::endStream(Responder* r)
{
    if (!isAlive() || !owns(r) || !r->m_started || r->m_finished)
        return;
    r->m_finished = true;
    if (m_activeFaults.truncateBody) {
        qCInfo(lcLab).noquote() << "fault: cutting stream of" << m_request.method << m_request.path;
        closeGracefully();
        return;
    }
    if (m_streamChunked && m_request.method != "HEAD")
        m_socket->write("0\r\n\r\n");
    if (m_streamCloses) {
        closeGracefully();
        return;
    }
    finishResponse();
}

void HttpConnection::finishResponse()
{
    m_current.reset();
    m_activeFaults = HttpFaults();
    if (!m_keepAlive) {
        closeGracefully();
        return;
    }
    m_state = State::Head;
    m_request = Request();
    m_idleTimer.start();
    if (!m_buffer.isEmpty())
        QTimer::singleShot(0, this, [this] { processBuffer(); });
    // Send the answer now, as a server on its own machine would: QTcpSocket otherwise keeps it until
    // the event loop comes back, so answers computed in one pass (20 token requests that arrived
    // together) would all leave at its end, each waiting for the slowest. Last: a peer that has gone
    // away makes this close the connection (onDisconnected), which must stay closed.
    m_socket->flush();
}

void HttpConnection::closeGracefully()
{
    if (m_state == State::Closed)
        return;
    m_state = State::Closed;
    m_idleTimer.stop();
    m_socket->disconnectFromHost();
    if (m_socket->state() == QAbstractSocket::UnconnectedState)
        onDisconnected();
}

void HttpConnection::abortConnection()
{
    m_state = State::Closed;
    m_socket->abort();
    onDisconnected();
}

void HttpConnection::onDisconnected()
{
    m_state = State::Closed;
    m_idleTimer.stop();
    if (ResponderPtr current = m_current.lock()) {
        m_current.reset();
        if (!current->m_finished)
            current->markDisconnected();
    }
    deleteLater();
}

// ---- Responder --------------------------------------------------------------------------------

Responder::Responder(HttpConnection* connection, quint64 serial)
    : m_connection(connection)
    , m_serial(serial)
{
}

Responder::~Responder()
{
    if (m_finished || m_disconnected || !m_connection || !m_connection->isAlive() || !m_connection->owns(this))
        return;
    if (!m_started)
        m_connection->respond(this, 500, "the handler did not answer\n", "text/plain; charset=utf-8", {});
    else
        m_connection->endStream(this);
}

void Responder::send(int status, const QByteArray& body, const QByteArray& contentType, const HttpHeaders& headers)
{
    if (m_connection && !m_disconnected)
        m_connection->respond(this, status, body, contentType, headers);
}

bool Responder::beginStream(int status, const QByteArray& contentType, const HttpHeaders& headers)
{
    return m_connection && !m_disconnected && m_connection->beginStream(this, status, contentType, headers);
}

bool Responder::write(const QByteArray& data)
{
    return m_connection && !m_disconnected && m_connection->writeStream(this, data);
}

void Responder::end()
{
    if (m_connection && !m_disconnected)
        m_connection->endStream(this);
}

bool Responder::isConnected() const
{
    return !m_disconnected && m_connection && m_connection->isAlive();
}

void Responder::onDisconnected(std::function<void()> callback)
{
    if (m_disconnected) {
        callback();
        return;
    }
    m_disconnectCallbacks.push_back(std::move(callback));
}

void Responder::markDisconnected()
{
    if (m_disconnected)
        return;
    m_disconnected = true;
    auto callbacks = std::move(m_disconnectCallbacks);
    m_disconnectCallbacks.clear();
    for (auto& cb : callbacks)
        cb();
}

// ---- HttpServer -------------------------------------------------------------------------------

HttpServer::HttpServer(QObject* parent)
    : QObject(parent)
    , m_server(new QTcpServer(this))
{
    connect(m_server, &QTcpServer::newConnection, this, [this] { onNewConnection(); });
}

HttpServer::~HttpServer()
{
    close();
    // Connections are children; they must go before our members do (they unregister themselves).
    const QList<HttpConnection*> connections = m_connections;
    qDeleteAll(connections);
}

bool HttpServer::listen(quint16 port, QString* error)
{
    if (m_server->isListening())
        return true;
    if (!m_server->listen(QHostAddress::LocalHost, port)) {
        if (error)
            *error = tr("Could not listen on 127.0.0.1:%1 (%2). Choose another port or use 0 for a free one.")
                         .arg(port)
                         .arg(m_server->errorString());
        return false;
    }
    return true;
}

void HttpServer::close()
{
    if (m_server->isListening())
        m_server->close();
    // Each aborted connection tells its responder (streams notice) and deletes itself later.
    const QList<HttpConnection*> connections = m_connections;
    for (HttpConnection* c : connections)
        c->abortConnection();
}

bool HttpServer::isListening() const
{
    return m_server->isListening();
}

quint16 HttpServer::port() const
{
    return m_server->serverPort();
}

QHostAddress HttpServer::address() const
{
    return m_server->serverAddress();
}

QUrl HttpServer::baseUrl() const
{
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    url.setHost(QStringLiteral("127.0.0.1"));
    url.setPort(port());
    url.setPath(QStringLiteral(""));
    return url;
}

void HttpServer::route(const QByteArray& method, const QString& path, HttpHandler handler)
{
    for (auto& r : m_routes) {
        if (!r.prefix && r.method == method && r.path == path) {
            r.handler = std::move(handler);
            return;
        }
    }
    m_routes.push_back(Route { method, path, false, std::move(handler) });
}

void HttpServer::routePrefix(const QByteArray& method, const QString& prefix, HttpHandler handler)
{
    for (auto& r : m_routes) {
        if (r.prefix && r.method == method && r.path == prefix) {
            r.handler = std::move(handler);
            return;
        }
    }
    m_routes.push_back(Route { method, prefix, true, std::move(handler) });
}

bool HttpServer::hasRoute(const QByteArray& method, const QString& path) const
{
    for (const auto& r : m_routes) {
        if (!r.prefix && r.path == path && (r.method.isEmpty() || method.isEmpty() || r.method == method))
            return true;
    }
    return false;
}

const HttpServer::Route* HttpServer::findRoute(
    const QByteArray& method, const QString& path, int* status, QByteArray* allow) const
{
    QList<QByteArray> allowed;
    // Exact routes first.
    for (const auto& r : m_routes) {
        if (r.prefix || r.path != path)
            continue;
        if (r.method.isEmpty() || r.method == method)
            return &r;
        allowed << r.method;
    }
    if (allowed.isEmpty()) {
        const Route* best = nullptr;
        for (const auto& r : m_routes) {
            if (!r.prefix || !path.startsWith(r.path))
                continue;
            if (!r.method.isEmpty() && r.method != method) {
                allowed << r.method;
                continue;
            }
            if (!best || r.path.size() > best->path.size())
                best = &r;
        }
        if (best)
            return best;
    }
    if (!allowed.isEmpty()) {
        *status = 405;
        QList<QByteArray> unique;
        for (const QByteArray& m : allowed) {
            if (!unique.contains(m))
                unique << m;
        }
        *allow = unique.join(", ");
    } else {
        *status = 404;
    }
    return nullptr;
}

HttpFaults HttpServer::takeFaults(const QString& path, const QByteArray& body)
{
    if (!m_faults.any() || m_faults.remaining == 0)
        return HttpFaults();
    if (!m_faults.pathPrefix.isEmpty() && !path.startsWith(m_faults.pathPrefix))
        return HttpFaults();
    if (!m_faults.bodyContains.isEmpty() && !body.contains(m_faults.bodyContains))
        return HttpFaults();
    if (m_faults.remaining > 0)
        --m_faults.remaining;
    return m_faults;
}

void HttpServer::logRequest(const QByteArray& method, const QString& path, int status)
{
    // Path only: queries may carry codes, states or tokens. Never bodies or header values.
    if (m_name.isEmpty())
        qCInfo(lcLab).noquote() << method << path << status;
    else
        qCInfo(lcLab).noquote() << QStringLiteral("[%1]").arg(m_name) << method << path << status;
    emit requestHandled(method, path, status);
}

void HttpServer::onNewConnection()
{
    while (QTcpSocket* socket = m_server->nextPendingConnection()) {
        if (m_connections.size() >= m_maxConnections) {
            qCWarning(lcLab) << "too many connections; refusing one";
            socket->abort();
            socket->deleteLater();
            continue;
        }
        new HttpConnection(this, socket);
    }
}

} // namespace lanyard::lab
