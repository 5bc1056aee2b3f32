// SPDX-License-Identifier: MIT
#include "transport/FastNetworkAccessManager.h"

#include "transport/HttpOrigin.h"
#include "transport/HttpResponseParser.h"

#include "util/Logging.h"

#include <QBuffer>
#include <QDateTime>
#include <QMetaMethod>
#include <QNetworkCookie>
#include <QNetworkCookieJar>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>

#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>

namespace lanyard {

namespace {

constexpr qint64 kIdleCheckMs = 10000;

using http::defaultPort;

QString originKey(const QUrl& url)
{
    const QString scheme = url.scheme().toLower();
    return scheme + QLatin1String("://") + url.host().toLower() + QLatin1Char(':')
        + QString::number(url.port(defaultPort(scheme)));
}

bool isHttps(const QUrl& url)
{
    return url.scheme().compare(QLatin1String("https"), Qt::CaseInsensitive) == 0;
}

// The error QNetworkAccessManager reports for an HTTP status of 400 or more.
QNetworkReply::NetworkError errorForStatus(int status)
{
    switch (status) {
    case 400:
    case 418:
        return QNetworkReply::ProtocolInvalidOperationError;
    case 401:
        return QNetworkReply::AuthenticationRequiredError;
    case 403:
        return QNetworkReply::ContentAccessDenied;
    case 404:
        return QNetworkReply::ContentNotFoundError;
    case 405:
        return QNetworkReply::ContentOperationNotPermittedError;
    case 407:
        return QNetworkReply::ProxyAuthenticationRequiredError;
    case 409:
        return QNetworkReply::ContentConflictError;
    case 410:
        return QNetworkReply::ContentGoneError;
    case 500:
        return QNetworkReply::InternalServerError;
    case 501:
        return QNetworkReply::OperationNotImplementedError;
    case 503:
        return QNetworkReply::ServiceUnavailableError;
    default:
        return status > 500 ? QNetworkReply::UnknownServerError : QNetworkReply::UnknownContentError;
    }
}

bool isRedirectStatus(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// RFC 9110 token characters: a header name or a method.
bool isToken(const QByteArray& text)
{
    if (text.isEmpty())
        return false;
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f || std::strchr("\"(),/:;<=>?@[\\]{}", c))
            return false;
    }
    return true;
}

// A header value may not end the line early: no CR, LF or NUL (a token from a server's JSON could
// otherwise add a header or a whole second request to a kept-alive connection).
bool isSafeHeaderValue(const QByteArray& value)
{
    return !value.contains('\r') && !value.contains('\n') && !value.contains('\0');
}

} // namespace

namespace detail {

// One HTTP/1.1 exchange (and the redirects it follows) on a socket lent by the manager's pool.
// Socket signals all lead to pump(), which looks at what the socket has and where the answer
// stands; it never emits the reply's signals from inside createRequest() or from inside a call
// by the user (redirectAllowed), so a caller always connects before anything arrives.
class FastHttpReply : public QNetworkReply
{
public:
    FastHttpReply(FastNetworkAccessManager* manager, QNetworkAccessManager::Operation op,
        const QNetworkRequest& request, QByteArray verb, QByteArray body);
    ~FastHttpReply() override;

    void start();
    // From the pool: `socket` is an idle connection, or null for "open a new one".
    void attachSocket(QAbstractSocket* socket);
    void managerGone();

    void abort() override;
    void close() override;
    qint64 bytesAvailable() const override;
    bool isSequential() const override { return true; }
    // A request sent again after a kept-alive connection went stale waits for a new connection.
    bool wantsFreshConnection() const { return m_retried; }
    bool canReadLine() const override;
    void setReadBufferSize(qint64 size) override;
    using QNetworkReply::ignoreSslErrors;
    void ignoreSslErrors() override;

protected:
    qint64 readData(char* data, qint64 maxSize) override;
    qint64 writeData(const char*, qint64) override { return -1; }
    void ignoreSslErrorsImplementation(const QList<QSslError>& errors) override;
    void setSslConfigurationImplementation(const QSslConfiguration& configuration) override;
    void sslConfigurationImplementation(QSslConfiguration& configuration) const override;

private:
    // HandedOff: a redirect went to QNetworkAccessManager (m_inner), whose reply this one relays.
    enum class State { Waiting, Exchanging, RedirectPending, HandedOff, Done };
    enum class Parse { More, Complete, Error };

    void sendRequest();
    void pump();
    void queuePump();
    Parse parse(bool* newHead, bool* newBody);
    void headersDone();
    void takeBody(QByteArray& chunk, bool* newBody);
    void appendOut(QByteArray bytes);
    void responseComplete(bool newHead, bool newBody);
    void connectionEnded();
    void handleRedirect();
    void followRedirect();
    void handOff();
    void replaceHeaders(const QList<QNetworkReply::RawHeaderPair>& headers);
    void takeInnerMetaData();
    void pullInner();
    void innerFinished();
    void releaseSocket(bool reusable);
    void resetResponse();
    bool emitProgress(bool newHead, bool newBody); // false: the reply finished or died meanwhile
    void finishWith(NetworkError code, const QString& message);
    void fail(NetworkError code, const QString& message);
    void socketFailed();
    void touchTimer();
    bool requestIsWellFormed(QString* problem) const;
    bool isPaused() const;
    qint64 available() const { return m_out.size() - m_outPos; }

