// SPDX-License-Identifier: MIT
#include "protocol/JsonRpcConnection.h"

#include "protocol/Transport.h"
#include "util/Logging.h"

namespace lanyard {

// ---- PendingRequest -------------------------------------------------------------------------

PendingRequest::PendingRequest(QString method, QObject* parent) : QObject(parent), m_method(std::move(method))
{
    m_elapsed.start();
}

void PendingRequest::cancel(const QString& reason)
{
    if (m_done)
        return;
    if (m_cancelHandler) {
        auto handler = std::move(m_cancelHandler);
        m_cancelHandler = nullptr;
        handler(reason);
    }
    if (!m_done) {
        reject(Error(Error::Kind::Cancelled,
                     reason.isEmpty() ? tr("The request %1 was cancelled.").arg(m_method)
                                      : tr("The request %1 was cancelled: %2").arg(m_method, reason)));
    }
}

void PendingRequest::resolve(const json& result)
{
    if (m_done)
        return;
    m_done = true;
    m_cancelHandler = nullptr;
    emit finished(result);
    emit done();
    deleteLater();
}

void PendingRequest::reject(const Error& error)
{
    if (m_done)
        return;
    m_done = true;
    m_cancelHandler = nullptr;
    m_error = error;
    emit failed(m_error);
    emit done();
    deleteLater();
}

void PendingRequest::reportProgress(double value, double total, const QString& message)
{
    if (!m_done)
        emit progress(value, total, message);
}

// ---- JsonRpcConnection ----------------------------------------------------------------------

JsonRpcConnection::JsonRpcConnection(Transport* transport, QObject* parent)
    : QObject(parent), m_transport(transport)
{
    connect(m_transport, &Transport::messageReceived, this, &JsonRpcConnection::onMessage);
    // Queued: a transport may report a failure from inside send(), before request() has returned
    // the PendingRequest its caller connects to.
    connect(m_transport, &Transport::sendFailed, this, &JsonRpcConnection::onSendFailed, Qt::QueuedConnection);
    connect(m_transport, &Transport::closed, this, [this] {
        failAll(Error(Error::Kind::Connection, tr("The connection to the server closed before it answered.")));
    });

    setRequestHandler(QStringLiteral("ping"), [](const json&, Responder r) { r.respond(json::object()); });
}

JsonRpcConnection::~JsonRpcConnection()
{
    failAll(Error(Error::Kind::Connection, tr("The connection was shut down.")));
}

PendingRequest* JsonRpcConnection::request(const QString& method, const json& params, const RequestOptions& options)
{
    const qint64 id = m_nextId++;
    auto* pending = new PendingRequest(method, this);
    pending->setId(id);

    json message = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method.toStdString()}};
    json p = params.is_null() ? json::object() : params;
    Entry entry;
    entry.request = pending;
    entry.options = options;
    if (options.reportProgress && p.is_object()) {
        entry.progressToken = id;
        p["_meta"]["progressToken"] = id;
    }
    if (!p.is_object() || !p.empty() || !params.is_null())
        message["params"] = p;

    if (options.timeoutMs > 0) {
        entry.timer = new QTimer(pending);
        entry.timer->setSingleShot(true);
        entry.timer->setInterval(options.timeoutMs);
        connect(entry.timer, &QTimer::timeout, this, [this, id] { onTimeout(id, false); });
        entry.timer->start();
    }
    if (options.maxTotalTimeoutMs > 0) {
        entry.hardTimer = new QTimer(pending);
        entry.hardTimer->setSingleShot(true);
        entry.hardTimer->setInterval(options.maxTotalTimeoutMs);
        connect(entry.hardTimer, &QTimer::timeout, this, [this, id] { onTimeout(id, true); });
        entry.hardTimer->start();
    }
    if (options.cancellable) {
        pending->setCancelHandler([this, id](const QString& reason) {
            sendCancel(id, reason);
            auto it = m_pending.find(id);
            if (it != m_pending.end())
                m_pending.erase(it);
        });
    }
    m_pending.emplace(id, entry);
    qCDebug(lcProtocol) << "->" << method << "#" << id;
    m_transport->send(message);
    return pending;
}

void JsonRpcConnection::notify(const QString& method, const json& params)
{
    json message = {{"jsonrpc", "2.0"}, {"method", method.toStdString()}};
    if (!params.is_null())
        message["params"] = params;
    qCDebug(lcProtocol) << "-> notification" << method;
    m_transport->send(message);
}

