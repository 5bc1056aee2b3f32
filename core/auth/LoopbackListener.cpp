// SPDX-License-Identifier: MIT
#include "auth/LoopbackListener.h"

#include "util/Logging.h"

#include <QHostAddress>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

namespace lanyard::auth {

namespace {
QByteArray reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 410:
        return "Gone";
    case 431:
        return "Request Header Fields Too Large";
    default:
        return "Error";
    }
}

QString decodeComponent(QByteArray raw)
{
    raw.replace('+', ' '); // application/x-www-form-urlencoded, as authorization servers encode
    return QString::fromUtf8(QByteArray::fromPercentEncoding(raw));
}
} // namespace

LoopbackListener::LoopbackListener(QObject* parent)
    : QObject(parent)
{
}

LoopbackListener::~LoopbackListener()
{
    close();
}

bool LoopbackListener::listen(const Options& options, QString* error)
{
    close();
    m_options = options;
    if (!m_options.path.startsWith(QLatin1Char('/')))
        m_options.path.prepend(QLatin1Char('/'));
    m_handled = false;
    m_port = 0;
    m_server = new QTcpServer(this);
    // Loopback only: the redirect carries an authorization code.
    if (!m_server->listen(QHostAddress::LocalHost, options.port)) {
        if (error)
            *error = tr("Could not listen for the sign-in redirect on 127.0.0.1:%1: %2. Choose another port (identity "
                        "\"redirectPort\") or 0 for any free port.")
                         .arg(options.port)
                         .arg(m_server->errorString());
        delete m_server;
        m_server = nullptr;
        return false;
    }
    m_port = m_server->serverPort();
    connect(m_server, &QTcpServer::newConnection, this, &LoopbackListener::onNewConnection);
    m_timeout = new QTimer(this);
    m_timeout->setSingleShot(true);
    connect(m_timeout, &QTimer::timeout, this, [this] {
        qCInfo(lcAuth) << "loopback: no sign-in redirect within" << m_options.timeoutMs / 1000 << "s; giving up";
        close();
        emit timedOut();
    });
    if (options.timeoutMs > 0)
        m_timeout->start(options.timeoutMs);
    qCInfo(lcAuth).noquote() << "loopback: waiting for the sign-in redirect on" << redirectUri().toString();
    return true;
}

void LoopbackListener::close()
{
    if (m_timeout) {
        m_timeout->stop();
        m_timeout->deleteLater();
        m_timeout = nullptr;
    }
    if (m_server) {
        m_server->close();
        m_server->deleteLater();
        m_server = nullptr;
    }
    for (auto it = m_buffers.begin(); it != m_buffers.end(); ++it)
        it.key()->disconnect(this);
    m_buffers.clear();
}

bool LoopbackListener::isListening() const
{
    return m_server && m_server->isListening();
}

quint16 LoopbackListener::port() const
{
    return m_port;
}

QUrl LoopbackListener::redirectUri() const
{
    QUrl u;
    u.setScheme(QStringLiteral("http"));
    u.setHost(m_options.host.isEmpty() ? QStringLiteral("127.0.0.1") : m_options.host);
    u.setPort(port());
    u.setPath(m_options.path);
    return u;
}

void LoopbackListener::setResultPage(bool success, const QString& message)
{
    m_resultSuccess = success;
    m_resultMessage = message;
}

QString LoopbackListener::escapeHtml(const QString& text)
{
    QString out;
    out.reserve(text.size());
    for (const QChar c : text) {
        switch (c.unicode()) {
        case '&':
            out += QLatin1String("&amp;");
            break;
        case '<':
            out += QLatin1String("&lt;");
            break;
        case '>':
            out += QLatin1String("&gt;");
            break;
        case '"':
            out += QLatin1String("&quot;");
            break;
        case '\'':
            out += QLatin1String("&#39;");
            break;
        default:
            out += c;
        }
    }
    return out;
}

QByteArray LoopbackListener::page(const QString& applicationName, bool success, const QString& message)
{
    const QString title = success ? tr("Signed in") : tr("Sign-in failed");
    QString html = QStringLiteral(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>%1 – %2</title>"
        "<style>body{font-family:sans-serif;margin:3em;max-width:40em}h1{font-size:1.4em}</style></head>"
        "<body><h1>%1: %2</h1><p>%3</p><p>%4</p></body></html>")
                       .arg(escapeHtml(applicationName), escapeHtml(title), escapeHtml(message),
                           escapeHtml(tr("You can close this window and return to %1.").arg(applicationName)));
    return html.toUtf8();
}

void LoopbackListener::onNewConnection()
{
    while (m_server && m_server->hasPendingConnections()) {
        QTcpSocket* socket = m_server->nextPendingConnection();
        m_buffers.insert(socket, QByteArray());
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        connect(socket, &QObject::destroyed, this, [this, socket] { m_buffers.remove(socket); });
    }
}