    QPointer<FastNetworkAccessManager> m_manager;
    QNetworkRequest m_request;
    QByteArray m_verb;
    QByteArray m_body;
    QUrl m_url;
    QString m_key;
    QNetworkRequest::RedirectPolicy m_policy = QNetworkRequest::NoLessSafeRedirectPolicy;
    int m_redirectsLeft = 50;
    std::optional<QSslConfiguration> m_sslConfiguration; // https only: see the constructor
    bool m_ignoreAllSslErrors = false;
    QList<QSslError> m_ignoredSslErrors;

    State m_state = State::Waiting;
    QAbstractSocket* m_socket = nullptr;
    bool m_reused = false;
    bool m_retried = false;
    bool m_gotBytes = false;
    bool m_stream = false; // an event stream: its connection is not counted against the host's limit
    int m_quiet = 0; // > 0: socket signals are handled on the next event loop pass
    bool m_pumpQueued = false;
    QTimer* m_timer = nullptr;
    QPointer<QNetworkReply> m_inner;

    // The answer being read.
    HttpResponseParser m_parser;
    bool m_following = false; // a redirect that is followed: its body is dropped
    QUrl m_redirectTarget;
    QList<QByteArray> m_setHeaderNames;

    // The body as the user reads it.
    QByteArray m_out;
    qsizetype m_outPos = 0;
};

FastHttpReply::FastHttpReply(FastNetworkAccessManager* manager, QNetworkAccessManager::Operation op,
    const QNetworkRequest& request, QByteArray verb, QByteArray body)
    : QNetworkReply(manager)
    , m_manager(manager)
    , m_request(request)
    , m_verb(std::move(verb))
    , m_body(std::move(body))
    , m_url(request.url())
    , m_key(manager->poolKey(request, request.url()))
{
    setOperation(op);
    setRequest(request);
    m_parser.reset(m_verb == "HEAD");
    setUrl(m_url);
    open(QIODevice::ReadOnly);

    const QVariant policy = request.attribute(QNetworkRequest::RedirectPolicyAttribute);
    m_policy
        = policy.isValid() ? static_cast<QNetworkRequest::RedirectPolicy>(policy.toInt()) : manager->redirectPolicy();
    m_redirectsLeft = request.maximumRedirectsAllowed();
    // Only for https: the first QSslConfiguration (even a default-constructed one) loads the TLS
    // backend (libssl, the CA store), about 4 MiB that a plain http:// client does not need.
    if (isHttps(m_url))
        m_sslConfiguration = request.sslConfiguration();

    int timeoutMs = request.transferTimeout();
    if (timeoutMs == 0)
        timeoutMs = manager->transferTimeout();
    if (timeoutMs > 0) {
        m_timer = new QTimer(this);
        m_timer->setSingleShot(true);
        m_timer->setInterval(timeoutMs);
        connect(m_timer, &QTimer::timeout, this, [this] {
            // As Qt 6.4's manager: the transfer timeout aborts the reply.
            if (m_state != State::Done)
                fail(OperationCanceledError, QNetworkReply::tr("Operation canceled"));
        });
    }
    connect(this, &QNetworkReply::redirectAllowed, this, [this] {
        if (m_state == State::RedirectPending)
            followRedirect();
        else if (m_state == State::HandedOff && m_inner)
            emit m_inner->redirectAllowed();
    });
    if (request.attribute(QNetworkRequest::AutoDeleteReplyOnFinishAttribute, manager->autoDeleteReplies()).toBool())
        connect(this, &QNetworkReply::finished, this, &QObject::deleteLater);
    // QNetworkAccessManager::get() and the others emit the manager's finished() for this reply
    // themselves (postProcess), as for their own replies.
}

FastHttpReply::~FastHttpReply()
{
    if (m_inner) {
        QObject::disconnect(m_inner, nullptr, this, nullptr);
        m_inner->abort();
        m_inner->deleteLater(); // it may be emitting the signal whose slot deletes this reply
    }
    if (m_socket) {
        QAbstractSocket* socket = std::exchange(m_socket, nullptr);
        QObject::disconnect(socket, nullptr, this, nullptr);
        socket->abort();
        if (m_manager)
            m_manager->releaseSocket(m_key, socket, false, !m_stream);
        else
            socket->deleteLater();
    }
    if (m_manager)
        m_manager->forgetReply(this);
}

void FastHttpReply::managerGone()
{
    m_manager = nullptr;
    if (QAbstractSocket* socket = std::exchange(m_socket, nullptr)) {
        QObject::disconnect(socket, nullptr, this, nullptr);
        socket->abort();
        socket->setParent(nullptr);
        socket->deleteLater(); // the manager may be destroyed from a slot of this socket's signal
    }
}

void FastHttpReply::start()
{
    if (!m_manager) {
        finishWith(OperationCanceledError, QNetworkReply::tr("Operation canceled"));
        return;
    }
    QString problem;
    if (!requestIsWellFormed(&problem)) {
        m_state = State::Waiting;
        QMetaObject::invokeMethod(
            this, [this, problem] { finishWith(ProtocolInvalidOperationError, problem); }, Qt::QueuedConnection);
        return;
    }
    m_state = State::Waiting;
    ++m_quiet;
    m_manager->requestSocket(this, m_key, m_retried);
    --m_quiet;
    if (m_timer)
        m_timer->start();
}

void FastHttpReply::attachSocket(QAbstractSocket* socket)
{
    if (m_state != State::Waiting)
        return;
    m_state = State::Exchanging;
    m_reused = socket != nullptr;
    if (!socket) {
        const QString host = m_url.host();
        const quint16 port = static_cast<quint16>(m_url.port(defaultPort(m_url.scheme().toLower())));
        if (isHttps(m_url)) {
            auto* ssl = new QSslSocket(m_manager);
            ssl->setSslConfiguration(m_request.sslConfiguration()); // as asked, not as the last hop negotiated
            socket = ssl;
        } else {
            socket = new QTcpSocket(m_manager);
        }
        m_socket = socket;
        connect(socket, &QAbstractSocket::connected, this, [this] {
            if (m_socket) {
                m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
                m_socket->setSocketOption(QAbstractSocket::KeepAliveOption, 1);
            }
        });
        if (auto* ssl = qobject_cast<QSslSocket*>(socket)) {
            connect(ssl, &QSslSocket::sslErrors, this, [this, ssl](const QList<QSslError>& errors) {
                emit sslErrors(errors);
                if (m_ignoreAllSslErrors) {
                    ssl->ignoreSslErrors();
                    return;
                }
                if (!m_ignoredSslErrors.isEmpty())
                    ssl->ignoreSslErrors(m_ignoredSslErrors);
            });
            connect(ssl, &QSslSocket::encrypted, this, [this] {
                if (m_socket)
                    m_sslConfiguration = static_cast<QSslSocket*>(m_socket)->sslConfiguration();
                emit encrypted();
            });
            ++m_quiet;
            ssl->connectToHostEncrypted(host, port);
            --m_quiet;
        } else {
            ++m_quiet;
            socket->connectToHost(host, port);
            --m_quiet;
        }
    } else {
        m_socket = socket;
    }
    m_socket->setReadBufferSize(readBufferSize());
    connect(m_socket, &QIODevice::readyRead, this, &FastHttpReply::pump);
    connect(m_socket, &QAbstractSocket::disconnected, this, &FastHttpReply::pump);
    connect(m_socket, &QAbstractSocket::errorOccurred, this, &FastHttpReply::pump);
    connect(m_socket, &QIODevice::bytesWritten, this, [this] { touchTimer(); });
    sendRequest();
    if (m_socket && m_socket->state() == QAbstractSocket::UnconnectedState)
        queuePump(); // failed at once (a refused connection may be reported synchronously)
}

void FastHttpReply::sendRequest()
{
    QByteArray head;
    head.reserve(512 + m_body.size());
    QByteArray target = m_url.toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority | QUrl::RemoveFragment);
    if (target.isEmpty() || target.at(0) != '/')
        target.prepend('/');
    head += m_verb + ' ' + target + " HTTP/1.1\r\n";

