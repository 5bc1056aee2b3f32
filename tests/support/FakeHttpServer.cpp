// SPDX-License-Identifier: MIT
#include "FakeHttpServer.h"

#include <QHostAddress>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <vector>

#ifdef Q_OS_UNIX
#include <sys/socket.h>
#endif

namespace lanyard::test {

namespace {
constexpr qint64 kStreamPiece = 64 * 1024;
constexpr qint64 kStreamHighWater = 128 * 1024; // write more only when less than this is queued

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 307:
        return "Temporary Redirect";
    case 308:
        return "Permanent Redirect";
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
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "Status";
    }
}

QByteArray headBytes(int status, const FakeHttpServer::Headers& headers)
{
    QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status) + "\r\n";
    for (const auto& h : headers)
        out += h.first + ": " + h.second + "\r\n";
    out += "\r\n";
    return out;
}

QByteArray chunkBytes(const QByteArray& data)
{
    return QByteArray::number(data.size(), 16) + "\r\n" + data + "\r\n";
}
} // namespace

// ---- Request ------------------------------------------------------------------------------------

QByteArray FakeHttpServer::Request::header(const QByteArray& name) const
{
    for (const auto& h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return QByteArray();
}

bool FakeHttpServer::Request::hasHeader(const QByteArray& name) const
{
    for (const auto& h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

// ---- Script -------------------------------------------------------------------------------------

FakeHttpServer::Script& FakeHttpServer::Script::raw(QByteArray bytes)
{
    Step s;
    s.type = Step::Type::Raw;
    s.bytes = std::move(bytes);
    m_steps.append(s);
    return *this;
}

FakeHttpServer::Script& FakeHttpServer::Script::head(int status, Headers headers)
{
    return raw(headBytes(status, headers));
}

FakeHttpServer::Script& FakeHttpServer::Script::chunkedHead(int status, Headers headers)
{
    headers.append(qMakePair(QByteArray("Transfer-Encoding"), QByteArray("chunked")));
    return raw(headBytes(status, headers));
}

FakeHttpServer::Script& FakeHttpServer::Script::chunk(QByteArray data)
{
    return raw(chunkBytes(data));
}

FakeHttpServer::Script& FakeHttpServer::Script::lastChunk()
{
    return raw("0\r\n\r\n");
}

FakeHttpServer::Script& FakeHttpServer::Script::delay(int ms)
{
    Step s;
    s.type = Step::Type::Delay;
    s.ms = ms;
    m_steps.append(s);
    return *this;
}

FakeHttpServer::Script& FakeHttpServer::Script::close()
{
    Step s;
    s.type = Step::Type::Close;
    m_steps.append(s);
    return *this;
}

FakeHttpServer::Script& FakeHttpServer::Script::reset()
{
    Step s;
    s.type = Step::Type::Reset;
    m_steps.append(s);
    return *this;
}

FakeHttpServer::Script& FakeHttpServer::Script::hang()
{
    Step s;
    s.type = Step::Type::Hang;
    m_steps.append(s);
    return *this;
}

FakeHttpServer::Script& FakeHttpServer::Script::streamBody(qint64 totalBytes, QByteArray prefix, bool chunked)
{
    Step s;
    s.type = Step::Type::Stream;
    s.total = totalBytes;
    s.bytes = std::move(prefix);
    s.chunked = chunked;
    m_steps.append(s);
    return *this;
}

FakeHttpServer::Script FakeHttpServer::Script::response(int status, Headers headers, QByteArray body)
{
    headers.append(qMakePair(QByteArray("Content-Length"), QByteArray::number(body.size())));
    Script s;
    s.raw(headBytes(status, headers) + body);
    return s;
}

FakeHttpServer::Script FakeHttpServer::Script::json(QByteArray body, Headers extraHeaders, int status)
{
    extraHeaders.prepend(qMakePair(QByteArray("Content-Type"), QByteArray("application/json")));
    return response(status, extraHeaders, std::move(body));
}

FakeHttpServer::Script FakeHttpServer::Script::accepted()
{
    return response(202);
}

FakeHttpServer::Script FakeHttpServer::Script::sse(QList<QByteArray> pieces, Headers extraHeaders, int delayMs)
{
    extraHeaders.prepend(qMakePair(QByteArray("Cache-Control"), QByteArray("no-cache")));
    extraHeaders.prepend(qMakePair(QByteArray("Content-Type"), QByteArray("text/event-stream")));
    Script s;
    s.chunkedHead(200, extraHeaders);
    for (const QByteArray& piece : pieces) {
        if (delayMs > 0)
            s.delay(delayMs);
        s.chunk(piece);
    }
    s.lastChunk();
    return s;
}

FakeHttpServer::Script FakeHttpServer::Script::never()
{
    Script s;
    s.hang();
    return s;
}

// ---- Server -------------------------------------------------------------------------------------

struct FakeHttpServer::Connection
{
    QPointer<QTcpSocket> socket;
    int id = 0;
    QByteArray input;
    bool busy = false;
    QList<Script::Step> steps;
    qsizetype next = 0;
    // streamBody state
    bool streaming = false;
    qint64 streamTotal = 0;
    qint64 streamWritten = 0;
    bool streamChunked = false;
    QByteArray streamPrefix;
};

FakeHttpServer::FakeHttpServer(QObject* parent)
    : QObject(parent)
    , m_server(new QTcpServer(this))
{
    connect(m_server, &QTcpServer::newConnection, this, &FakeHttpServer::onNewConnection);
}

FakeHttpServer::~FakeHttpServer()
{
    closeAllConnections();
}

bool FakeHttpServer::listen()
{
    m_clock.start();
    return m_server->listen(QHostAddress::LocalHost, 0);
}

quint16 FakeHttpServer::port() const
{
    return m_server->serverPort();
}

QUrl FakeHttpServer::url(const QString& path) const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(port()).arg(path));
}

void FakeHttpServer::enqueue(Script script)
{
    m_queue.append(std::move(script));
}

void FakeHttpServer::setHandler(Handler handler)
{
    m_handler = std::move(handler);
}

void FakeHttpServer::closeAllConnections()
{
    std::vector<QTcpSocket*> sockets;
    for (const auto& entry : m_connections)
        sockets.push_back(entry.first);
    for (QTcpSocket* socket : sockets) {
        socket->disconnect(this);
        socket->abort();
        socket->deleteLater();
    }
    m_connections.clear();
}

FakeHttpServer::Connection* FakeHttpServer::connectionFor(QTcpSocket* socket) const
{
    const auto it = m_connections.find(socket);
    return it == m_connections.end() ? nullptr : it->second.get();
}

void FakeHttpServer::onNewConnection()
{
    while (QTcpSocket* socket = m_server->nextPendingConnection()) {
        auto c = std::make_unique<Connection>();
        c->socket = socket;
        c->id = m_nextConnectionId++;
        m_connections.emplace(socket, std::move(c));
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] { onDisconnected(socket); });
        connect(socket, &QTcpSocket::bytesWritten, this, [this, socket] {
            if (Connection* conn = connectionFor(socket); conn && conn->streaming)
                pumpStream(conn);
        });
    }
}