void JsonRpcConnection::setRequestHandler(const QString& method, RequestHandler handler)
{
    m_requestHandlers.insert(method, std::move(handler));
}

void JsonRpcConnection::setNotificationHandler(const QString& method, NotificationHandler handler)
{
    m_notificationHandlers.insert(method, std::move(handler));
}

void JsonRpcConnection::failAll(const Error& error)
{
    auto pending = std::move(m_pending);
    m_pending.clear();
    for (auto& [id, entry] : pending) {
        if (entry.request)
            entry.request->reject(error);
    }
}

void JsonRpcConnection::onMessage(const json& message)
{
    if (message.is_array()) {
        if (message.empty()) {
            emit protocolError(Error(Error::Kind::Protocol, tr("The server sent an empty JSON-RPC batch.")));
            return;
        }
        for (const auto& m : message)
            handleOne(m);
        return;
    }
    handleOne(message);
}

void JsonRpcConnection::handleOne(const json& message)
{
    if (!message.is_object()) {
        emit protocolError(Error(Error::Kind::Protocol,
                                 tr("The server sent a JSON-RPC message that is not an object; it was ignored.")));
        return;
    }
    const bool hasMethod = message.contains("method");
    const bool hasId = message.contains("id") && !message["id"].is_null();
    if (hasMethod && !message["method"].is_string()) {
        if (hasId)
            sendError(message["id"], rpc::InvalidRequest, QStringLiteral("method must be a string"));
        emit protocolError(Error(Error::Kind::Protocol, tr("The server sent a message whose method is not a string.")));
        return;
    }
    if (hasMethod && hasId) {
        handleRequest(message);
    } else if (hasMethod) {
        handleNotification(qs(message, "method"), message.value("params", json::object()));
    } else if (message.contains("result") || message.contains("error")) {
        handleResponse(message);
    } else {
        emit protocolError(Error(Error::Kind::Protocol,
                                 tr("The server sent a JSON-RPC message with neither a method nor a result; it was ignored."),
                                 rpc::InvalidRequest, QString::fromUtf8(dumpJson(message).left(200))));
    }
}

void JsonRpcConnection::handleResponse(const json& message)
{
    const json& idj = message.contains("id") ? message["id"] : json();
    if (!idj.is_number_integer()) {
        emit protocolError(Error(Error::Kind::Protocol,
                                 tr("The server answered a request id Lanyard never sent (%1); the answer was ignored.")
                                     .arg(QString::fromUtf8(dumpJson(idj).left(40)))));
        return;
    }
    const qint64 id = idj.get<qint64>();
    if (m_pending.find(id) == m_pending.end()) {
        emit protocolError(Error(Error::Kind::Protocol,
                                 tr("The server answered request %1, which is not pending (finished, cancelled or never "
                                    "sent); the answer was ignored.")
                                     .arg(id)));
        return;
    }
    if (qs(message, "jsonrpc") != QLatin1String("2.0")) { // value() would throw on a non-string
        const Error e(Error::Kind::Protocol, tr("The server's answer is not JSON-RPC 2.0 (\"jsonrpc\": \"2.0\" missing)."));
        finish(id, nullptr, &e);
        return;
    }
    const bool hasResult = message.contains("result");
    const bool hasError = message.contains("error");
    if (hasResult == hasError) {
        const Error e(Error::Kind::Protocol, tr("The server's answer has %1 of \"result\" and \"error\"; exactly one is required.")
                                                 .arg(hasResult ? tr("both") : tr("neither")));
        finish(id, nullptr, &e);
        return;
    }
    if (hasResult) {
        const json& r = message["result"];
        finish(id, &r, nullptr);
        return;
    }
    const json& err = message["error"];
    int code = 0;
    QString text;
    if (err.is_object()) {
        if (err.contains("code") && err["code"].is_number_integer())
            code = err["code"].get<int>();
        text = qs(err, "message");
    }
    QString msg;
    switch (code) {
    case rpc::MethodNotFound:
        msg = tr("The server does not support %1.").arg(m_pending[id].request ? m_pending[id].request->method() : QString());
        break;
    case rpc::InvalidParams:
        msg = tr("The server rejected the arguments: %1").arg(text.left(300));
        break;
    default:
        msg = tr("The server answered with error %1: %2").arg(code).arg(text.left(300));
    }
    const Error e(Error::Kind::Rpc, msg, code, QString::fromUtf8(dumpJson(err).left(1000)));
    finish(id, nullptr, &e);
}

