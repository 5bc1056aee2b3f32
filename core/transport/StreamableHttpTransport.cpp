// SPDX-License-Identifier: MIT
#include "transport/StreamableHttpTransport.h"

#include "transport/FastNetworkAccessManager.h"
#include "transport/HttpOrigin.h"
#include "transport/MessageParser.h"
#include "transport/SseParser.h"
#include "transport/WwwAuthenticate.h"
#include "util/Logging.h"
#include "util/Redact.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>
#include <vector>

namespace lanyard {

namespace {

constexpr qint64 kReadBufferSize = 256 * 1024; // Qt reads at most this far ahead of us
constexpr qint64 kReadChunk = 64 * 1024;
constexpr qsizetype kErrorBodyBytes = 4096; // kept of an error answer, for the detail text
constexpr qsizetype kErrorExcerptChars = 300; // shown of it
constexpr qsizetype kTrafficBodyBytes = 16 * 1024;
constexpr int kMaxRedirects = 5;
constexpr qsizetype kMaxSessionIdBytes = 1024;

const QByteArray kSessionHeader = QByteArrayLiteral("Mcp-Session-Id");
const QByteArray kProtocolVersionHeader = QByteArrayLiteral("MCP-Protocol-Version");

enum Kind { Post, Resume, Listen, Delete };

QByteArray mediaType(const QByteArray& contentType)
{
    const qsizetype semicolon = contentType.indexOf(';');
    return (semicolon < 0 ? contentType : contentType.left(semicolon)).trimmed().toLower();
}

QString origin(const QUrl& url)
{
    return url.adjusted(QUrl::RemovePath | QUrl::RemoveQuery | QUrl::RemoveFragment | QUrl::RemoveUserInfo).toString();
}

// Server-provided words that we show in a message (a scope, a media type): visible ASCII only, short.
QString sanitizedWord(const QString& s, qsizetype maxChars = 200)
{
    QString out;
    for (const QChar c : s) {
        if (out.size() >= maxChars)
            break;
        if (c.unicode() >= 0x20 && c.unicode() < 0x7F)
            out.append(c);
    }
    return out;
}

bool isValidSessionId(const QByteArray& id)
{
    if (id.isEmpty() || id.size() > kMaxSessionIdBytes)
        return false;
    for (const char c : id) {
        if (c < 0x21 || c > 0x7E)
            return false;
    }
    return true;
}

QString bodyExcerpt(const QByteArray& body)
{
    if (body.isEmpty())
        return QString();
    const QString redacted = QString::fromUtf8(redact::jsonText(body)).simplified();
    return redacted.size() > kErrorExcerptChars ? redacted.left(kErrorExcerptChars) + QStringLiteral("…") : redacted;
}

const char* methodName(int kind)
{
    switch (kind) {
    case Post:
        return "POST";
    case Delete:
        return "DELETE";
    default:
        return "GET";
    }
}

} // namespace

struct StreamableHttpTransport::Exchange
{
    enum class Mode { Pending, Empty, Json, Sse, ErrorBody };

    quint64 id = 0;
    int kind = Post;
    // What we send (Post).
    QByteArray body;
    json requestId;
    bool isRequest = false;
    // The HTTP exchange currently running for it.
    QNetworkReply* reply = nullptr;
    bool waiting = false; // waiting for the token provider
    bool headersHandled = false;
    bool sentAuthorization = false;
    QString sentSessionId;
    int status = 0;
    Mode mode = Mode::Pending;
    QByteArray buffer; // JSON body or the start of an error body
    SseParser parser;
    QElapsedTimer timer;
    qint64 startedAtMs = 0;
    QByteArray trafficIn;
    // Across resumptions.
    QString lastEventId;
    std::optional<qint64> retryMs;
    int resumeAttempts = 0;
    bool answered = false;
    bool authRetried = false;