    const QList<QByteArray> names = m_request.rawHeaderList();
    auto has = [&names](const char* name) {
        return std::any_of(names.cbegin(), names.cend(),
            [name](const QByteArray& n) { return n.compare(name, Qt::CaseInsensitive) == 0; });
    };
    if (!has("Host")) {
        QByteArray host = m_url.host(QUrl::FullyEncoded).toLatin1();
        if (host.contains(':'))
            host = '[' + host + ']';
        const int port = m_url.port(-1);
        if (port != -1 && port != defaultPort(m_url.scheme().toLower()))
            host += ':' + QByteArray::number(port);
        head += "Host: " + host + "\r\n";
    }
    for (const QByteArray& name : names)
        head += name + ": " + m_request.rawHeader(name) + "\r\n";
    const bool sendsBody = !m_body.isEmpty() || m_verb == "POST" || m_verb == "PUT";
    if (sendsBody && !has("Content-Length"))
        head += "Content-Length: " + QByteArray::number(m_body.size()) + "\r\n";
    if (!m_body.isEmpty() && !has("Content-Type"))
        head += "Content-Type: application/x-www-form-urlencoded\r\n"; // as QNetworkAccessManager does
    if (!has("Connection"))
        head += "Connection: Keep-Alive\r\n";
    if (!has("User-Agent"))
        head += "User-Agent: Mozilla/5.0\r\n";
    if (!has("Cookie")
        && m_request.attribute(QNetworkRequest::CookieLoadControlAttribute, QNetworkRequest::Automatic).toInt()
            == QNetworkRequest::Automatic
        && m_manager) {
        const QList<QNetworkCookie> cookies = m_manager->cookieJar()->cookiesForUrl(m_url);
        if (!cookies.isEmpty()) {
            head += "Cookie: ";
            for (qsizetype i = 0; i < cookies.size(); ++i) {
                if (i > 0)
                    head += "; ";
                head += cookies.at(i).toRawForm(QNetworkCookie::NameAndValueOnly);
            }
            head += "\r\n";
        }
    }
    head += "\r\n";
    head += m_body;

    m_gotBytes = false;
    ++m_quiet;
    m_socket->write(head);
    if (m_socket->state() == QAbstractSocket::ConnectedState && !qobject_cast<QSslSocket*>(m_socket))
        m_socket->flush(); // now, not on the next pass of the event loop
    --m_quiet;
}

bool FastHttpReply::requestIsWellFormed(QString* problem) const
{
    if (!isToken(m_verb)) {
        *problem = QStringLiteral("The request method is not a valid HTTP token");
        return false;
    }
    for (const QByteArray& name : m_request.rawHeaderList()) {
        if (!isToken(name)) {
            *problem = QStringLiteral("A request header name is not a valid HTTP token");
            return false;
        }
        if (!isSafeHeaderValue(m_request.rawHeader(name))) {
            // The value is not named or shown: it may be a credential.
            *problem = QStringLiteral("The value of the request header %1 contains a line break or NUL")
                           .arg(QString::fromLatin1(name));
            return false;
        }
    }
    return true;
}

bool FastHttpReply::isPaused() const
{
    const qint64 limit = readBufferSize();
    return limit > 0 && available() >= limit;
}

