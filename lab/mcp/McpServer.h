// SPDX-License-Identifier: MIT
#pragma once

#include "http/HttpServer.h"
#include "mcp/McpAuth.h"
#include "util/Json.h"

#include <QMap>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

class QTimer;

namespace lanyard::lab {

namespace rpc {
constexpr int ParseError = -32700;
constexpr int InvalidRequest = -32600;
constexpr int MethodNotFound = -32601;
constexpr int InvalidParams = -32602;
constexpr int InternalError = -32603;
constexpr int ResourceNotFound = -32002;
} // namespace rpc

struct McpServerOptions
{
    QString name = QStringLiteral("lanyard-lab");
    QString title;
    QString version; // empty = LANYARD_VERSION
    QString instructions;
    QString path = QStringLiteral("/mcp");
    int pageSize = 50; // items per tools/resources/prompts list page
    // Supported protocol revisions, newest first.
    QStringList supportedVersions
        = { QStringLiteral("2025-11-25"), QStringLiteral("2025-06-18"), QStringLiteral("2025-03-26") };
    bool standaloneStream = true; // GET without Last-Event-ID opens a server-to-client stream (else 405)
    bool allowDelete = true; // DELETE ends a session (else 405)
    int sseRetryMs = 1000; // `retry` sent with the priming event and before a server-side close
    bool alwaysSse = false; // answer every request except initialize as an SSE stream
    int sseCloseAfterEvents = 0; // > 0: close the connection (not the stream) after this many events
    int heartbeatMs = 15000; // SSE comment on open streams; also the session-expiry sweep
    int maxSessions = 1000; // the least recently used session is dropped beyond this
    int sessionIdleTimeoutMs = 30 * 60 * 1000;
    QStringList allowedOrigins; // Origin values accepted besides loopback ones
    // RFC 9728 protected-resource metadata.
    QStringList authorizationServers;
    QStringList scopesSupported;
    // Prepended to a tool's required scope names in insufficient_scope challenges (Entra style:
    // the token's `scp` holds "HR.Write", the client asks for "api://lab-hr/HR.Write").
    QString scopePrefix;
    QString resourceName;
    QString resource; // canonical resource URI; empty = http://127.0.0.1:<port><path>
};

class McpServer;
struct McpSession;
struct SseStream;
class CallContext;
using CallPtr = std::shared_ptr<CallContext>;

// Handles one JSON-RPC request. Answer with ctx->respond(result) or ctx->fail(...), now or later.
using MethodHandler = std::function<void(const CallPtr& ctx)>;
using ToolHandler = std::function<void(const CallPtr& ctx)>;
// Completion values for an argument: current value, the other arguments already chosen.
using Completer = std::function<QStringList(const QString& value, const json& contextArguments, const Caller& caller)>;
using Visibility = std::function<bool(const Caller& caller)>;

struct ToolDefinition
{
    json descriptor; // name, title, description, inputSchema, outputSchema, annotations
    // Scopes the token must carry (authenticated callers only); missing → HTTP 403 insufficient_scope.
    QStringList requiredScopes;
    // The caller needs one of these roles; otherwise the call returns a tool error (isError).
    QStringList requiredRoles;
    Visibility visibleTo; // empty = listed for everyone
    ToolHandler handler;
};

struct ResourceDefinition
{
    json descriptor; // uri, name, title, description, mimeType, size
    Visibility visibleTo;
    std::function<json(const CallContext& ctx)> read; // the `contents` array
};

struct ResourceTemplateDefinition
{
    json descriptor; // uriTemplate ("hr://employees/{id}"), name, title, description, mimeType
    Visibility visibleTo;
    // The `contents` array for a matching URI, or nullopt when there is no such resource.
    std::function<std::optional<json>(
        const QString& uri, const QMap<QString, QString>& variables, const CallContext& ctx)>
        read;
    QMap<QString, Completer> completers; // per template variable
};

struct PromptDefinition
{
    json descriptor; // name, title, description, arguments [{name, description, required}]
    Visibility visibleTo;
    // {description?, messages}; required arguments are checked before this runs. Setting *error
    // answers with -32602 and that text instead.
    std::function<json(const json& arguments, const CallContext& ctx, QString* error)> get;
    QMap<QString, Completer> completers; // per argument
};

// One JSON-RPC request in flight, as tools and method handlers see it.
class CallContext : public std::enable_shared_from_this<CallContext>
{
public:
    ~CallContext();
    CallContext(const CallContext&) = delete;
    CallContext& operator=(const CallContext&) = delete;