void LoopbackListener::respond(QTcpSocket* socket, int status, const QByteArray& body)
{
    QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reason(status) + "\r\n";
    out += "Content-Type: text/html; charset=utf-8\r\n";
    out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    out += "Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nX-Content-Type-Options: nosniff\r\n";
    out += "Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'\r\n";
    out += "Connection: close\r\n\r\n";
    out += body;
    socket->write(out);
    socket->disconnectFromHost();
    m_buffers.remove(socket);
}

LoopbackListener::CallbackRequest LoopbackListener::parseCallbackRequest(
    const QByteArray& bytes, const QString& redirectPath)
{
    CallbackRequest request;
    if (bytes.size() > kMaxRequestBytes) {
        request.outcome = CallbackRequest::Outcome::TooLarge;
        return request;
    }
    const qsizetype headerEnd = bytes.indexOf("\r\n\r\n");
    if (headerEnd < 0)
        return request; // Incomplete
    const QByteArray requestLine = bytes.left(bytes.indexOf("\r\n"));
    const QList<QByteArray> parts = requestLine.split(' ');
    if (parts.size() != 3 || !parts[2].startsWith("HTTP/1.")) {
        request.outcome = CallbackRequest::Outcome::Malformed;
        return request;
    }
    request.method = parts[0];
    const QByteArray& target = parts[1];
    const qsizetype q = target.indexOf('?');
    const QByteArray rawPath = q < 0 ? target : target.left(q);
    const QByteArray rawQuery = q < 0 ? QByteArray() : target.mid(q + 1);
    request.path = QString::fromUtf8(QByteArray::fromPercentEncoding(rawPath));
    if (request.path != redirectPath) {
        request.outcome = CallbackRequest::Outcome::WrongPath;
        return request;
    }
    if (request.method != "GET") {
        request.outcome = CallbackRequest::Outcome::WrongMethod;
        return request;
    }
    for (const QByteArray& item : rawQuery.split('&')) {
        if (item.isEmpty())
            continue;
        const qsizetype eq = item.indexOf('=');
        const QString key = decodeComponent(eq < 0 ? item : item.left(eq));
        const QString value = decodeComponent(eq < 0 ? QByteArray() : item.mid(eq + 1));
        if (request.parameters.contains(key) && request.duplicate.isEmpty())
            request.duplicate = key;
        request.parameters.insert(key, value);
    }
    request.outcome = CallbackRequest::Outcome::Callback;
    return request;
}

void LoopbackListener::onReadyRead(QTcpSocket* socket)
{
    if (!m_buffers.contains(socket))
        return;
    QByteArray& buffer = m_buffers[socket];
    buffer += socket->readAll();
    const CallbackRequest request = parseCallbackRequest(buffer, m_options.path);
    using Outcome = CallbackRequest::Outcome;
    switch (request.outcome) {
    case Outcome::Incomplete:
        return;
    case Outcome::TooLarge:
        respond(socket, 431, page(m_options.applicationName, false, tr("The request was too large.")));
        return;
    case Outcome::Malformed:
        respond(socket, 400, page(m_options.applicationName, false, tr("The request was malformed.")));
        return;
    case Outcome::WrongPath:
    case Outcome::WrongMethod:
    case Outcome::Callback:
        break;
    }
    // Only the path is logged: the query carries the authorization code and state.
    qCInfo(lcAuth).noquote() << "loopback:" << QString::fromLatin1(request.method.left(10)) << request.path.left(200);

    if (request.outcome == Outcome::WrongPath) {
        respond(socket, 404,
            page(m_options.applicationName, false, tr("Nothing here. This address only receives the sign-in answer.")));
        return;
    }
    if (request.outcome == Outcome::WrongMethod) {
        respond(socket, 405, page(m_options.applicationName, false, tr("Only GET is accepted here.")));
        return;
    }
    if (m_handled) {
        respond(socket, 410,
            page(m_options.applicationName, false,
                tr("This sign-in has already finished. Start a new sign-in in %1 if needed.")
                    .arg(m_options.applicationName)));
        return;
    }
    m_handled = true;
    if (m_timeout)
        m_timeout->stop();
    m_resultSuccess = true;
    m_resultMessage = tr("Lanyard received the answer from the sign-in page.");
    QPointer<QTcpSocket> guard(socket);
    QPointer<LoopbackListener> self(this);
    emit callbackReceived(request.parameters, request.duplicate);
    if (!self) {
        if (guard) {
            guard->write(
                QByteArray("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nConnection: close\r\n\r\n")
                + page(QStringLiteral("Lanyard"), true, QString()));
            guard->disconnectFromHost();
        }
        return;
    }
    if (guard)
        respond(guard, m_resultSuccess ? 200 : 400, page(m_options.applicationName, m_resultSuccess, m_resultMessage));
    // One redirect per listener: stop accepting more connections.
    if (m_server)
        m_server->close();
}

} // namespace lanyard::auth
