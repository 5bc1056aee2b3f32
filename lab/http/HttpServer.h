// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPair>
#include <QPointer>
#include <QString>
#include <QUrl>
#include <QUrlQuery>

#include <functional>
#include <memory>
#include <vector>

class QTcpServer;

namespace lanyard::lab {

using HttpHeaders = QList<QPair<QByteArray, QByteArray>>;

// One parsed HTTP/1.x request. Header lookup is case-insensitive.
struct Request
{
    QByteArray method; // "GET", "POST", ...
    QString path; // percent-decoded path, no query
    QUrlQuery query; // never log: may carry codes or tokens
    HttpHeaders headers; // as received (names in the client's spelling)
    QByteArray body; // de-chunked
    QByteArray httpVersion; // "HTTP/1.1" or "HTTP/1.0"
    QHostAddress peerAddress;
    quint16 peerPort = 0;
    quint16 localPort = 0;

    // First value of the header, or several values joined with ", ". Empty if absent.
    QByteArray header(const QByteArray& name) const;
    bool hasHeader(const QByteArray& name) const;
    QList<QByteArray> headerValues(const QByteArray& name) const;
};

class HttpConnection;

// Answers one request, either in one go (send) or as a stream (beginStream, write..., end).
// Handlers receive a shared pointer and may keep it to answer later; if the last reference
// goes away without an answer, the client gets a 500 (a started stream is ended).
class Responder
{
public:
    ~Responder();
    Responder(const Responder&) = delete;
    Responder& operator=(const Responder&) = delete;

    void send(int status, const QByteArray& body, const QByteArray& contentType = "text/plain; charset=utf-8",
        const HttpHeaders& headers = {});
    // Starts a streamed answer (chunked for HTTP/1.1). False if the client is gone or an answer started.
    bool beginStream(int status, const QByteArray& contentType, const HttpHeaders& headers = {});
    // Writes one piece of a streamed answer. False if the client is gone.
    bool write(const QByteArray& data);
    // Finishes a streamed answer (the connection then serves the next request or closes).
    void end();

    bool isConnected() const;
    bool hasStarted() const { return m_started; }
    bool isFinished() const { return m_finished; }
    int status() const { return m_status; }
    // Runs once when the client goes away before the answer finished (not after a normal end).
    void onDisconnected(std::function<void()> callback);

private:
    friend class HttpConnection;
    Responder(HttpConnection* connection, quint64 serial);
    void markDisconnected();

    QPointer<HttpConnection> m_connection;
    quint64 m_serial = 0;
    bool m_started = false;
    bool m_finished = false;
    bool m_disconnected = false;
    int m_status = 0;
    std::vector<std::function<void()>> m_disconnectCallbacks;
};

using ResponderPtr = std::shared_ptr<Responder>;
using HttpHandler = std::function<void(const Request& request, const ResponderPtr& responder)>;

// Fault injection for the fault campaign. Applies to requests whose path starts with
// pathPrefix (empty = every path); `remaining` counts affected requests (-1 = no limit).
struct HttpFaults
{
    int latencyMs = 0; // wait this long before the handler runs
    qint64 dropAfterBodyBytes = -1; // abort the connection after this many body bytes
    QByteArray contentTypeOverride; // send this Content-Type instead of the real one
    bool truncateBody = false; // announce the full length, send half, close
    // Instead of the handler's answer (the handler does not run):
    bool reset = false; // abort the connection before any answer (a reset)
    int status = 0; // answer this status with `body` (or a short text), e.g. 500, 503
    QByteArray body; // answer this body (status 200 unless `status`), with contentTypeOverride
    QUrl redirectTo; // answer 307 to this address (another origin, say)
    qint64 hugeBytes = 0; // answer a JSON-looking body this long, streamed, never held in memory
    // Slow drip: the answer's body goes out `dripBytes` at a time every `dripIntervalMs`.
    int dripBytes = 0;
    int dripIntervalMs = 0;
    QString pathPrefix;
    QByteArray bodyContains; // only requests whose body contains this (e.g. "\"tools/call\"")
    int remaining = -1;