    const QString& method() const { return m_method; }
    const json& id() const { return m_id; }
    const json& params() const { return m_params; }
    // params.arguments for tools/call and prompts/get, else an empty object.
    json arguments() const;
    const Caller& caller() const { return m_caller; }
    const Request& httpRequest() const { return m_httpRequest; }
    QString sessionId() const { return m_sessionId; }
    QString protocolVersion() const { return m_protocolVersion; }
    const json& clientCapabilities() const { return m_clientCapabilities; }
    bool clientSupports(const char* capability) const;
    McpServer* server() const { return m_server.data(); }

    bool hasProgressToken() const { return !m_progressToken.is_null(); }
    // notifications/progress (only when the request carried a progressToken).
    void progress(double progress, std::optional<double> total = std::nullopt, const QString& message = {});
    // notifications/message, if the session's log level lets `level` through.
    void log(const QString& level, const json& data, const QString& logger = {});
    // Any notification related to this request (sent on this request's stream).
    void notify(const QString& method, const json& params);
    // A request to the client (elicitation/create, sampling/createMessage, roots/list ...). The
    // callback gets the result, or a null result and the error object.
    using AnswerCallback = std::function<void(const json& result, const json& error)>;
    void request(const QString& method, const json& params, AnswerCallback onAnswer);
    // Form-mode elicitation/create. Fails at once (error -32601) if the client did not declare elicitation.
    void elicit(const QString& message, const json& requestedSchema, AnswerCallback onAnswer);

    void respond(const json& result);
    void fail(int code, const QString& message, const json& data = nullptr);
    // Answers with a bare HTTP status instead of JSON-RPC (only before anything was sent).
    bool rejectHttp(int status, const QByteArray& body, const HttpHeaders& headers = {});

    bool isCancelled() const { return m_cancelled; }
    bool isDone() const { return m_done; }
    // Runs when the client cancels (notifications/cancelled) or the session ends.
    void onCancelled(std::function<void()> callback);
    // A QObject that lives until the call ends: bind timers and connections to it.
    QObject* guard();

private:
    friend class McpServer;
    enum class Mode { Pending, Json, Sse };
    CallContext() = default;

    QPointer<McpServer> m_server;
    std::weak_ptr<McpSession> m_session;
    QString m_sessionId;
    QString m_protocolVersion;
    json m_clientCapabilities = json::object();
    QString m_method;
    json m_id;
    json m_params;
    json m_progressToken;
    Caller m_caller;
    Request m_httpRequest;
    ResponderPtr m_responder;
    Mode m_mode = Mode::Pending;
    int m_streamId = 0;
    bool m_done = false;
    bool m_cancelled = false;
    std::vector<std::function<void()>> m_cancelCallbacks;
    QObject* m_guard = nullptr;
};

// An MCP server over Streamable HTTP (protocol 2025-11-25, also 2025-06-18 and 2025-03-26):
// sessions (Mcp-Session-Id), JSON or SSE answers, resumable streams (Last-Event-ID), a
// standalone GET stream, tools/resources/prompts/completion/logging, progress, cancellation,
// elicitation, a pluggable auth hook and RFC 9728 protected-resource metadata.
class McpServer : public QObject
{
    Q_OBJECT
public:
    explicit McpServer(McpServerOptions options = {}, QObject* parent = nullptr);
    ~McpServer() override;

    // Registers the MCP endpoint and the metadata routes on `http` (which must outlive nothing
    // here: the server checks it is still alive). Call before or after http->listen().
    void attach(HttpServer* http);
    HttpServer* http() const { return m_http.data(); }
    const McpServerOptions& options() const { return m_options; }
    McpServerOptions& mutableOptions() { return m_options; }
    // http://127.0.0.1:<port><path>
    QUrl endpointUrl() const;
    QUrl resourceMetadataUrl() const;
    QString resourceUri() const;

    // Runs for every request to the endpoint. Default: auth::anonymous().
    void setAuthHook(AuthHook hook) { m_authHook = std::move(hook); }

    void addTool(ToolDefinition tool);
    bool removeTool(const QString& name);
    void addResource(ResourceDefinition resource);
    bool removeResource(const QString& uri);
    void addResourceTemplate(ResourceTemplateDefinition resourceTemplate);
    void addPrompt(PromptDefinition prompt);
    // Custom or replaced JSON-RPC methods.
    void setMethodHandler(const QString& method, MethodHandler handler);
    int toolCount() const { return int(m_tools.size()); }

    // Server-initiated notifications (sent on each session's GET stream, when it has one).
    void notifyToolsChanged();
    void notifyResourcesChanged();
    void notifyPromptsChanged();
    void notifyResourceUpdated(const QString& uri);
    void logMessage(const QString& level, const json& data, const QString& logger = {});