    void resetForReissue()
    {
        headersHandled = false;
        status = 0;
        mode = Mode::Pending;
        buffer.clear();
        parser = SseParser();
        trafficIn.clear();
    }
};

StreamableHttpTransport::StreamableHttpTransport(QUrl endpoint, QObject* parent)
    : Transport(parent)
    , m_endpoint(std::move(endpoint))
{
    init(nullptr);
}

StreamableHttpTransport::StreamableHttpTransport(QUrl endpoint, QNetworkAccessManager* network, QObject* parent)
    : Transport(parent)
    , m_endpoint(std::move(endpoint))
{
    init(network);
}

StreamableHttpTransport::~StreamableHttpTransport()
{
    std::vector<quint64> ids;
    for (const auto& entry : m_exchanges)
        ids.push_back(entry.first);
    for (const quint64 id : ids)
        remove(id);
}

void StreamableHttpTransport::init(QNetworkAccessManager* network)
{
    m_network = network ? network : new FastNetworkAccessManager(this);
}

void StreamableHttpTransport::setTokenProvider(TokenProvider* provider)
{
    m_tokenProvider = provider;
}

bool StreamableHttpTransport::isListening() const
{
    return m_listenExchange != 0;
}

void StreamableHttpTransport::start()
{
    m_closed = false;
    m_closing = false;
    qCDebug(lcTransport).noquote() << "HTTP transport for" << redact::url(m_endpoint);
    QTimer::singleShot(0, this, [this] {
        if (!m_closed && !m_closing)
            emit started();
    });
}

void StreamableHttpTransport::send(const json& message)
{
    const bool isRequest
        = message.is_object() && message.contains("method") && message.contains("id") && !message["id"].is_null();
    if (m_closed || m_closing) {
        const json id = isRequest ? message["id"] : json();
        QTimer::singleShot(0, this, [this, id, isRequest] {
            const Error error(
                Error::Kind::Connection, tr("The connection to the MCP server is closed. Connect again to continue."));
            if (isRequest)
                emit sendFailed(id, error);
            else
                emit errorOccurred(error);
        });
        return;
    }
    const quint64 id = createExchange(Post);
    Exchange* ex = find(id);
    ex->body = dumpJson(message);
    ex->isRequest = isRequest;
    if (isRequest)
        ex->requestId = message["id"];
    dispatch(id);
}

void StreamableHttpTransport::startListening()
{
    if (m_closing || m_closed || m_listenExchange != 0 || m_listenUnsupported)
        return;
    m_listenExchange = createExchange(Listen);
    dispatch(m_listenExchange);
}

void StreamableHttpTransport::close()
{
    if (m_closed || m_closing)
        return;
    m_closing = true;
    // Abort everything in flight except notifications and responses already on their way (above
    // all a notifications/cancelled sent just before closing): the session ends after them.
    // Pending requests are failed by the protocol layer on closed().
    std::vector<quint64> ids;
    for (const auto& entry : m_exchanges) {
        if (!isDraining(*entry.second))
            ids.push_back(entry.first);
    }
    for (const quint64 id : ids)
        remove(id);

    const int generation = ++m_closeGeneration;
    // The provider or the server may never answer: closing must not hang on them.
    QTimer::singleShot(m_closeTimeoutMs + 500, this, [this, generation] {
        if (generation == m_closeGeneration)
            finishClose();
    });
    m_endSessionPending = true;
    endSessionWhenDrained();
}

bool StreamableHttpTransport::isDraining(const Exchange& ex) const
{
    return ex.kind == Post && !ex.isRequest && (ex.reply || ex.waiting);
}

void StreamableHttpTransport::endSessionWhenDrained()
{
    if (!m_endSessionPending)
        return;
    for (const auto& entry : m_exchanges) {
        if (isDraining(*entry.second))
            return;
    }
    m_endSessionPending = false;
    const int generation = m_closeGeneration;
    if (m_sessionId.isEmpty()) {
        QTimer::singleShot(0, this, [this, generation] {
            if (generation == m_closeGeneration)
                finishClose();
        });
        return;
    }
    qCDebug(lcTransport) << "ending the MCP session";
    dispatch(createExchange(Delete));
}

void StreamableHttpTransport::finishClose()
{
    if (m_closed)
        return;
    m_closed = true;
    m_closing = false;
    m_endSessionPending = false;
    std::vector<quint64> ids;
    for (const auto& entry : m_exchanges)
        ids.push_back(entry.first);
    for (const quint64 id : ids)
        remove(id);
    m_sessionId.clear();
    emit closed();
}

quint64 StreamableHttpTransport::createExchange(int kind)
{
    auto ex = std::make_unique<Exchange>();
    ex->id = m_nextExchangeId++;
    ex->kind = kind;
    const quint64 id = ex->id;
    m_exchanges.emplace(id, std::move(ex));
    return id;
}

StreamableHttpTransport::Exchange* StreamableHttpTransport::find(quint64 id) const
{
    const auto it = m_exchanges.find(id);
    return it == m_exchanges.end() ? nullptr : it->second.get();
}

void StreamableHttpTransport::dispatch(quint64 id)
{
    Exchange* ex = find(id);
    if (!ex)
        return;
    if (!m_tokenProvider) {
        issue(id, {});
        return;
    }
    ex->waiting = true;
    QPointer<StreamableHttpTransport> self(this);
    m_tokenProvider->headersFor(m_endpoint, [self, id](const Headers& headers, const Error& error) {
        if (!self)
            return;
        Exchange* waitingEx = self->find(id);
        if (!waitingEx || !waitingEx->waiting)
            return;
        waitingEx->waiting = false;
        if (error.isError()) {
            if (waitingEx->kind == Delete) {
                self->remove(id);
                self->finishClose();
                return;
            }
            self->fail(waitingEx, error);
            return;
        }
        self->issue(id, headers);
    });
}

void StreamableHttpTransport::issue(quint64 id, const Headers& authHeaders)
{
    Exchange* ex = find(id);
    if (!ex)
        return;
    ex->resetForReissue();

    QNetworkRequest request(m_endpoint);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::UserVerifiedRedirectPolicy);
    request.setMaximumRedirectsAllowed(kMaxRedirects);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    request.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);

    ex->sentAuthorization = false;
    auto setHeader = [&](const QByteArray& name, const QByteArray& value) {
        request.setRawHeader(name, value);
        if (name.compare("Authorization", Qt::CaseInsensitive) == 0)
            ex->sentAuthorization = true;
    };
    for (const auto& header : m_extraHeaders)
        setHeader(header.first, header.second);
    for (const auto& header : authHeaders)
        setHeader(header.first, header.second);

    if (ex->kind == Post) {
        request.setRawHeader("Accept", "application/json, text/event-stream");
        request.setRawHeader("Content-Type", "application/json");
    } else if (ex->kind == Resume || ex->kind == Listen) {
        request.setRawHeader("Accept", "text/event-stream");
        request.setRawHeader("Cache-Control", "no-cache");
        if (!ex->lastEventId.isEmpty())
            request.setRawHeader("Last-Event-ID", ex->lastEventId.toUtf8());
    } else {
        request.setTransferTimeout(m_closeTimeoutMs);
    }
    ex->sentSessionId = m_sessionId;
    if (!m_sessionId.isEmpty())
        request.setRawHeader(kSessionHeader, m_sessionId.toLatin1());
    if (!protocolVersion().isEmpty())
        request.setRawHeader(kProtocolVersionHeader, protocolVersion().toLatin1());

    QNetworkReply* reply = nullptr;
    switch (ex->kind) {
    case Post:
        reply = m_network->post(request, ex->body);
        break;
    case Delete:
        reply = m_network->deleteResource(request);
        break;
    default:
        reply = m_network->get(request);
        break;
    }
    ex->reply = reply;
    reply->setReadBufferSize(kReadBufferSize);
    connect(reply, &QNetworkReply::readyRead, this, [this, id] { onReadyRead(id); });
    connect(reply, &QNetworkReply::finished, this, [this, id] { onFinished(id); });
    connect(reply, &QNetworkReply::redirected, this, [this, id](const QUrl& target) { onRedirected(id, target); });
    ex->timer.start();
    ex->startedAtMs = QDateTime::currentMSecsSinceEpoch();

    qCDebug(lcTransport).noquote() << methodName(ex->kind) << redact::url(m_endpoint)
                                   << (ex->lastEventId.isEmpty() || ex->kind == Post ? "" : "(resuming)");

    if (!hasTrafficObserver())
        return;
    QByteArray headersText;
    for (const QByteArray& name : request.rawHeaderList())
        headersText += name + ": " + redact::headerValue(name, request.rawHeader(name)) + "\r\n";
    TrafficRecord record;
    record.direction = TrafficRecord::Direction::Outgoing;
    record.kind = QStringLiteral("http");
    record.summary = QStringLiteral("%1 %2").arg(QLatin1String(methodName(ex->kind)), redact::url(m_endpoint));
    record.body = headersText + "\r\n"
        + (ex->body.isEmpty() ? QByteArray() : redact::jsonText(ex->body.left(kTrafficBodyBytes)));
    record.timestampMs = ex->startedAtMs;
    emitTraffic(record);
}