void FakeHttpServer::onDisconnected(QTcpSocket* socket)
{
    Connection* c = connectionFor(socket);
    if (!c)
        return;
    if (c->streaming) {
        c->streaming = false;
        m_streamWritten = c->streamWritten;
        m_streamCompleted = false;
        m_streamInterrupted = true;
        emit streamFinished(c->streamWritten, false);
    }
    const int id = c->id;
    m_connections.erase(socket);
    socket->deleteLater();
    emit connectionClosed(id);
}

void FakeHttpServer::onReadyRead(QTcpSocket* socket)
{
    Connection* c = connectionFor(socket);
    if (!c)
        return;
    c->input.append(socket->readAll());
    tryParseRequest(c);
}

void FakeHttpServer::tryParseRequest(Connection* c)
{
    if (c->busy)
        return;
    const qsizetype headerEnd = c->input.indexOf("\r\n\r\n");
    if (headerEnd < 0)
        return;
    const QList<QByteArray> lines = c->input.left(headerEnd).split('\n');
    Request request;
    const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
    request.method = requestLine.value(0);
    request.path = requestLine.value(1);
    qint64 contentLength = 0;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        const QByteArray name = line.left(colon).trimmed();
        const QByteArray value = line.mid(colon + 1).trimmed();
        request.headers.append({ name, value });
        if (name.compare("Content-Length", Qt::CaseInsensitive) == 0)
            contentLength = value.toLongLong();
    }
    const qsizetype bodyStart = headerEnd + 4;
    if (c->input.size() - bodyStart < contentLength)
        return; // wait for the whole body
    request.body = c->input.mid(bodyStart, contentLength);
    c->input.remove(0, bodyStart + contentLength);
    request.receivedAtMs = m_clock.elapsed();
    request.connectionId = c->id;
    m_requests.append(request);

    Script script;
    if (!m_queue.isEmpty())
        script = m_queue.takeFirst();
    else if (m_handler)
        script = m_handler(request);
    else
        script = Script::response(500, { { "Content-Type", "text/plain" } }, "no script for this request");

    c->busy = true;
    c->steps = script.m_steps;
    c->next = 0;
    QPointer<QTcpSocket> socket = c->socket;
    emit requestReceived(request);
    if (socket && connectionFor(socket) == c)
        runSteps(c);
}