    bool replacesAnswer() const
    {
        return reset || status > 0 || !body.isEmpty() || redirectTo.isValid() || hugeBytes > 0;
    }
    bool any() const
    {
        return latencyMs > 0 || dropAfterBodyBytes >= 0 || !contentTypeOverride.isEmpty() || truncateBody
            || replacesAnswer() || dripBytes > 0;
    }
};

// A small HTTP/1.1 server for the lab: loopback only, keep-alive, Content-Length and chunked
// request bodies, size limits, routing by method + exact path or path prefix, streamed answers.
// Logs "METHOD /path STATUS" at info level (lcLab); never queries, bodies or header values.
class HttpServer : public QObject
{
    Q_OBJECT
public:
    explicit HttpServer(QObject* parent = nullptr);
    ~HttpServer() override;

    // Binds 127.0.0.1:port (0 = any free port). False with *error set on failure.
    bool listen(quint16 port = 0, QString* error = nullptr);
    void close();
    bool isListening() const;
    quint16 port() const;
    QHostAddress address() const;
    // http://127.0.0.1:<port>
    QUrl baseUrl() const;

    // method empty = any method. Exact routes win over prefix routes; the longest prefix wins.
    void route(const QByteArray& method, const QString& path, HttpHandler handler);
    void routePrefix(const QByteArray& method, const QString& prefix, HttpHandler handler);
    bool hasRoute(const QByteArray& method, const QString& path) const;

    void setMaxRequestBodyBytes(qint64 bytes) { m_maxBodyBytes = bytes; }
    qint64 maxRequestBodyBytes() const { return m_maxBodyBytes; }
    void setMaxHeaderBytes(qint64 bytes) { m_maxHeaderBytes = bytes; }
    qint64 maxHeaderBytes() const { return m_maxHeaderBytes; }
    void setIdleTimeoutMs(int ms) { m_idleTimeoutMs = ms; }
    int idleTimeoutMs() const { return m_idleTimeoutMs; }
    // Name used in log lines ("hr", "docs", ...).
    void setName(const QString& name) { m_name = name; }
    QString name() const { return m_name; }

    void setFaults(const HttpFaults& faults) { m_faults = faults; }
    HttpFaults faults() const { return m_faults; }
    void clearFaults() { m_faults = HttpFaults(); }

    int openConnectionCount() const { return int(m_connections.size()); }
    // Most connections served at once; further ones are closed at once.
    void setMaxConnections(int count) { m_maxConnections = count; }

signals:
    // After the status line of an answer went out (or a request was refused by the parser).
    void requestHandled(const QByteArray& method, const QString& path, int status);

private:
    friend class HttpConnection;
    struct Route
    {
        QByteArray method;
        QString path;
        bool prefix = false;
        HttpHandler handler;
    };
    void onNewConnection();
    // Finds the handler; sets *status to 404/405 (and *allow) when there is none.
    const Route* findRoute(const QByteArray& method, const QString& path, int* status, QByteArray* allow) const;
    // Faults that apply to this path (consumes one from `remaining`).
    HttpFaults takeFaults(const QString& path, const QByteArray& body);
    void logRequest(const QByteArray& method, const QString& path, int status);

    QTcpServer* m_server = nullptr;
    QList<HttpConnection*> m_connections;
    std::vector<Route> m_routes;
    qint64 m_maxBodyBytes = 16 * 1024 * 1024;
    qint64 m_maxHeaderBytes = 32 * 1024;
    int m_idleTimeoutMs = 60000;
    int m_maxConnections = 256;
    QString m_name;
    HttpFaults m_faults;
};

// Reason phrase for a status code ("Not Found").
QByteArray httpReasonPhrase(int status);

} // namespace lanyard::lab