void StreamableHttpTransport::onRedirected(quint64 id, const QUrl& target)
{
    Exchange* ex = find(id);
    if (!ex || !ex->reply)
        return;
    if (http::isSameOrigin(m_endpoint, target)) {
        qCDebug(lcTransport).noquote() << "following same-origin redirect to" << redact::url(target);
        emit ex->reply->redirectAllowed();
        return;
    }
    qCWarning(lcTransport).noquote() << "refused redirect to another origin:" << origin(target);
    ex->status = ex->reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const Error error(Error::Kind::Protocol,
        tr("The MCP server redirected the request to another site (%1). Lanyard does not follow "
           "redirects to other sites, so your credentials are never sent there. If that address is "
           "correct, put it in the server's configuration.")
            .arg(origin(target)),
        ex->status, QStringLiteral("redirect to %1 refused").arg(redact::url(target)));
    fail(ex, error);
}

void StreamableHttpTransport::onReadyRead(quint64 id)
{
    Exchange* ex = find(id);
    if (!ex || !ex->reply)
        return;
    if (!ex->headersHandled && !handleHeaders(ex))
        return;
    consumeBody(id);
}

bool StreamableHttpTransport::handleHeaders(Exchange* ex)
{
    QNetworkReply* reply = ex->reply;
    ex->headersHandled = true;
    ex->status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (ex->status == 0)
        return true; // no HTTP answer: onFinished reports the network error
    if (ex->status < 200 || ex->status >= 300) {
        ex->mode = Exchange::Mode::ErrorBody;
        return true;
    }
    if (ex->kind == Delete) {
        ex->mode = Exchange::Mode::Empty;
        return true;
    }
    if (ex->kind == Post) {
        const QByteArray sessionId = reply->rawHeader(kSessionHeader);
        if (!sessionId.isEmpty()) {
            if (isValidSessionId(sessionId)) {
                if (m_sessionId.toLatin1() != sessionId)
                    qCDebug(lcTransport) << "MCP session established";
                m_sessionId = QString::fromLatin1(sessionId);
            } else {
                qCWarning(lcTransport) << "ignoring a malformed Mcp-Session-Id header";
            }
        }
    }

    const QByteArray type = mediaType(reply->rawHeader("Content-Type"));
    if (type == "text/event-stream") {
        ex->mode = Exchange::Mode::Sse;
        ex->parser = SseParser();
        ex->parser.setMaxEventBytes(maxMessageBytes());
        return true;
    }
    if (ex->kind == Post && (type == "application/json" || type.endsWith("+json"))) {
        ex->mode = Exchange::Mode::Json;
        bool ok = false;
        const qint64 length = reply->header(QNetworkRequest::ContentLengthHeader).toLongLong(&ok);
        const QByteArray encoding = reply->rawHeader("Content-Encoding").trimmed().toLower();
        if (ok && length > maxMessageBytes() && (encoding.isEmpty() || encoding == "identity")) {
            fail(ex,
                Error(Error::Kind::TooLarge,
                    tr("The MCP server's answer (%1) is larger than the limit of %2. Raise the limit for "
                       "this server if such answers are expected.")
                        .arg(humanSize(length), humanSize(maxMessageBytes())),
                    ex->status, QStringLiteral("Content-Length %1").arg(length)));
            return false;
        }
        return true;
    }
    if (ex->kind == Post && type.isEmpty()) {
        ex->mode = Exchange::Mode::Empty;
        return true;
    }
    const QString shownType = type.isEmpty() ? tr("none") : sanitizedWord(QString::fromLatin1(type), 64);
    fail(ex,
        Error(Error::Kind::Protocol,
            ex->kind == Post
                ? tr("The MCP server answered with content type \"%1\", which is neither JSON nor an event "
                     "stream. Check that the address points to an MCP endpoint.")
                      .arg(shownType)
                : tr("The MCP server answered the event-stream request with content type \"%1\".").arg(shownType),
            ex->status, QStringLiteral("HTTP %1, Content-Type %2").arg(ex->status).arg(shownType)));
    return false;
}

