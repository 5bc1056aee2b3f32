// SPDX-License-Identifier: MIT
#pragma once

#include "util/Error.h"
#include "util/Json.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <functional>
#include <map>

namespace lanyard {

class Transport;

struct RequestOptions
{
    int timeoutMs = 60000;             // per-request timeout; 0 = none
    bool resetTimeoutOnProgress = false;
    int maxTotalTimeoutMs = 0;         // hard maximum even with progress; 0 = none
    bool reportProgress = false;       // attach a progressToken to _meta
    bool cancellable = true;           // false for initialize (the spec forbids cancelling it)
};

// One request in flight (or a composite operation built from several). Emits exactly one of
// finished()/failed(), then done(); deletes itself later. Connect with a context object.
// The result is handed to finished() by reference and not kept: results can be large (a 100 MB
// tool answer, 10,000 tools), so every layer passes them on without copying.
class PendingRequest : public QObject
{
    Q_OBJECT
public:
    explicit PendingRequest(QString method, QObject* parent = nullptr);

    QString method() const { return m_method; }
    json id() const { return m_id; }
    bool isDone() const { return m_done; }
    const Error& error() const { return m_error; }
    qint64 elapsedMs() const { return m_elapsed.elapsed(); }

    // Ask the peer to stop (notifications/cancelled) and fail locally with Cancelled.
    void cancel(const QString& reason = QString());

    // Used by the protocol layer and by composite operations.
    void resolve(const json& result);
    void reject(const Error& error);
    void reportProgress(double progress, double total, const QString& message);
    void setId(json id) { m_id = std::move(id); }
    void setCancelHandler(std::function<void(const QString&)> handler) { m_cancelHandler = std::move(handler); }

signals:
    void finished(const lanyard::json& result);
    void failed(const lanyard::Error& error);
    // total < 0 when unknown
    void progress(double progress, double total, const QString& message);
    void done();

private:
    QString m_method;
    json m_id;
    bool m_done = false;
    Error m_error;
    QElapsedTimer m_elapsed;
    std::function<void(const QString&)> m_cancelHandler;
};

// JSON-RPC 2.0 over a Transport: correlation by id, timeouts, progress, cancellation,
// incoming requests (ping answered here) and notifications.
class JsonRpcConnection : public QObject
{
    Q_OBJECT
public:
    // Reply to a request the peer sent us. Call exactly one of them, once.
    struct Responder
    {
        std::function<void(const json& result)> respond;
        std::function<void(int code, const QString& message, const json& data)> error;
    };
    using RequestHandler = std::function<void(const json& params, Responder responder)>;
    using NotificationHandler = std::function<void(const json& params)>;

    explicit JsonRpcConnection(Transport* transport, QObject* parent = nullptr);
    ~JsonRpcConnection() override;

    Transport* transport() const { return m_transport; }

    PendingRequest* request(const QString& method, const json& params = json(), const RequestOptions& options = {});
    void notify(const QString& method, const json& params = json());

    void setRequestHandler(const QString& method, RequestHandler handler);
    void setNotificationHandler(const QString& method, NotificationHandler handler);

    // Fail every pending request (used on close and on connection loss).
    void failAll(const Error& error);
    int pendingCount() const { return static_cast<int>(m_pending.size()); }

signals:
    void notificationReceived(const QString& method, const lanyard::json& params);
    // Something the peer sent that we could not use (invalid JSON-RPC, unknown id). The
    // connection stays usable.
    void protocolError(const lanyard::Error& error);

private:
    struct Entry
    {
        QPointer<PendingRequest> request;
        RequestOptions options;
        QTimer* timer = nullptr;
        QTimer* hardTimer = nullptr;
        json progressToken;
    };

    void onMessage(const json& message);
    void handleOne(const json& message);
    void handleResponse(const json& message);
    void handleRequest(const json& message);
    void handleNotification(const QString& method, const json& params);
    void onSendFailed(const json& id, const Error& error);
    void finish(qint64 id, const json* result, const Error* error);
    void sendCancel(qint64 id, const QString& reason);
    void onTimeout(qint64 id, bool hard);
    void sendError(const json& id, int code, const QString& message, const json& data = json());

    Transport* m_transport;
    qint64 m_nextId = 1;
    std::map<qint64, Entry> m_pending;
    QHash<QString, RequestHandler> m_requestHandlers;
    QHash<QString, NotificationHandler> m_notificationHandlers;
};

// JSON-RPC error codes.
namespace rpc {
constexpr int ParseError = -32700;
constexpr int InvalidRequest = -32600;
constexpr int MethodNotFound = -32601;
constexpr int InvalidParams = -32602;
constexpr int InternalError = -32603;
constexpr int RequestCancelled = -32800; // not standard; used only locally
} // namespace rpc

} // namespace lanyard