void JsonRpcConnection::finish(qint64 id, const json* result, const Error* error)
{
    auto it = m_pending.find(id);
    if (it == m_pending.end())
        return;
    QPointer<PendingRequest> req = it->second.request;
    m_pending.erase(it);
    if (!req)
        return;
    qCDebug(lcProtocol) << "<-" << req->method() << "#" << id << (error ? "error" : "ok") << req->elapsedMs() << "ms";
    if (result)
        req->resolve(*result);
    else
        req->reject(*error);
}

void JsonRpcConnection::handleRequest(const json& message)
{
    const QString method = qs(message, "method");
    const json id = message["id"];
    auto handler = m_requestHandlers.constFind(method);
    if (handler == m_requestHandlers.constEnd()) {
        sendError(id, rpc::MethodNotFound, QStringLiteral("Method not found: %1").arg(method));
        return;
    }
    auto answered = std::make_shared<bool>(false);
    QPointer<JsonRpcConnection> self(this);
    Responder responder;
    responder.respond = [self, id, answered](const json& result) {
        if (!self || *answered)
            return;
        *answered = true;
        self->m_transport->send(json{{"jsonrpc", "2.0"}, {"id", id}, {"result", result}});
    };
    responder.error = [self, id, answered](int code, const QString& msg, const json& data) {
        if (!self || *answered)
            return;
        *answered = true;
        self->sendError(id, code, msg, data);
    };
    (*handler)(message.value("params", json::object()), responder);
}

void JsonRpcConnection::handleNotification(const QString& method, const json& params)
{
    if (method == QLatin1String("notifications/progress")) {
        const json token = params.is_object() ? params.value("progressToken", json()) : json();
        if (token.is_number_integer()) {
            auto it = m_pending.find(token.get<qint64>());
            if (it != m_pending.end() && it->second.progressToken == token && it->second.request) {
                Entry& e = it->second;
                if (e.options.resetTimeoutOnProgress && e.timer)
                    e.timer->start();
                const double progress
                    = params.contains("progress") && params["progress"].is_number() ? params["progress"].get<double>() : 0.0;
                const double total = params.contains("total") && params["total"].is_number() ? params["total"].get<double>() : -1.0;
                e.request->reportProgress(progress, total, qs(params, "message"));
            }
        }
    }
    auto handler = m_notificationHandlers.constFind(method);
    if (handler != m_notificationHandlers.constEnd())
        (*handler)(params);
    emit notificationReceived(method, params);
}

void JsonRpcConnection::onSendFailed(const json& id, const Error& error)
{
    if (!id.is_number_integer())
        return;
    finish(id.get<qint64>(), nullptr, &error);
}

void JsonRpcConnection::sendCancel(qint64 id, const QString& reason)
{
    json params = {{"requestId", id}};
    if (!reason.isEmpty())
        params["reason"] = reason.toStdString();
    notify(QStringLiteral("notifications/cancelled"), params);
}

void JsonRpcConnection::onTimeout(qint64 id, bool hard)
{
    auto it = m_pending.find(id);
    if (it == m_pending.end())
        return;
    const Entry& e = it->second;
    const QString method = e.request ? e.request->method() : QString();
    const int ms = hard ? e.options.maxTotalTimeoutMs : e.options.timeoutMs;
    if (e.options.cancellable)
        sendCancel(id, QStringLiteral("timeout"));
    const Error err(Error::Kind::Timeout,
                    tr("The server did not answer %1 within %2 s. Try again, or raise the timeout (--timeout or "
                       "the server's \"timeoutSeconds\").")
                        .arg(method)
                        .arg(ms / 1000.0, 0, 'g', 3));
    finish(id, nullptr, &err);
}

void JsonRpcConnection::sendError(const json& id, int code, const QString& message, const json& data)
{
    json err = {{"code", code}, {"message", message.toStdString()}};
    if (!data.is_null())
        err["data"] = data;
    m_transport->send(json{{"jsonrpc", "2.0"}, {"id", id}, {"error", err}});
}

} // namespace lanyard