bool StreamableHttpTransport::consumeBody(quint64 id)
{
    Exchange* ex = find(id);
    if (!ex || !ex->reply)
        return false;
    QNetworkReply* reply = ex->reply;
    switch (ex->mode) {
    case Exchange::Mode::Pending:
        return true;
    case Exchange::Mode::Empty:
        reply->readAll(); // nothing is expected; whatever comes is dropped (bounded by the read buffer)
        return true;
    case Exchange::Mode::ErrorBody: {
        const QByteArray chunk = reply->readAll();
        ex->buffer.append(chunk.left(kErrorBodyBytes - ex->buffer.size()));
        if (ex->buffer.size() >= kErrorBodyBytes) {
            // Enough for the detail text; do not wait for an error body of any size.
            handleHttpError(ex);
            return false;
        }
        return true;
    }
    case Exchange::Mode::Json: {
        const QByteArray chunk = reply->readAll();
        if (ex->buffer.size() + chunk.size() > maxMessageBytes()) {
            fail(ex,
                Error(Error::Kind::TooLarge,
                    tr("The MCP server's answer is larger than the limit of %1. Raise the limit for this "
                       "server if such answers are expected.")
                        .arg(humanSize(maxMessageBytes())),
                    ex->status,
                    QStringLiteral("stopped reading after %1 bytes").arg(ex->buffer.size() + chunk.size())));
            return false;
        }
        ex->buffer.append(chunk);
        if (ex->trafficIn.size() < kTrafficBodyBytes && hasTrafficObserver())
            ex->trafficIn.append(chunk.left(kTrafficBodyBytes - ex->trafficIn.size()));
        return true;
    }
    case Exchange::Mode::Sse:
        while (ex && ex->reply && ex->reply->bytesAvailable() > 0) {
            const QByteArray chunk = ex->reply->read(kReadChunk);
            if (chunk.isEmpty())
                break;
            if (ex->trafficIn.size() < kTrafficBodyBytes && hasTrafficObserver())
                ex->trafficIn.append(chunk.left(kTrafficBodyBytes - ex->trafficIn.size()));
            if (!processSseEvents(id, chunk))
                return false;
            ex = find(id);
        }
        return ex != nullptr;
    }
    return true;
}