void FastHttpReply::touchTimer()
{
    if (m_timer && m_state != State::Done)
        m_timer->start();
}

void FastHttpReply::queuePump()
{
    if (m_pumpQueued)
        return;
    m_pumpQueued = true;
    QMetaObject::invokeMethod(
        this,
        [this] {
            m_pumpQueued = false;
            pump();
        },
        Qt::QueuedConnection);
}

void FastHttpReply::pump()
{
    if (m_state != State::Exchanging || !m_socket)
        return;
    if (m_quiet > 0) {
        queuePump();
        return;
    }
    if (!isPaused() && m_socket->bytesAvailable() > 0) {
        m_parser.append(m_socket->readAll());
        m_gotBytes = true;
        touchTimer();
    }
    bool newHead = false;
    bool newBody = false;
    switch (parse(&newHead, &newBody)) {
    case Parse::Error:
        return;
    case Parse::Complete:
        responseComplete(newHead, newBody);
        return;
    case Parse::More:
        break;
    }
    const QAbstractSocket::SocketState state = m_socket->state();
    const bool ended = state == QAbstractSocket::UnconnectedState || state == QAbstractSocket::ClosingState;
    if (!emitProgress(newHead, newBody))
        return;
    if (ended && m_socket && m_socket->bytesAvailable() == 0)
        connectionEnded();
}

FastHttpReply::Parse FastHttpReply::parse(bool* newHead, bool* newBody)
{
    QByteArray chunk;
    while (true) {
        switch (m_parser.parse(&chunk)) {
        case HttpResponseParser::Result::Head:
            headersDone();
            *newHead = !m_following;
            continue;
        case HttpResponseParser::Result::More:
            takeBody(chunk, newBody);
            return Parse::More;
        case HttpResponseParser::Result::Complete:
            takeBody(chunk, newBody);
            return Parse::Complete;
        case HttpResponseParser::Result::Error:
            fail(ProtocolFailure, m_parser.error());
            return Parse::Error;
        }
    }
}

void FastHttpReply::headersDone()
{
    const int status = m_parser.status();
    const QByteArray location = m_parser.header("Location");
    const QByteArray setCookie = m_parser.header("Set-Cookie");
    const QByteArray contentType = m_parser.header("Content-Type");
    setAttribute(QNetworkRequest::HttpReasonPhraseAttribute, QString::fromLatin1(m_parser.reasonPhrase()));

    m_following = false;
    m_redirectTarget = QUrl();
    setAttribute(QNetworkRequest::RedirectionTargetAttribute, QVariant()); // not the previous hop's
    if (isRedirectStatus(status) && !location.isEmpty()) {
        const QUrl raw = QUrl::fromEncoded(location);
        setAttribute(QNetworkRequest::RedirectionTargetAttribute, raw);
        m_redirectTarget = m_url.resolved(raw);
        m_following = m_policy != QNetworkRequest::ManualRedirectPolicy;
    }

    replaceHeaders(m_parser.headers());
    setAttribute(QNetworkRequest::HttpStatusCodeAttribute, status);
    // An event stream may stay open for as long as the session: it does not take one of the host's
    // connections, or a few servers behind one origin, each listening, would leave none for requests.
    const bool stream = !m_following && m_parser.framing() != HttpResponseParser::Framing::None
        && contentType.trimmed().toLower().startsWith("text/event-stream");
    if (stream && !m_stream && m_manager) {
        m_stream = true;
        m_manager->stopCounting(m_key);
    }
    setAttribute(QNetworkRequest::ConnectionEncryptedAttribute, qobject_cast<QSslSocket*>(m_socket) != nullptr);
    setAttribute(QNetworkRequest::Http2WasUsedAttribute, false);
    setAttribute(QNetworkRequest::HttpPipeliningWasUsedAttribute, false);
    setAttribute(QNetworkRequest::SourceIsFromCacheAttribute, false);

    if (!setCookie.isEmpty() && m_manager
        && m_request.attribute(QNetworkRequest::CookieSaveControlAttribute, QNetworkRequest::Automatic).toInt()
            == QNetworkRequest::Automatic) {
        QList<QNetworkCookie> cookies;
        for (const QByteArray& one : setCookie.split('\n'))
            cookies += QNetworkCookie::parseCookies(one);
        if (!cookies.isEmpty())
            m_manager->cookieJar()->setCookiesFromUrl(cookies, m_url);
    }
}

void FastHttpReply::takeBody(QByteArray& chunk, bool* newBody)
{
    if (chunk.isEmpty() || m_following) // the body of a redirect that is followed is dropped
        return;
    *newBody = true;
    appendOut(std::move(chunk));
    chunk = QByteArray();
}

void FastHttpReply::appendOut(QByteArray bytes)
{
    if (m_outPos >= m_out.size()) {
        m_out = std::move(bytes); // nothing unread: no copy
        m_outPos = 0;
        return;
    }
    if (m_outPos > 0 && m_outPos >= m_out.size() / 2) { // what was read goes
        m_out.remove(0, m_outPos);
        m_outPos = 0;
    }
    m_out.append(bytes);
}

bool FastHttpReply::emitProgress(bool newHead, bool newBody)
{
    QPointer<FastHttpReply> self(this);
    if (newHead) {
        emit metaDataChanged();
        if (!self || m_state == State::Done)
            return false;
    }
    if (newBody && available() > 0) {
        emit readyRead();
        if (!self || m_state == State::Done)
            return false;
    }
    return true;
}