void FakeHttpServer::runSteps(Connection* c)
{
    QTcpSocket* socket = c->socket;
    if (!socket)
        return;
    while (c->next < c->steps.size()) {
        const Script::Step step = c->steps.at(c->next++);
        switch (step.type) {
        case Script::Step::Type::Raw:
            socket->write(step.bytes);
            break;
        case Script::Step::Type::Delay:
            QTimer::singleShot(step.ms, socket, [this, socket] {
                if (Connection* conn = connectionFor(socket))
                    runSteps(conn);
            });
            return;
        case Script::Step::Type::Close:
            socket->disconnectFromHost(); // flushes what is queued first
            return;
        case Script::Step::Type::Reset:
#ifdef Q_OS_UNIX
            if (socket->socketDescriptor() >= 0) {
                struct linger lingerOption = { 1, 0 };
                ::setsockopt(static_cast<int>(socket->socketDescriptor()), SOL_SOCKET, SO_LINGER, &lingerOption,
                    sizeof(lingerOption));
            }
#endif
            socket->abort(); // disconnected() follows and removes the connection
            return;
        case Script::Step::Type::Hang:
            return;
        case Script::Step::Type::Stream:
            c->streaming = true;
            c->streamTotal = step.total;
            c->streamWritten = 0;
            c->streamChunked = step.chunked;
            c->streamPrefix = step.bytes;
            m_streamWritten = 0;
            m_streamCompleted = false;
            m_streamInterrupted = false;
            pumpStream(c);
            return;
        }
    }
    c->busy = false;
    if (!c->input.isEmpty())
        tryParseRequest(c);
}

void FakeHttpServer::pumpStream(Connection* c)
{
    QTcpSocket* socket = c->socket;
    if (!socket || !c->streaming)
        return;
    while (c->streamWritten < c->streamTotal && socket->bytesToWrite() < kStreamHighWater
        && socket->state() == QAbstractSocket::ConnectedState) {
        const qint64 size = qMin(kStreamPiece, c->streamTotal - c->streamWritten);
        QByteArray piece;
        if (c->streamWritten < c->streamPrefix.size())
            piece = c->streamPrefix.mid(c->streamWritten, size);
        if (piece.size() < size)
            piece.append(QByteArray(size - piece.size(), 'a'));
        socket->write(c->streamChunked ? chunkBytes(piece) : piece);
        c->streamWritten += size;
        m_streamWritten = c->streamWritten;
    }
    if (c->streamWritten >= c->streamTotal) {
        if (c->streamChunked)
            socket->write("0\r\n\r\n");
        c->streaming = false;
        m_streamCompleted = true;
        emit streamFinished(c->streamWritten, true);
        runSteps(c);
    }
}

} // namespace lanyard::test