bool StreamableHttpTransport::processSseEvents(quint64 id, const QByteArray& chunk)
{
    Exchange* ex = find(id);
    QList<SseParser::Event> events = ex->parser.feed(chunk);
    if (ex->parser.retryMs())
        ex->retryMs = ex->parser.retryMs();
    const QString lastEventId = ex->parser.lastEventId();
    if (!lastEventId.isEmpty() && lastEventId != ex->lastEventId) {
        ex->lastEventId = lastEventId;
        ex->resumeAttempts = 0; // the stream made progress
    }
    const bool overflowed = ex->parser.overflowed();

    for (SseParser::Event& event : events) {
        if (event.type != QLatin1String("message"))
            continue; // other event types carry no MCP messages
        if (event.data.trimmed().isEmpty())
            continue; // priming event: only an id (and maybe retry)
        QString parseError;
        const std::optional<json> message = parseMessage(event.data, &parseError);
        if (message)
            event.data = QByteArray(); // the raw text is not needed while the message is handled
        if (!message) {
            const Error error(Error::Kind::Protocol,
                tr("The MCP server sent an event that is not valid JSON. The server is faulty; "
                   "report this to its maintainers."),
                ex->status, parseError + QStringLiteral("; data: ") + bodyExcerpt(event.data.left(kErrorBodyBytes)));
            if (ex->kind == Listen) {
                emit errorOccurred(error);
                ex = find(id);
                if (!ex)
                    return false;
                continue;
            }
            fail(ex, error);
            return false;
        }
        ex->resumeAttempts = 0;
        if (!deliverBody(id, *message))
            return false;
        ex = find(id);
        if (!ex)
            return false;
    }
    if (overflowed) {
        fail(ex,
            Error(Error::Kind::TooLarge,
                tr("The MCP server sent a message larger than the limit of %1. Raise the limit for this "
                   "server if such messages are expected.")
                    .arg(humanSize(maxMessageBytes())),
                ex->status, QStringLiteral("SSE event over %1 bytes").arg(maxMessageBytes())));
        return false;
    }
    return true;
}

bool StreamableHttpTransport::deliverBody(quint64 id, const json& body)
{
    if (body.is_array()) {
        if (body.empty()) {
            if (Exchange* ex = find(id))
                fail(ex, Error(Error::Kind::Protocol, tr("The MCP server answered with an empty batch."), 0));
            return false;
        }
        for (const json& message : body) {
            if (!deliver(id, message))
                return false;
        }
        return true;
    }
    return deliver(id, body);
}

bool StreamableHttpTransport::deliver(quint64 id, const json& message)
{
    Exchange* ex = find(id);
    if (!ex)
        return false;
    if (!message.is_object()) {
        fail(ex,
            Error(Error::Kind::Protocol, tr("The MCP server sent something that is not a JSON-RPC message."),
                ex->status, QStringLiteral("JSON type %1").arg(QString::fromLatin1(message.type_name()))));
        return false;
    }
    if (ex->isRequest && !message.contains("method") && (message.contains("result") || message.contains("error"))) {
        const auto it = message.find("id");
        if (it != message.end() && *it == ex->requestId)
            ex->answered = true;
    }
    QPointer<StreamableHttpTransport> self(this);
    emit messageReceived(message);
    if (!self)
        return false;
    return find(id) != nullptr;
}