void FastHttpReply::responseComplete(bool newHead, bool newBody)
{
    // Not reused while part of our request is unsent (a server may answer before it read a body).
    const bool reusable = m_parser.keepAlive() && m_parser.unconsumed() == 0 && m_socket
        && m_socket->state() == QAbstractSocket::ConnectedState && m_socket->bytesAvailable() == 0
        && m_socket->bytesToWrite() == 0;
    releaseSocket(reusable);
    if (m_following) {
        handleRedirect();
        return;
    }
    m_state = State::Done;
    if (m_timer)
        m_timer->stop();
    QPointer<FastHttpReply> self(this);
    if (newHead) {
        emit metaDataChanged();
        if (!self || isFinished())
            return;
    }
    if (newBody && available() > 0) {
        emit readyRead();
        if (!self || isFinished())
            return;
    }
    if (m_parser.status() >= 400) {
        finishWith(errorForStatus(m_parser.status()),
            QNetworkReply::tr("Error transferring %1 - server replied: %2")
                .arg(m_url.toString(), attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString()));
        return;
    }
    finishWith(NoError, QString());
}

void FastHttpReply::connectionEnded()
{
    if (m_parser.endOfInput()) {
        releaseSocket(false);
        if (m_following) {
            handleRedirect();
            return;
        }
        responseComplete(false, false);
        return;
    }
    if (m_reused && !m_gotBytes && !m_retried) {
        // The server closed the kept-alive connection before it read our request (or while):
        // send it once more on a new connection.
        qCDebug(lcTransport) << "kept-alive connection was closed by the server; sending the request again";
        releaseSocket(false);
        m_retried = true;
        resetResponse();
        start();
        return;
    }
    socketFailed();
}

void FastHttpReply::socketFailed()
{
    const QAbstractSocket::SocketError error = m_socket ? m_socket->error() : QAbstractSocket::RemoteHostClosedError;
    const QString detail = m_socket ? m_socket->errorString() : QString();
    switch (error) {
    case QAbstractSocket::ConnectionRefusedError:
        fail(ConnectionRefusedError, QNetworkReply::tr("Connection refused"));
        return;
    case QAbstractSocket::HostNotFoundError:
        fail(HostNotFoundError, QNetworkReply::tr("Host %1 not found").arg(m_url.host()));
        return;
    case QAbstractSocket::SocketTimeoutError:
        fail(TimeoutError, QNetworkReply::tr("Connection timed out"));
        return;
    case QAbstractSocket::SslHandshakeFailedError:
    case QAbstractSocket::SslInvalidUserDataError:
    case QAbstractSocket::SslInternalError:
        fail(SslHandshakeFailedError, detail.isEmpty() ? QNetworkReply::tr("SSL handshake failed") : detail);
        return;
    case QAbstractSocket::RemoteHostClosedError:
    case QAbstractSocket::UnknownSocketError:
        fail(RemoteHostClosedError, QNetworkReply::tr("Connection closed"));
        return;
    case QAbstractSocket::NetworkError:
        fail(m_gotBytes ? RemoteHostClosedError : NetworkSessionFailedError, detail);
        return;
    default:
        fail(UnknownNetworkError, detail);
        return;
    }
}

void FastHttpReply::handleRedirect()
{
    const QUrl target = m_redirectTarget;
    auto insecure = [this] { finishWith(InsecureRedirectError, QNetworkReply::tr("Insecure redirect")); };
    if (m_redirectsLeft <= 0) {
        finishWith(TooManyRedirectsError, QNetworkReply::tr("Too many redirects"));
        return;
    }
    const QString scheme = target.scheme().toLower();
    if (scheme != QLatin1String("http") && scheme != QLatin1String("https")) {
        finishWith(ProtocolUnknownError, QNetworkReply::tr("Unsupported redirect"));
        return;
    }
    const bool downgrade
        = m_url.scheme().compare(QLatin1String("https"), Qt::CaseInsensitive) == 0 && scheme == QLatin1String("http");
    if (m_policy == QNetworkRequest::NoLessSafeRedirectPolicy && downgrade) {
        insecure();
        return;
    }
    if (m_policy == QNetworkRequest::SameOriginRedirectPolicy && !http::isSameOrigin(target, m_url)) {
        insecure();
        return;
    }
    m_state = State::RedirectPending;
    QPointer<FastHttpReply> self(this);
    emit redirected(target);
    if (!self || m_state != State::RedirectPending)
        return;
    if (m_policy != QNetworkRequest::UserVerifiedRedirectPolicy)
        followRedirect();
}

void FastHttpReply::followRedirect()
{
    const QUrl target = m_redirectTarget;
    --m_redirectsLeft;
    const int status = m_parser.status();
    if (status == 303 || ((status == 301 || status == 302) && m_verb == "POST")) {
        if (m_verb != "HEAD") {
            m_verb = "GET";
            setOperation(QNetworkAccessManager::GetOperation);
        }
        m_body.clear();
        m_request.setRawHeader("Content-Type", QByteArray());
        m_request.setRawHeader("Content-Length", QByteArray());
    }
    if (!http::isSameOrigin(target, m_url)) {
        // Credentials stay with their origin.
        for (const char* name : { "Authorization", "Cookie", "Proxy-Authorization" })
            m_request.setRawHeader(name, QByteArray());
    }
    m_url = target;
    m_request.setUrl(target);
    setUrl(target);
    m_retried = false;
    resetResponse();
    if (m_manager && !m_manager->servesDirectly(target)) {
        handOff();
        return;
    }
    if (m_manager)
        m_key = m_manager->poolKey(m_request, target);
    ++m_quiet;
    start();
    --m_quiet;
}