    int sessionCount() const { return int(m_sessions.size()); }
    QStringList sessionIds() const;
    void closeAllSessions();

    static QString latestProtocolVersion() { return QStringLiteral("2025-11-25"); }
    // Tool result helpers.
    static json textResult(const QString& text, bool isError = false);
    static json errorResult(const QString& text) { return textResult(text, true); }

signals:
    void sessionCreated(const QString& sessionId);
    void sessionClosed(const QString& sessionId);
    void requestStarted(const QString& method);
    void requestFinished(const QString& method);
    void requestCancelled(const QString& sessionId, const QString& requestId);
    // Every tools/call for a known tool. outcome: "allowed", "denied-role", "denied-scope", "invalid-arguments".
    void toolCalled(const QString& tool, const QString& subject, const QString& outcome);
    // A server-initiated message was dropped because the session has no GET stream.
    void notificationDropped(const QString& sessionId, const QString& method);

private:
    friend class CallContext;
    using SessionPtr = std::shared_ptr<McpSession>;

    void handleHttp(const Request& request, const ResponderPtr& responder);
    void handleMetadata(const Request& request, const ResponderPtr& responder);
    void handlePost(const Request& request, const ResponderPtr& responder, const Caller& caller);
    void handleGet(const Request& request, const ResponderPtr& responder, const Caller& caller);
    void handleDelete(const Request& request, const ResponderPtr& responder, const Caller& caller);
    void handleInitialize(
        const json& message, const Request& request, const ResponderPtr& responder, const Caller& caller);
    void handleNotification(const SessionPtr& session, const json& message);
    void handleClientResponse(const SessionPtr& session, const json& message);
    void dispatchRequest(const SessionPtr& session, const json& message, const Request& request,
        const ResponderPtr& responder, const Caller& caller);
    // Finds the session named by the request; on failure answers (400/404) and returns null.
    SessionPtr sessionFor(const Request& request, const ResponderPtr& responder, const Caller& caller);
    bool checkProtocolHeader(const Request& request, const ResponderPtr& responder);
    void sendRpcError(const ResponderPtr& responder, int httpStatus, const json& id, int code, const QString& message);
    void sendAuthChallenge(const ResponderPtr& responder, const AuthDecision& decision);
    QByteArray challengeFor(const AuthDecision& decision) const;
    bool originAllowed(const Request& request) const;

    // Call plumbing (used by CallContext).
    void sendOnCall(CallContext& ctx, const json& message);
    void finishCall(CallContext& ctx, const json& message);
    void cancelCall(CallContext& ctx, bool notifyClient);
    void openCallStream(CallContext& ctx, McpSession& session);
    void releaseCall(CallContext& ctx);

    // Streams.
    std::shared_ptr<SseStream> newStream(McpSession& session, bool standalone);
    void appendEvent(McpSession& session, SseStream& stream, const QByteArray& payload);
    void writeEvent(McpSession& session, SseStream& stream, int seq, const QByteArray& payload);
    void writePriming(McpSession& session, SseStream& stream);
    void attachLive(const std::shared_ptr<SseStream>& stream, const ResponderPtr& responder);
    void sendToSession(McpSession& session, const json& message);
    void endSession(const SessionPtr& session);
    void sweep();

    // Built-in methods.
    void registerBuiltins();
    json initializeResult(const QString& version) const;
    std::optional<json> paginate(const json& items, const char* key, const CallPtr& ctx);
    // The [first, end) page a request's cursor asks for, of `size` items (nullopt: answered with an error).
    std::optional<std::pair<qsizetype, qsizetype>> pageRange(qsizetype size, const CallPtr& ctx);
    static json pageResult(const char* key, json page, qsizetype end, qsizetype size);
    void toolsCall(const CallPtr& ctx);
    void resourcesRead(const CallPtr& ctx);
    void promptsGet(const CallPtr& ctx);
    void completionComplete(const CallPtr& ctx);
    const ToolDefinition* findTool(const QString& name, const Caller& caller) const;

    McpServerOptions m_options;
    QPointer<HttpServer> m_http;
    AuthHook m_authHook;
    std::vector<ToolDefinition> m_tools;
    std::map<QString, size_t> m_toolIndex;
    std::vector<ResourceDefinition> m_resources;
    std::vector<ResourceTemplateDefinition> m_templates;
    std::vector<PromptDefinition> m_prompts;
    std::map<QString, MethodHandler> m_methods;
    std::map<QString, SessionPtr> m_sessions;
    QTimer* m_sweepTimer = nullptr;
    quint64 m_nextServerRequestId = 1;
};

} // namespace lanyard::lab