void StreamableHttpTransport::onFinished(quint64 id)
{
    Exchange* ex = find(id);
    if (!ex || !ex->reply)
        return;
    if (!ex->headersHandled && !handleHeaders(ex))
        return;
    if (!consumeBody(id))
        return;
    ex = find(id);
    if (!ex || !ex->reply)
        return;
    QNetworkReply* reply = ex->reply;
    const QNetworkReply::NetworkError networkError = reply->error();
    if (ex->status == 0)
        ex->status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();

    if (ex->kind == Delete) {
        qCDebug(lcTransport) << "session DELETE answered" << ex->status;
        remove(id);
        finishClose();
        return;
    }

    if (ex->status == 0) {
        const QString why = reply->errorString();
        if (ex->kind == Resume || ex->kind == Listen) {
            scheduleResume(ex, why);
            return;
        }
        fail(ex,
            Error(Error::Kind::Connection,
                networkError == QNetworkReply::ConnectionRefusedError
                    ? tr("Could not connect to the MCP server at %1: the connection was refused. Check that "
                         "the server is running and the address is right.")
                          .arg(origin(m_endpoint))
                    : tr("Lost the connection to the MCP server at %1 before it answered. Check the network "
                         "and that the server is running.")
                          .arg(origin(m_endpoint)),
                0, why));
        return;
    }
    if (ex->status < 200 || ex->status >= 300) {
        handleHttpError(ex);
        return;
    }

    switch (ex->mode) {
    case Exchange::Mode::Pending:
    case Exchange::Mode::ErrorBody:
        complete(ex);
        return;
    case Exchange::Mode::Empty:
        if (ex->kind == Post && ex->isRequest) {
            fail(ex,
                Error(Error::Kind::Protocol,
                    tr("The MCP server accepted the request but sent no answer (HTTP %1).").arg(ex->status),
                    ex->status));
            return;
        }
        complete(ex);
        return;
    case Exchange::Mode::Json: {
        if (networkError != QNetworkReply::NoError) {
            fail(ex,
                Error(Error::Kind::Connection,
                    tr("The connection to the MCP server broke while its answer was arriving."), ex->status,
                    reply->errorString()));
            return;
        }
        QString parseError;
        const std::optional<json> body = parseMessage(ex->buffer, &parseError);
        if (body)
            ex->buffer = QByteArray(); // parsed: the raw text is not needed while the answer is handled
        if (!body) {
            fail(ex,
                Error(Error::Kind::Protocol,
                    tr("The MCP server's answer is not valid JSON. The server is faulty; report this to its "
                       "maintainers."),
                    ex->status,
                    parseError + QStringLiteral("; body: ") + bodyExcerpt(ex->buffer.left(kErrorBodyBytes))));
            return;
        }
        if (!deliverBody(id, *body))
            return;
        ex = find(id);
        if (!ex)
            return;
        if (ex->isRequest && !ex->answered) {
            fail(ex,
                Error(Error::Kind::Protocol, tr("The MCP server's answer did not contain a response to the request."),
                    ex->status));
            return;
        }
        complete(ex);
        return;
    }
    case Exchange::Mode::Sse: {
        const bool truncated = ex->parser.finish() == SseParser::StreamEnd::Truncated;
        QString why;
        if (networkError != QNetworkReply::NoError)
            why = reply->errorString();
        else if (truncated)
            why = QStringLiteral("stream ended inside an event");
        else
            why = QStringLiteral("stream ended");
        streamEnded(ex, why);
        return;
    }
    }
}

void StreamableHttpTransport::streamEnded(Exchange* ex, const QString& why)
{
    detachReply(ex);
    if (ex->kind == Listen) {
        scheduleResume(ex, why);
        return;
    }
    if (!ex->isRequest || ex->answered) {
        complete(ex);
        return;
    }
    if (!ex->lastEventId.isEmpty()) {
        scheduleResume(ex, why);
        return;
    }
    fail(ex,
        Error(Error::Kind::Connection,
            tr("The MCP server's event stream ended before the answer arrived, and the server gave no way "
               "to resume it. Try again."),
            ex->status, why));
}

void StreamableHttpTransport::scheduleResume(Exchange* ex, const QString& why)
{
    detachReply(ex);
    if (m_closing || m_closed) {
        remove(ex->id);
        return;
    }
    if (ex->resumeAttempts >= m_maxResumeAttempts) {
        const Error error(Error::Kind::Connection,
            ex->kind == Listen ? tr("Lost the MCP server's event stream for server messages and could not reopen it "
                                    "(%n attempt(s)).",
                nullptr, ex->resumeAttempts)
                               : tr("Lost the connection to the MCP server before the answer arrived, and %n "
                                    "attempt(s) to resume failed. Try again.",
                                   nullptr, ex->resumeAttempts),
            ex->status, why);
        fail(ex, error);
        return;
    }
    const qint64 base = ex->retryMs.value_or(m_defaultRetryMs);
    qint64 delay = base;
    for (int i = 0; i < ex->resumeAttempts && delay < m_maxRetryDelayMs; ++i)
        delay *= 2;
    delay = std::max(base, std::min(delay, m_maxRetryDelayMs));
    ++ex->resumeAttempts;
    if (ex->kind == Post)
        ex->kind = Resume;
    qCDebug(lcTransport).noquote() << "event stream ended (" << why << "); reconnecting in" << delay << "ms, attempt"
                                   << ex->resumeAttempts << "of" << m_maxResumeAttempts;
    const quint64 id = ex->id;
    QTimer::singleShot(std::chrono::milliseconds(delay), this, [this, id] {
        if (m_closing || m_closed)
            return;
        if (Exchange* waiting = find(id); waiting && !waiting->reply && !waiting->waiting)
            dispatch(id);
    });
}