void FastHttpReply::handOff()
{
    // QNetworkAccessManager follows the rest of the way (a proxy, say). It gets the redirects
    // that are left and the same policy; its signals are relayed.
    QNetworkRequest request = m_request;
    request.setMaximumRedirectsAllowed(std::max(m_redirectsLeft, 0));
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, m_policy);
    QBuffer* data = nullptr;
    if (!m_body.isEmpty()) {
        data = new QBuffer(this);
        data->setData(m_body);
        data->open(QIODevice::ReadOnly);
    }
    qCDebug(lcTransport) << "redirect target is not served directly; handing the request to Qt";
    m_state = State::HandedOff;
    if (m_timer)
        m_timer->stop(); // the request's transfer timeout goes with it
    m_inner = m_manager->createQtRequest(operation(), request, data);
    QNetworkReply* inner = m_inner;
    if (data)
        data->setParent(inner); // Qt reads the body from it for as long as its reply lives
    inner->setReadBufferSize(readBufferSize());
    connect(inner, &QNetworkReply::metaDataChanged, this, [this] {
        takeInnerMetaData();
        emit metaDataChanged();
    });
    connect(inner, &QIODevice::readyRead, this, &FastHttpReply::pullInner);
    connect(inner, &QNetworkReply::redirected, this, [this](const QUrl& url) {
        takeInnerMetaData();
        setUrl(url);
        emit redirected(url);
    });
    connect(inner, &QNetworkReply::sslErrors, this, &QNetworkReply::sslErrors);
    connect(inner, &QNetworkReply::encrypted, this, &QNetworkReply::encrypted);
    connect(inner, &QNetworkReply::downloadProgress, this, &QNetworkReply::downloadProgress);
    connect(inner, &QNetworkReply::finished, this, &FastHttpReply::innerFinished);
}

void FastHttpReply::pullInner()
{
    if (!m_inner || isPaused() || m_inner->bytesAvailable() <= 0)
        return;
    appendOut(m_inner->readAll());
    emit readyRead();
}

void FastHttpReply::replaceHeaders(const QList<QNetworkReply::RawHeaderPair>& headers)
{
    // The headers of the previous answer (a redirect) go.
    for (const QByteArray& name : std::as_const(m_setHeaderNames))
        setRawHeader(name, QByteArray());
    m_setHeaderNames.clear();
    for (const auto& header : headers) {
        setRawHeader(header.first, header.second);
        m_setHeaderNames.append(header.first);
    }
}

void FastHttpReply::takeInnerMetaData()
{
    replaceHeaders(m_inner->rawHeaderPairs());
    for (const QNetworkRequest::Attribute attribute : { QNetworkRequest::HttpStatusCodeAttribute,
             QNetworkRequest::HttpReasonPhraseAttribute, QNetworkRequest::RedirectionTargetAttribute,
             QNetworkRequest::ConnectionEncryptedAttribute, QNetworkRequest::Http2WasUsedAttribute })
        setAttribute(attribute, m_inner->attribute(attribute));
}

void FastHttpReply::innerFinished()
{
    QNetworkReply* inner = m_inner;
    if (!inner || m_state != State::HandedOff)
        return;
    takeInnerMetaData();
    setUrl(inner->url());
    appendOut(inner->readAll());
    const NetworkError code = inner->error();
    const QString message = inner->errorString();
    QObject::disconnect(inner, nullptr, this, nullptr);
    m_inner = nullptr;
    inner->deleteLater();
    QPointer<FastHttpReply> self(this);
    if (available() > 0) {
        emit readyRead();
        if (!self || isFinished())
            return;
    }
    finishWith(code, code == NoError ? QString() : message);
}

void FastHttpReply::resetResponse()
{
    m_parser.reset(m_verb == "HEAD");
    m_following = false;
    m_gotBytes = false;
}

void FastHttpReply::releaseSocket(bool reusable)
{
    QAbstractSocket* socket = std::exchange(m_socket, nullptr);
    if (!socket)
        return;
    QObject::disconnect(socket, nullptr, this, nullptr);
    if (m_ignoreAllSslErrors || !m_ignoredSslErrors.isEmpty())
        reusable = false; // a connection this reply accepted despite SSL errors is not lent to others
    if (!reusable)
        socket->abort();
    if (m_manager)
        m_manager->releaseSocket(m_key, socket, reusable, !std::exchange(m_stream, false));
    else
        socket->deleteLater();
}

void FastHttpReply::fail(NetworkError code, const QString& message)
{
    releaseSocket(false);
    finishWith(code, message);
}

void FastHttpReply::finishWith(NetworkError code, const QString& message)
{
    if (isFinished())
        return;
    if (m_state == State::Waiting && m_manager)
        m_manager->leaveQueue(this);
    releaseSocket(false);
    if (QNetworkReply* inner = m_inner) {
        m_inner = nullptr;
        QObject::disconnect(inner, nullptr, this, nullptr);
        inner->abort();
        inner->deleteLater();
    }
    m_state = State::Done;
    if (m_timer)
        m_timer->stop();
    setFinished(true);
    QPointer<FastHttpReply> self(this);
    if (code != NoError) {
        setError(code, message);
        emit errorOccurred(code);
        if (!self)
            return;
    }
    emit finished();
}

void FastHttpReply::abort()
{
    if (isFinished())
        return;
    finishWith(OperationCanceledError, QNetworkReply::tr("Operation canceled"));
}

void FastHttpReply::close()
{
    abort();
    QNetworkReply::close();
}

bool FastHttpReply::canReadLine() const
{
    return QNetworkReply::canReadLine() || m_out.indexOf('\n', m_outPos) >= 0;
}