void StreamableHttpTransport::handleHttpError(Exchange* ex)
{
    const int status = ex->status;
    const quint64 id = ex->id;

    if (ex->kind == Delete) {
        // Closing: whatever the server says about the DELETE (405 included), we are done.
        remove(id);
        finishClose();
        return;
    }
    if (status == 404 && !ex->sentSessionId.isEmpty()) {
        detachReply(ex);
        if (m_sessionId == ex->sentSessionId) {
            qCInfo(lcTransport) << "the server ended the MCP session (HTTP 404)";
            m_sessionId.clear();
            if (m_listenExchange != 0 && m_listenExchange != id)
                remove(m_listenExchange);
            QPointer<StreamableHttpTransport> self(this);
            emit sessionExpired();
            if (!self)
                return;
        }
        if (Exchange* expired = find(id)) {
            fail(expired,
                Error(Error::Kind::SessionExpired,
                    tr("The MCP server no longer knows this session (HTTP 404). Connect again to start a "
                       "new session."),
                    404));
        }
        return;
    }
    if (status == 401 || status == 403) {
        handleAuthChallenge(ex, status);
        return;
    }
    if (ex->kind == Listen && status == 405) {
        qCInfo(lcTransport) << "the server offers no event stream for server messages (HTTP 405)";
        m_listenUnsupported = true;
        complete(ex);
        return;
    }
    if (ex->kind == Resume || ex->kind == Listen) {
        const bool transient = status >= 500 || status == 408 || status == 429;
        if (transient) {
            scheduleResume(ex, QStringLiteral("HTTP %1").arg(status));
            return;
        }
        fail(ex,
            Error(Error::Kind::Connection,
                ex->kind == Listen
                    ? tr("The MCP server refused to reopen its event stream (HTTP %1).").arg(status)
                    : tr("Lost the connection to the MCP server before the answer arrived, and the server "
                         "refused to resume it (HTTP %1). Try again.")
                          .arg(status),
                status, QStringLiteral("HTTP %1; body: %2").arg(status).arg(bodyExcerpt(ex->buffer))));
        return;
    }
    fail(ex, httpStatusError(ex));
}

Error StreamableHttpTransport::httpStatusError(const Exchange* ex) const
{
    const int status = ex->status;
    QString detail = QStringLiteral("HTTP %1 from %2 %3")
                         .arg(status)
                         .arg(QLatin1String(methodName(ex->kind)), redact::url(m_endpoint));
    const QString excerpt = bodyExcerpt(ex->buffer);
    if (!excerpt.isEmpty())
        detail += QStringLiteral("; body: ") + excerpt;
    if (status >= 500)
        return Error(Error::Kind::Connection,
            tr("The MCP server had a problem answering (HTTP %1). Try again later; if it keeps happening, "
               "check the server's logs.")
                .arg(status),
            status, detail);
    if (status == 408 || status == 429)
        return Error(Error::Kind::Connection,
            tr("The MCP server is busy or timed out (HTTP %1). Try again later.").arg(status), status, detail);
    if (status == 400)
        return Error(Error::Kind::Protocol,
            tr("The MCP server rejected the request as invalid (HTTP 400). The server may need a newer or "
               "older protocol version."),
            status, detail);
    if (status >= 300 && status < 400)
        return Error(Error::Kind::Protocol,
            tr("The MCP server redirected the request too often or without a target (HTTP %1). Check the "
               "server address.")
                .arg(status),
            status, detail);
    return Error(
        Error::Kind::Protocol, tr("The MCP server refused the request (HTTP %1).").arg(status), status, detail);
}

void StreamableHttpTransport::handleAuthChallenge(Exchange* ex, int status)
{
    const QByteArray header = ex->reply ? ex->reply->rawHeader("WWW-Authenticate") : QByteArray();
    const AuthChallenge challenge = WwwAuthenticate::toAuthChallenge(status, header);
    const bool sentAuthorization = ex->sentAuthorization;
    const QByteArray errorBody = ex->buffer;
    detachReply(ex);

    auto describe = [status, challenge, sentAuthorization, errorBody]() {
        using T = StreamableHttpTransport;
        QString message;
        const QString code = sanitizedWord(challenge.error, 64);
        if (status == 403) {
            if (challenge.error == QLatin1String("insufficient_scope")) {
                const QString scope = sanitizedWord(challenge.scope);
                message = scope.isEmpty()
                    ? T::tr("The access token lacks a permission the MCP server requires (HTTP 403, "
                            "insufficient_scope). Sign in again and grant the requested access.")
                    : T::tr("The access token lacks a permission the MCP server requires (HTTP 403, "
                            "insufficient_scope). Required scope: %1. Sign in again and grant it.")
                          .arg(scope);
            } else {
                message = T::tr("The MCP server refused access (HTTP 403). Your account may not be allowed to use "
                                "this server.");
            }
        } else if (!sentAuthorization) {
            message = T::tr("The MCP server requires sign-in (HTTP 401), but no access token was sent. Configure "
                            "sign-in for this server.");
        } else if (challenge.error == QLatin1String("insufficient_claims")) {
            message = T::tr("The MCP server asks for a fresh sign-in with additional claims (HTTP 401, "
                            "insufficient_claims). Sign in again.");
        } else {
            message = code.isEmpty()
                ? T::tr("The MCP server did not accept the access token (HTTP 401). Sign in again.")
                : T::tr("The MCP server did not accept the access token (HTTP 401, %1). Sign in again.").arg(code);
        }
        QString detail = QStringLiteral("HTTP %1; WWW-Authenticate: %2")
                             .arg(status)
                             .arg(sanitizedWord(QString::fromLatin1(challenge.wwwAuthenticate), 400));
        const QString excerpt = bodyExcerpt(errorBody);
        if (!excerpt.isEmpty())
            detail += QStringLiteral("; body: ") + excerpt;
        return Error(Error::Kind::Auth, message, status, redact::text(detail));
    };

    qCInfo(lcTransport).noquote() << "server answered" << status
                                  << (challenge.error.isEmpty() ? QString() : sanitizedWord(challenge.error, 64));
    if (!m_tokenProvider || ex->authRetried) {
        fail(ex, describe());
        return;
    }
    ex->authRetried = true;
    ex->waiting = true;
    const quint64 id = ex->id;
    QPointer<StreamableHttpTransport> self(this);
    m_tokenProvider->handleChallenge(challenge, [self, id, describe](bool retry, const Error& error) {
        if (!self)
            return;
        Exchange* waitingEx = self->find(id);
        if (!waitingEx || !waitingEx->waiting)
            return;
        waitingEx->waiting = false;
        if (retry) {
            qCDebug(lcTransport) << "retrying with fresh credentials";
            self->dispatch(id);
            return;
        }
        Error failure = describe();
        if (error.isError()) {
            // The provider knows better what went wrong (sign-in cancelled, consent needed, ...).
            failure.message = error.message;
            if (!error.detail.isEmpty())
                failure.detail = error.detail + QStringLiteral("; ") + failure.detail;
        }
        self->fail(waitingEx, failure);
    });
}