qint64 FastHttpReply::bytesAvailable() const
{
    return QNetworkReply::bytesAvailable() + available();
}

qint64 FastHttpReply::readData(char* data, qint64 maxSize)
{
    const qint64 count = std::min<qint64>(maxSize, available());
    if (count <= 0)
        return m_state == State::Done ? -1 : 0;
    const bool wasPaused = isPaused();
    std::memcpy(data, m_out.constData() + m_outPos, static_cast<size_t>(count));
    m_outPos += count;
    if (m_outPos >= m_out.size()) {
        m_out = QByteArray();
        m_outPos = 0;
    }
    if (wasPaused && !isPaused() && m_state == State::Exchanging)
        queuePump(); // the socket may hold more that we left there
    if (wasPaused && !isPaused() && m_state == State::HandedOff && m_inner && m_inner->bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &FastHttpReply::pullInner, Qt::QueuedConnection);
    return count;
}

void FastHttpReply::setReadBufferSize(qint64 size)
{
    QNetworkReply::setReadBufferSize(size);
    if (m_socket)
        m_socket->setReadBufferSize(size);
    if (m_inner)
        m_inner->setReadBufferSize(size);
}

void FastHttpReply::ignoreSslErrors()
{
    m_ignoreAllSslErrors = true;
    if (auto* ssl = qobject_cast<QSslSocket*>(m_socket))
        ssl->ignoreSslErrors();
    if (m_inner)
        m_inner->ignoreSslErrors();
}

void FastHttpReply::ignoreSslErrorsImplementation(const QList<QSslError>& errors)
{
    m_ignoredSslErrors = errors;
    if (auto* ssl = qobject_cast<QSslSocket*>(m_socket))
        ssl->ignoreSslErrors(errors);
    if (m_inner)
        m_inner->ignoreSslErrors(errors);
}

void FastHttpReply::setSslConfigurationImplementation(const QSslConfiguration& configuration)
{
    m_sslConfiguration = configuration;
    m_request.setSslConfiguration(configuration); // for connections opened from now on
}

void FastHttpReply::sslConfigurationImplementation(QSslConfiguration& configuration) const
{
    if (m_sslConfiguration)
        configuration = *m_sslConfiguration;
}

} // namespace detail

// ---- Manager ------------------------------------------------------------------------------------

FastNetworkAccessManager::FastNetworkAccessManager(QObject* parent)
    : QNetworkAccessManager(parent)
{
    if (qEnvironmentVariable("LANYARD_HTTP") == QLatin1String("qt"))
        m_enabled = false;
}

FastNetworkAccessManager::~FastNetworkAccessManager()
{
    const QSet<detail::FastHttpReply*> replies = std::exchange(m_replies, {});
    for (detail::FastHttpReply* reply : replies)
        reply->managerGone();
    for (Host& host : m_hosts) {
        for (const Idle& idle : std::as_const(host.idle)) {
            QObject::disconnect(idle.socket, nullptr, this, nullptr);
            idle.socket->abort();
            idle.socket->setParent(nullptr);
            idle.socket->deleteLater();
        }
    }
    m_hosts.clear();
}

int FastNetworkAccessManager::openConnectionCount() const
{
    int count = 0;
    for (const Host& host : m_hosts)
        count += host.open;
    return count;
}

int FastNetworkAccessManager::idleConnectionCount() const
{
    int count = 0;
    for (const Host& host : m_hosts)
        count += static_cast<int>(host.idle.size());
    return count;
}

bool FastNetworkAccessManager::goesDirect(const QUrl& url)
{
    // The same question QNetworkAccessManager asks for an HTTP request.
    const QNetworkProxyQuery query(url);
    QList<QNetworkProxy> proxies;
    if (QNetworkProxyFactory* factory = proxyFactory())
        proxies = factory->queryProxy(query);
    else if (proxy().type() == QNetworkProxy::DefaultProxy)
        proxies = QNetworkProxyFactory::proxyForQuery(query);
    else
        proxies << proxy();
    return proxies.isEmpty() || proxies.first().type() == QNetworkProxy::NoProxy;
}

bool FastNetworkAccessManager::servesDirectly(const QUrl& url)
{
    static const QMetaMethod authentication = QMetaMethod::fromSignal(&QNetworkAccessManager::authenticationRequired);
    const QString scheme = url.scheme().toLower();
    const bool http = scheme == QLatin1String("http");
    const bool https = scheme == QLatin1String("https");
    return m_enabled && (http || (https && QSslSocket::supportsSsl())) && !url.host().isEmpty()
        && url.userInfo().isEmpty() && !isSignalConnected(authentication) && goesDirect(url);
}

QString FastNetworkAccessManager::poolKey(const QNetworkRequest& request, const QUrl& url)
{
    QString key = originKey(url);
    if (isHttps(url)) {
        // Connections made with one TLS configuration (trusted CAs, client certificate, protocol)
        // are not lent to a request with another.
        const QSslConfiguration config = request.sslConfiguration();
        qsizetype profile = m_tlsProfiles.indexOf(config);
        if (profile < 0) {
            profile = m_tlsProfiles.size();
            m_tlsProfiles.append(config);
        }
        key += QLatin1Char('#') + QString::number(profile);
    }
    return key;
}

QNetworkReply* FastNetworkAccessManager::createRequest(
    Operation op, const QNetworkRequest& request, QIODevice* outgoingData)
{
    const QUrl url = request.url();
    QByteArray verb;
    switch (op) {
    case GetOperation:
        verb = "GET";
        break;
    case HeadOperation:
        verb = "HEAD";
        break;
    case PostOperation:
        verb = "POST";
        break;
    case PutOperation:
        verb = "PUT";
        break;
    case DeleteOperation:
        verb = "DELETE";
        break;
    case CustomOperation:
        verb = request.attribute(QNetworkRequest::CustomVerbAttribute).toByteArray();
        break;
    default:
        break;
    }
    const bool usable = m_enabled && !verb.isEmpty() && (!outgoingData || !outgoingData->isSequential()) && !cache()
        && !request.attribute(QNetworkRequest::Http2DirectAttribute).toBool() && servesDirectly(url);
    if (!usable)
        return QNetworkAccessManager::createRequest(op, request, outgoingData);

    QByteArray body;
    if (outgoingData)
        body = outgoingData->readAll();
    ++m_fastRequests;
    auto* reply = new detail::FastHttpReply(this, op, request, verb, std::move(body));
    m_replies.insert(reply);
    reply->start();
    return reply;
}

void FastNetworkAccessManager::requestSocket(detail::FastHttpReply* reply, const QString& key, bool fresh)
{
    Host& host = m_hosts[key];
    if (!fresh) {
        while (!host.idle.isEmpty()) {
            QAbstractSocket* socket = host.idle.takeLast().socket; // the most recently used
            QObject::disconnect(socket, nullptr, this, nullptr);
            if (socket->state() == QAbstractSocket::ConnectedState && socket->bytesAvailable() == 0) {
                reply->attachSocket(socket);
                return;
            }
            --host.open;
            socket->abort();
            socket->deleteLater();
        }
    } else if (host.open >= m_maxPerHost && !host.idle.isEmpty()) {
        QAbstractSocket* socket = host.idle.takeFirst().socket; // make room for the new connection
        QObject::disconnect(socket, nullptr, this, nullptr);
        --host.open;
        socket->abort();
        socket->deleteLater();
    }
    if (host.open < m_maxPerHost) {
        ++host.open;
        reply->attachSocket(nullptr);
        return;
    }
    host.waiting.append(reply);
}

void FastNetworkAccessManager::stopCounting(const QString& key)
{
    Host& host = m_hosts[key];
    --host.open;
    if (!host.waiting.isEmpty())
        QMetaObject::invokeMethod(
            this, [this, key] { serveWaiting(key); }, Qt::QueuedConnection);
}

void FastNetworkAccessManager::releaseSocket(const QString& key, QAbstractSocket* socket, bool reusable, bool counted)
{
    Host& host = m_hosts[key];
    if (!counted)
        ++host.open; // a stream's connection: counted again from here on
    if (!reusable) {
        --host.open;
        socket->deleteLater();
    } else {
        socket->setReadBufferSize(0);
        host.idle.append({ socket, QDateTime::currentMSecsSinceEpoch() });
        // A kept-alive connection that the server closes, or that says anything while idle, goes.
        connect(socket, &QAbstractSocket::disconnected, this, [this, socket] { dropIdle(socket); });
        connect(socket, &QIODevice::readyRead, this, [this, socket] { dropIdle(socket); });
        connect(socket, &QAbstractSocket::errorOccurred, this, [this, socket] { dropIdle(socket); });
        if (!m_expiryScheduled) {
            m_expiryScheduled = true;
            QTimer::singleShot(kIdleCheckMs, this, &FastNetworkAccessManager::expireIdle);
        }
    }
    if (!host.waiting.isEmpty()) {
        // Later, not inside the call of the reply that let go of the socket.
        QMetaObject::invokeMethod(
            this, [this, key] { serveWaiting(key); }, Qt::QueuedConnection);
    }
}

void FastNetworkAccessManager::serveWaiting(const QString& key)
{
    auto it = m_hosts.find(key);
    if (it == m_hosts.end())
        return;
    while (!it->waiting.isEmpty() && (!it->idle.isEmpty() || it->open < m_maxPerHost)) {
        detail::FastHttpReply* reply = it->waiting.takeFirst();
        requestSocket(reply, key, reply->wantsFreshConnection());
        it = m_hosts.find(key);
    }
}

void FastNetworkAccessManager::dropIdle(QAbstractSocket* socket)
{
    for (Host& host : m_hosts) {
        for (qsizetype i = 0; i < host.idle.size(); ++i) {
            if (host.idle.at(i).socket != socket)
                continue;
            host.idle.removeAt(i);
            --host.open;
            QObject::disconnect(socket, nullptr, this, nullptr);
            socket->abort();
            socket->deleteLater();
            return;
        }
    }
}

void FastNetworkAccessManager::expireIdle()
{
    m_expiryScheduled = false;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    bool any = false;
    for (Host& host : m_hosts) {
        for (qsizetype i = host.idle.size() - 1; i >= 0; --i) {
            if (now - host.idle.at(i).sinceMs < kIdleTimeoutMs) {
                any = true;
                continue;
            }
            QAbstractSocket* socket = host.idle.takeAt(i).socket;
            --host.open;
            QObject::disconnect(socket, nullptr, this, nullptr);
            socket->disconnectFromHost();
            socket->deleteLater();
        }
    }
    if (any) {
        m_expiryScheduled = true;
        QTimer::singleShot(kIdleCheckMs, this, &FastNetworkAccessManager::expireIdle);
    }
}

void FastNetworkAccessManager::forgetReply(detail::FastHttpReply* reply)
{
    m_replies.remove(reply);
    leaveQueue(reply);
}

void FastNetworkAccessManager::leaveQueue(detail::FastHttpReply* reply)
{
    for (Host& host : m_hosts)
        host.waiting.removeAll(reply);
}

} // namespace lanyard