void StreamableHttpTransport::fail(Exchange* ex, const Error& error)
{
    const quint64 id = ex->id;
    const int kind = ex->kind;
    const bool isRequest = ex->isRequest && (kind == Post || kind == Resume);
    const json requestId = ex->requestId;
    remove(id);
    qCWarning(lcTransport).noquote() << methodName(kind) << "failed:" << Error::kindName(error.kind) << error.message;
    if (kind == Delete) {
        finishClose();
        return;
    }
    if (isRequest)
        emit sendFailed(requestId, error);
    else
        emit errorOccurred(error);
}

void StreamableHttpTransport::complete(Exchange* ex)
{
    remove(ex->id);
}

void StreamableHttpTransport::detachReply(Exchange* ex)
{
    QNetworkReply* reply = std::exchange(ex->reply, nullptr);
    if (!reply)
        return;
    QObject::disconnect(reply, nullptr, this, nullptr);
    if (reply->isRunning())
        reply->abort();
    if (!hasTrafficObserver()) {
        reply->deleteLater();
        return;
    }

    const int status = ex->status ? ex->status : reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    QByteArray headersText;
    for (const auto& header : reply->rawHeaderPairs())
        headersText += header.first + ": " + redact::headerValue(header.first, header.second) + "\r\n";
    QByteArray body;
    if (ex->mode == Exchange::Mode::Sse)
        body = redact::text(QString::fromUtf8(ex->trafficIn)).toUtf8();
    else if (ex->mode == Exchange::Mode::ErrorBody)
        body = redact::jsonText(ex->buffer);
    else if (!ex->trafficIn.isEmpty())
        body = redact::jsonText(ex->trafficIn);
    TrafficRecord record;
    record.direction = TrafficRecord::Direction::Incoming;
    record.kind = QStringLiteral("http");
    const qint64 elapsed = ex->timer.isValid() ? ex->timer.elapsed() : -1;
    const QString outcome = status > 0
        ? QStringLiteral("%1 %2").arg(status).arg(QString::fromLatin1(mediaType(reply->rawHeader("Content-Type"))))
        : QStringLiteral("no response (%1)").arg(reply->errorString());
    record.summary = QStringLiteral("%1 %2 → %3 (%4 ms)")
                         .arg(QLatin1String(methodName(ex->kind)), redact::url(m_endpoint), outcome.trimmed())
                         .arg(elapsed);
    record.body = headersText + "\r\n" + body;
    record.timestampMs = QDateTime::currentMSecsSinceEpoch();
    record.durationMs = elapsed;
    reply->deleteLater();
    emitTraffic(record);
}

void StreamableHttpTransport::emitTraffic(const TrafficRecord& record)
{
    // Queued, so that an observer can never re-enter the transport in the middle of an exchange.
    QTimer::singleShot(0, this, [this, record] { emit trafficObserved(record); });
}

void StreamableHttpTransport::remove(quint64 id)
{
    Exchange* ex = find(id);
    if (!ex)
        return;
    detachReply(ex);
    if (id == m_listenExchange)
        m_listenExchange = 0;
    m_exchanges.erase(id);
    if (m_closing)
        endSessionWhenDrained();
}

} // namespace lanyard
