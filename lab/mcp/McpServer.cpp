// SPDX-License-Identifier: MIT
#include "McpServer.h"

#include "lanyard/Version.h"
#include "util/Logging.h"
#include "util/Redact.h"

#include <QDateTime>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSet>
#include <QTimer>

#include <algorithm>
#include <array>
#include <exception>

namespace lanyard::lab {

namespace {

constexpr size_t kMaxEventsPerStream = 2000;
constexpr size_t kMaxStreamsPerSession = 64;
constexpr int kMaxCompletionValues = 100;
const QString kWellKnownResource = QStringLiteral("/.well-known/oauth-protected-resource");
const QByteArray kCursorPrefix = "lab-page:";

const std::array<const char*, 8> kLogLevels
    = { "debug", "info", "notice", "warning", "error", "critical", "alert", "emergency" };

int logLevelIndex(const QString& level)
{
    for (size_t i = 0; i < kLogLevels.size(); ++i) {
        if (level == QLatin1String(kLogLevels[i]))
            return int(i);
    }
    return -1;
}

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QString newSessionId()
{
    std::array<quint32, 4> words {};
    QRandomGenerator::system()->fillRange(words.data(), words.size());
    QByteArray bytes(reinterpret_cast<const char*>(words.data()), int(sizeof(words)));
    return QString::fromLatin1(bytes.toHex());
}

QList<QByteArray> mediaTypes(const Request& request, const QByteArray& header)
{
    QList<QByteArray> out;
    for (const QByteArray& part : request.header(header).split(',')) {
        const QByteArray type = part.split(';').first().trimmed().toLower();
        if (!type.isEmpty())
            out << type;
    }
    return out;
}

bool acceptsType(const QList<QByteArray>& types, const QByteArray& type)
{
    const QByteArray family = type.left(type.indexOf('/')) + "/*";
    return types.contains(type) || types.contains("*/*") || types.contains(family);
}

QByteArray quoteSafe(QByteArray v)
{
    v.replace('"', "");
    v.replace('\\', "");
    v.replace('\r', ' ');
    v.replace('\n', ' ');
    return v;
}

json rpcError(const json& id, int code, const QString& message, const json& data = nullptr)
{
    json err = { { "code", code }, { "message", message.toStdString() } };
    if (!data.is_null())
        err["data"] = data;
    return { { "jsonrpc", "2.0" }, { "id", id }, { "error", err } };
}

const HttpHeaders& sseHeaders()
{
    static const HttpHeaders headers = { { "Cache-Control", "no-cache" } };
    return headers;
}

QByteArray eventId(int streamId, int seq)
{
    return QByteArray::number(streamId) + '-' + QByteArray::number(seq);
}

bool visible(const Visibility& v, const Caller& caller)
{
    return !v || v(caller);
}

// A short reason when `args` does not fit the (simple) input schema; empty when it fits.
QString validateArguments(const json& schema, const json& args)
{
    if (!schema.is_object())
        return {};
    if (auto req = schema.find("required"); req != schema.end() && req->is_array()) {
        for (const auto& r : *req) {
            if (r.is_string() && !args.contains(r.get<std::string>()))
                return QStringLiteral("missing required argument '%1'")
                    .arg(QString::fromStdString(r.get<std::string>()));
        }
    }
    const json props = schema.value("properties", json::object());
    const bool closed = schema.contains("additionalProperties") && schema["additionalProperties"] == false;
    for (auto it = args.begin(); it != args.end(); ++it) {
        const QString key = QString::fromStdString(it.key());
        if (!props.is_object() || !props.contains(it.key())) {
            if (closed)
                return QStringLiteral("unknown argument '%1'").arg(key);
            continue;
        }
        const json& p = props[it.key()];
        const std::string type = p.value("type", std::string());
        const json& v = it.value();
        bool ok = true;
        if (type == "string")
            ok = v.is_string();
        else if (type == "integer")
            ok = v.is_number_integer() || (v.is_number_float() && v.get<double>() == double(qint64(v.get<double>())));
        else if (type == "number")
            ok = v.is_number();
        else if (type == "boolean")
            ok = v.is_boolean();
        else if (type == "object")
            ok = v.is_object();
        else if (type == "array")
            ok = v.is_array();
        if (!ok)
            return QStringLiteral("argument '%1' must be of type %2").arg(key, QString::fromStdString(type));
        if (auto e = p.find("enum"); e != p.end() && e->is_array()) {
            if (std::find(e->begin(), e->end(), v) == e->end())
                return QStringLiteral("argument '%1' is not one of the allowed values").arg(key);
        }
        if (v.is_number()) {
            const double d = v.get<double>();
            if (p.contains("minimum") && p["minimum"].is_number() && d < p["minimum"].get<double>())
                return QStringLiteral("argument '%1' is below its minimum").arg(key);
            if (p.contains("maximum") && p["maximum"].is_number() && d > p["maximum"].get<double>())
                return QStringLiteral("argument '%1' is above its maximum").arg(key);
        }
    }
    return {};
}

// RFC 6570 level 1 only ({var} matches one path segment). Fills *vars on a match.
bool matchTemplate(const QString& uriTemplate, const QString& uri, QMap<QString, QString>* vars)
{
    static const QRegularExpression varRe(QStringLiteral("\\{([A-Za-z0-9_]+)\\}"));
    QString pattern = QStringLiteral("^");
    QStringList names;
    qsizetype pos = 0;
    auto it = varRe.globalMatch(uriTemplate);
    while (it.hasNext()) {
        const auto m = it.next();
        pattern += QRegularExpression::escape(uriTemplate.mid(pos, m.capturedStart() - pos));
        pattern += QStringLiteral("([^/?#]+)");
        names << m.captured(1);
        pos = m.capturedEnd();
    }
    pattern += QRegularExpression::escape(uriTemplate.mid(pos)) + QStringLiteral("$");
    const QRegularExpression re(pattern);
    const auto m = re.match(uri);
    if (!m.hasMatch())
        return false;
    for (qsizetype i = 0; i < names.size(); ++i)
        vars->insert(names[i], QUrl::fromPercentEncoding(m.captured(int(i) + 1).toUtf8()));
    return true;
}

} // namespace

struct SseStream
{
    int id = 0;
    bool standalone = false;
    bool finished = false;
    std::vector<std::pair<int, QByteArray>> events;
    int nextSeq = 1;
    ResponderPtr live;
    int eventsOnConnection = 0;
    quint64 liveGeneration = 0;
};

struct PendingServerRequest
{
    std::weak_ptr<CallContext> call;
    CallContext::AnswerCallback callback;
};

struct McpSession
{
    QString id;
    QString protocolVersion;
    QString owner;
    json clientCapabilities = json::object();
    json clientInfo = json::object();
    bool initialized = false;
    bool ended = false;
    int logLevel = -1; // off until logging/setLevel
    QSet<QString> subscriptions;
    std::map<int, std::shared_ptr<SseStream>> streams;
    int nextStreamId = 1;
    int standaloneStreamId = 0;
    std::map<std::string, CallPtr> inFlight;
    std::map<std::string, PendingServerRequest> pending;
    qint64 lastSeenMs = 0;
};

// ---- CallContext ------------------------------------------------------------------------------

CallContext::~CallContext()
{
    if (m_guard)
        m_guard->deleteLater();
}

json CallContext::arguments() const
{
    if (m_params.is_object()) {
        auto it = m_params.find("arguments");
        if (it != m_params.end() && it->is_object())
            return *it;
    }
    return json::object();
}

bool CallContext::clientSupports(const char* capability) const
{
    auto it = m_clientCapabilities.find(capability);
    return it != m_clientCapabilities.end() && (it->is_object() || (it->is_boolean() && it->get<bool>()));
}

void CallContext::progress(double value, std::optional<double> total, const QString& message)
{
    if (!hasProgressToken() || m_done)
        return;
    json params = { { "progressToken", m_progressToken }, { "progress", value } };
    if (total)
        params["total"] = *total;
    if (!message.isEmpty())
        params["message"] = message.toStdString();
    notify(QStringLiteral("notifications/progress"), params);
}

void CallContext::log(const QString& level, const json& data, const QString& logger)
{
    auto session = m_session.lock();
    if (!session || session->logLevel < 0 || logLevelIndex(level) < session->logLevel)
        return;
    json params = { { "level", level.toStdString() }, { "data", data } };
    if (!logger.isEmpty())
        params["logger"] = logger.toStdString();
    notify(QStringLiteral("notifications/message"), params);
}

void CallContext::notify(const QString& method, const json& params)
{
    if (m_done || !m_server)
        return;
    auto self = shared_from_this();
    json message = { { "jsonrpc", "2.0" }, { "method", method.toStdString() } };
    if (!params.is_null())
        message["params"] = params;
    m_server->sendOnCall(*this, message);
}

void CallContext::request(const QString& method, const json& params, AnswerCallback onAnswer)
{
    auto session = m_session.lock();
    if (m_done || !m_server || !session)
        return;
    auto self = shared_from_this();
    const json id = "lab-" + std::to_string(m_server->m_nextServerRequestId++);
    session->pending[id.dump()] = PendingServerRequest { weak_from_this(), std::move(onAnswer) };
    m_server->sendOnCall(
        *this, { { "jsonrpc", "2.0" }, { "id", id }, { "method", method.toStdString() }, { "params", params } });
}

void CallContext::elicit(const QString& message, const json& requestedSchema, AnswerCallback onAnswer)
{
    if (!clientSupports("elicitation")) {
        onAnswer(nullptr,
            { { "code", rpc::MethodNotFound },
                { "message", "The client did not declare the elicitation capability." } });
        return;
    }
    json params = { { "message", message.toStdString() }, { "requestedSchema", requestedSchema } };
    if (m_protocolVersion >= QLatin1String("2025-11-25"))
        params["mode"] = "form";
    request(QStringLiteral("elicitation/create"), params, std::move(onAnswer));
}

void CallContext::respond(const json& result)
{
    if (m_done || !m_server)
        return;
    auto self = shared_from_this();
    m_server->finishCall(*this, { { "jsonrpc", "2.0" }, { "id", m_id }, { "result", result } });
}

void CallContext::fail(int code, const QString& message, const json& data)
{
    if (m_done || !m_server)
        return;
    auto self = shared_from_this();
    m_server->finishCall(*this, rpcError(m_id, code, message, data));
}

bool CallContext::rejectHttp(int status, const QByteArray& body, const HttpHeaders& headers)
{
    if (m_done || !m_server || m_mode != Mode::Pending || !m_responder || m_responder->hasStarted())
        return false;
    auto self = shared_from_this();
    m_done = true;
    m_responder->send(status, body, "application/json", headers);
    m_server->releaseCall(*this);
    emit m_server->requestFinished(m_method);
    return true;
}

void CallContext::onCancelled(std::function<void()> callback)
{
    if (m_cancelled) {
        callback();
        return;
    }
    if (!m_done)
        m_cancelCallbacks.push_back(std::move(callback));
}

QObject* CallContext::guard()
{
    if (!m_guard)
        m_guard = new QObject();
    return m_guard;
}

// ---- McpServer: setup -------------------------------------------------------------------------

McpServer::McpServer(McpServerOptions options, QObject* parent)
    : QObject(parent)
    , m_options(std::move(options))
{
    if (m_options.version.isEmpty())
        m_options.version = QStringLiteral(LANYARD_VERSION);
    if (m_options.supportedVersions.isEmpty())
        m_options.supportedVersions = { latestProtocolVersion() };
    if (m_options.pageSize <= 0)
        m_options.pageSize = 50;
    m_authHook = auth::anonymous();
    registerBuiltins();
    m_sweepTimer = new QTimer(this);
    m_sweepTimer->setInterval(qMax(100, m_options.heartbeatMs));
    connect(m_sweepTimer, &QTimer::timeout, this, [this] { sweep(); });
    m_sweepTimer->start();
}

McpServer::~McpServer()
{
    closeAllSessions();
}

void McpServer::attach(HttpServer* http)
{
    m_http = http;
    QPointer<McpServer> self(this);
    http->route("", m_options.path, [self](const Request& request, const ResponderPtr& responder) {
        if (!self) {
            responder->send(503, "server gone\n");
            return;
        }
        self->handleHttp(request, responder);
    });
    auto metadata = [self](const Request& request, const ResponderPtr& responder) {
        if (!self) {
            responder->send(503, "server gone\n");
            return;
        }
        self->handleMetadata(request, responder);
    };
    http->route(
        "GET", kWellKnownResource + (m_options.path == QLatin1String("/") ? QString() : m_options.path), metadata);
    if (!http->hasRoute("GET", kWellKnownResource))
        http->route("GET", kWellKnownResource, metadata);
}

QUrl McpServer::endpointUrl() const
{
    if (!m_http)
        return {};
    QUrl url = m_http->baseUrl();
    url.setPath(m_options.path);
    return url;
}

QUrl McpServer::resourceMetadataUrl() const
{
    if (!m_http)
        return {};
    QUrl url = m_http->baseUrl();
    url.setPath(kWellKnownResource + (m_options.path == QLatin1String("/") ? QString() : m_options.path));
    return url;
}

QString McpServer::resourceUri() const
{
    return m_options.resource.isEmpty() ? endpointUrl().toString() : m_options.resource;
}

void McpServer::addTool(ToolDefinition tool)
{
    const QString name = qs(tool.descriptor, "name");
    if (name.isEmpty())
        return;
    if (!tool.descriptor.contains("inputSchema"))
        tool.descriptor["inputSchema"] = { { "type", "object" }, { "properties", json::object() } };
    auto it = m_toolIndex.find(name);
    if (it != m_toolIndex.end()) {
        m_tools[it->second] = std::move(tool);
    } else {
        m_toolIndex[name] = m_tools.size();
        m_tools.push_back(std::move(tool));
    }
    if (!m_sessions.empty())
        notifyToolsChanged();
}

bool McpServer::removeTool(const QString& name)
{
    auto it = m_toolIndex.find(name);
    if (it == m_toolIndex.end())
        return false;
    m_tools.erase(m_tools.begin() + qsizetype(it->second));
    m_toolIndex.clear();
    for (size_t i = 0; i < m_tools.size(); ++i)
        m_toolIndex[qs(m_tools[i].descriptor, "name")] = i;
    notifyToolsChanged();
    return true;
}

void McpServer::addResource(ResourceDefinition resource)
{
    m_resources.push_back(std::move(resource));
    if (!m_sessions.empty())
        notifyResourcesChanged();
}

bool McpServer::removeResource(const QString& uri)
{
    const auto before = m_resources.size();
    m_resources.erase(std::remove_if(m_resources.begin(), m_resources.end(),
                          [&](const ResourceDefinition& r) { return qs(r.descriptor, "uri") == uri; }),
        m_resources.end());
    if (m_resources.size() == before)
        return false;
    notifyResourcesChanged();
    return true;
}

void McpServer::addResourceTemplate(ResourceTemplateDefinition resourceTemplate)
{
    m_templates.push_back(std::move(resourceTemplate));
    if (!m_sessions.empty())
        notifyResourcesChanged();
}

void McpServer::addPrompt(PromptDefinition prompt)
{
    m_prompts.push_back(std::move(prompt));
    if (!m_sessions.empty())
        notifyPromptsChanged();
}

void McpServer::setMethodHandler(const QString& method, MethodHandler handler)
{
    m_methods[method] = std::move(handler);
}

QStringList McpServer::sessionIds() const
{
    QStringList out;
    for (const auto& [id, session] : m_sessions)
        out << id;
    return out;
}

void McpServer::closeAllSessions()
{
    std::vector<SessionPtr> all;
    for (const auto& [id, session] : m_sessions)
        all.push_back(session);
    for (const auto& s : all)
        endSession(s);
}

json McpServer::textResult(const QString& text, bool isError)
{
    json r = { { "content", json::array({ { { "type", "text" }, { "text", text.toStdString() } } }) } };
    if (isError)
        r["isError"] = true;
    return r;
}

// ---- HTTP level -------------------------------------------------------------------------------

bool McpServer::originAllowed(const Request& request) const
{
    const QByteArray origin = request.header("Origin");
    if (origin.isEmpty())
        return true;
    if (m_options.allowedOrigins.contains(QString::fromLatin1(origin)))
        return true;
    const QUrl url(QString::fromLatin1(origin));
    if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")))
        return false;
    const QString host = url.host();
    return host == QLatin1String("127.0.0.1") || host == QLatin1String("localhost") || host == QLatin1String("::1");
}

void McpServer::sendRpcError(
    const ResponderPtr& responder, int httpStatus, const json& id, int code, const QString& message)
{
    responder->send(httpStatus, dumpJson(rpcError(id, code, message)), "application/json");
}

QByteArray McpServer::challengeFor(const AuthDecision& decision) const
{
    if (!decision.wwwAuthenticate.isEmpty())
        return decision.wwwAuthenticate;
    QList<QByteArray> parts;
    parts << "resource_metadata=\"" + quoteSafe(resourceMetadataUrl().toString().toUtf8()) + '"';
    const QByteArray scope
        = decision.scope.isEmpty() ? m_options.scopesSupported.join(QLatin1Char(' ')).toUtf8() : decision.scope;
    if (!scope.isEmpty())
        parts << "scope=\"" + quoteSafe(scope) + '"';
    if (!decision.error.isEmpty())
        parts << "error=\"" + quoteSafe(decision.error) + '"';
    if (!decision.errorDescription.isEmpty())
        parts << "error_description=\"" + quoteSafe(decision.errorDescription) + '"';
    return "Bearer " + parts.join(", ");
}

void McpServer::sendAuthChallenge(const ResponderPtr& responder, const AuthDecision& decision)
{
    const int status = decision.status == 403 ? 403 : 401;
    json body = { { "error",
        decision.error.isEmpty() ? std::string(status == 401 ? "unauthorized" : "forbidden")
                                 : decision.error.toStdString() } };
    if (!decision.errorDescription.isEmpty())
        body["error_description"] = decision.errorDescription.toStdString();
    responder->send(status, dumpJson(body), "application/json", { { "WWW-Authenticate", challengeFor(decision) } });
}

void McpServer::handleMetadata(const Request&, const ResponderPtr& responder)
{
    json doc
        = { { "resource", resourceUri().toStdString() }, { "bearer_methods_supported", json::array({ "header" }) } };
    if (!m_options.authorizationServers.isEmpty()) {
        json servers = json::array();
        for (const QString& s : m_options.authorizationServers)
            servers.push_back(s.toStdString());
        doc["authorization_servers"] = servers;
    }
    if (!m_options.scopesSupported.isEmpty()) {
        json scopes = json::array();
        for (const QString& s : m_options.scopesSupported)
            scopes.push_back(s.toStdString());
        doc["scopes_supported"] = scopes;
    }
    if (!m_options.resourceName.isEmpty())
        doc["resource_name"] = m_options.resourceName.toStdString();
    responder->send(200, dumpJson(doc, 2), "application/json");
}

void McpServer::handleHttp(const Request& request, const ResponderPtr& responder)
{
    if (!originAllowed(request)) {
        qCInfo(lcLab).noquote() << QStringLiteral("[%1]").arg(m_options.name)
                                << "refused a request from a foreign Origin";
        sendRpcError(responder, 403, nullptr, rpc::InvalidRequest, QStringLiteral("Origin not allowed"));
        return;
    }
    const AuthDecision decision = m_authHook ? m_authHook(request) : AuthDecision::allowAnonymous();
    if (!decision.allowed) {
        sendAuthChallenge(responder, decision);
        return;
    }
    Caller caller;
    caller.claims = decision.claims;
    caller.anonymous = decision.anonymous;
    if (request.method == "POST")
        handlePost(request, responder, caller);
    else if (request.method == "GET")
        handleGet(request, responder, caller);
    else if (request.method == "DELETE")
        handleDelete(request, responder, caller);
    else
        responder->send(405, "Method Not Allowed\n", "text/plain", { { "Allow", "GET, POST, DELETE" } });
}

bool McpServer::checkProtocolHeader(const Request& request, const ResponderPtr& responder)
{
    const QString version = QString::fromLatin1(request.header("MCP-Protocol-Version").trimmed());
    if (version.isEmpty() || m_options.supportedVersions.contains(version))
        return true;
    sendRpcError(responder, 400, nullptr, rpc::InvalidRequest,
        QStringLiteral("Unsupported MCP-Protocol-Version '%1'; this server supports %2.")
            .arg(version.left(40), m_options.supportedVersions.join(QStringLiteral(", "))));
    return false;
}

McpServer::SessionPtr McpServer::sessionFor(const Request& request, const ResponderPtr& responder, const Caller& caller)
{
    const QString id = QString::fromLatin1(request.header("Mcp-Session-Id").trimmed());
    if (id.isEmpty()) {
        sendRpcError(responder, 400, nullptr, rpc::InvalidRequest,
            QStringLiteral("Missing Mcp-Session-Id header: send initialize first."));
        return {};
    }
    auto it = m_sessions.find(id);
    if (it == m_sessions.end()) {
        sendRpcError(responder, 404, nullptr, rpc::InvalidRequest,
            QStringLiteral("Session not found (expired or ended): initialize again."));
        return {};
    }
    if (it->second->owner != caller.subject()) {
        // Sessions are bound to the caller that created them; another caller cannot use one.
        qCInfo(lcLab).noquote() << QStringLiteral("[%1]").arg(m_options.name)
                                << "session used by another caller; refused";
        sendRpcError(responder, 404, nullptr, rpc::InvalidRequest,
            QStringLiteral("Session not found (expired or ended): initialize again."));
        return {};
    }
    it->second->lastSeenMs = nowMs();
    return it->second;
}

void McpServer::handlePost(const Request& request, const ResponderPtr& responder, const Caller& caller)
{
    const QList<QByteArray> accepted = mediaTypes(request, "Accept");
    if (!acceptsType(accepted, "application/json") || !acceptsType(accepted, "text/event-stream")) {
        sendRpcError(responder, 406, nullptr, rpc::InvalidRequest,
            QStringLiteral("The Accept header must list application/json and text/event-stream."));
        return;
    }
    const QList<QByteArray> contentType = mediaTypes(request, "Content-Type");
    if (contentType.isEmpty() || contentType.first() != "application/json") {
        sendRpcError(responder, 415, nullptr, rpc::InvalidRequest,
            QStringLiteral("The body must be JSON (Content-Type: application/json)."));
        return;
    }
    QString parseError;
    const std::optional<json> parsed = parseJson(request.body, &parseError);
    if (!parsed) {
        sendRpcError(responder, 400, nullptr, rpc::ParseError, QStringLiteral("Parse error: %1").arg(parseError));
        return;
    }
    const json& message = *parsed;
    if (message.is_array()) {
        sendRpcError(responder, 400, nullptr, rpc::InvalidRequest,
            QStringLiteral("JSON-RPC batches are not supported (removed in protocol 2025-06-18)."));
        return;
    }
    if (!message.is_object() || message.value("jsonrpc", json()) != "2.0") {
        sendRpcError(responder, 400, nullptr, rpc::InvalidRequest,
            QStringLiteral("Invalid Request: not a JSON-RPC 2.0 message."));
        return;
    }
    const bool hasId = message.contains("id");
    const json id = hasId ? message["id"] : json();
    if (hasId && !id.is_string() && !id.is_number_integer()) {
        sendRpcError(responder, 400, nullptr, rpc::InvalidRequest,
            QStringLiteral("Invalid Request: id must be a string or an integer."));
        return;
    }
    const bool hasMethod = message.contains("method");
    if (hasMethod && !message["method"].is_string()) {
        sendRpcError(
            responder, 400, id, rpc::InvalidRequest, QStringLiteral("Invalid Request: method must be a string."));
        return;
    }
    if (message.contains("params") && !message["params"].is_object() && !message["params"].is_array()) {
        sendRpcError(
            responder, 400, id, rpc::InvalidRequest, QStringLiteral("Invalid Request: params must be structured."));
        return;
    }
    const bool isResponse = !hasMethod && hasId && (message.contains("result") != message.contains("error"));
    if (!hasMethod && !isResponse) {
        sendRpcError(responder, 400, id, rpc::InvalidRequest,
            QStringLiteral("Invalid Request: neither a request, a notification nor a response."));
        return;
    }
    if (hasMethod && hasId && message["method"] == "initialize") {
        handleInitialize(message, request, responder, caller);
        return;
    }
    const SessionPtr session = sessionFor(request, responder, caller);
    if (!session)
        return;
    if (!checkProtocolHeader(request, responder))
        return;
    if (isResponse) {
        handleClientResponse(session, message);
        responder->send(202, {}, {});
        return;
    }
    if (!hasId) {
        handleNotification(session, message);
        responder->send(202, {}, {});
        return;
    }
    dispatchRequest(session, message, request, responder, caller);
}

void McpServer::handleInitialize(
    const json& message, const Request&, const ResponderPtr& responder, const Caller& caller)
{
    const json params = message.value("params", json::object());
    if (!params.is_object() || !params.contains("protocolVersion") || !params["protocolVersion"].is_string()) {
        responder->send(200,
            dumpJson(rpcError(
                message["id"], rpc::InvalidParams, QStringLiteral("initialize needs params.protocolVersion."))),
            "application/json");
        return;
    }
    const QString requested = QString::fromStdString(params["protocolVersion"].get<std::string>());
    const QString version
        = m_options.supportedVersions.contains(requested) ? requested : m_options.supportedVersions.first();

    if (int(m_sessions.size()) >= m_options.maxSessions) {
        SessionPtr oldest;
        for (const auto& [sid, s] : m_sessions) {
            if (!oldest || s->lastSeenMs < oldest->lastSeenMs)
                oldest = s;
        }
        if (oldest)
            endSession(oldest);
    }
    auto session = std::make_shared<McpSession>();
    session->id = newSessionId();
    session->protocolVersion = version;
    session->owner = caller.subject();
    if (params.contains("capabilities") && params["capabilities"].is_object())
        session->clientCapabilities = params["capabilities"];
    if (params.contains("clientInfo") && params["clientInfo"].is_object())
        session->clientInfo = params["clientInfo"];
    session->lastSeenMs = nowMs();
    m_sessions[session->id] = session;

    qCInfo(lcLab).noquote() << QStringLiteral("[%1]").arg(m_options.name) << "session started, protocol" << version
                            << "client" << redact::text(qs(session->clientInfo, "name").left(60));
    const json response = { { "jsonrpc", "2.0" }, { "id", message["id"] }, { "result", initializeResult(version) } };
    responder->send(200, dumpJson(response), "application/json", { { "Mcp-Session-Id", session->id.toLatin1() } });
    emit sessionCreated(session->id);
}

json McpServer::initializeResult(const QString& version) const
{
    json caps = { { "tools", { { "listChanged", true } } }, { "logging", json::object() } };
    if (!m_resources.empty() || !m_templates.empty())
        caps["resources"] = { { "subscribe", true }, { "listChanged", true } };
    if (!m_prompts.empty())
        caps["prompts"] = { { "listChanged", true } };
    bool anyCompleter = false;
    for (const auto& p : m_prompts)
        anyCompleter = anyCompleter || !p.completers.isEmpty();
    for (const auto& t : m_templates)
        anyCompleter = anyCompleter || !t.completers.isEmpty();
    if (anyCompleter)
        caps["completions"] = json::object();
    json info = { { "name", m_options.name.toStdString() }, { "version", m_options.version.toStdString() } };
    if (!m_options.title.isEmpty())
        info["title"] = m_options.title.toStdString();
    json result = { { "protocolVersion", version.toStdString() }, { "capabilities", caps }, { "serverInfo", info } };
    if (!m_options.instructions.isEmpty())
        result["instructions"] = m_options.instructions.toStdString();
    return result;
}

void McpServer::handleNotification(const SessionPtr& session, const json& message)
{
    const std::string method = message["method"].get<std::string>();
    if (method == "notifications/initialized") {
        session->initialized = true;
    } else if (method == "notifications/cancelled") {
        const json params = message.value("params", json::object());
        if (!params.is_object() || !params.contains("requestId"))
            return;
        auto it = session->inFlight.find(params["requestId"].dump());
        if (it == session->inFlight.end())
            return; // already answered, or unknown: ignore (the spec asks us to)
        CallPtr call = it->second;
        if (call->method() == QLatin1String("initialize"))
            return;
        qCInfo(lcLab).noquote() << QStringLiteral("[%1]").arg(m_options.name) << "client cancelled" << call->method();
        cancelCall(*call, true);
    }
}

void McpServer::handleClientResponse(const SessionPtr& session, const json& message)
{
    auto it = session->pending.find(message["id"].dump());
    if (it == session->pending.end()) {
        qCDebug(lcLab) << "response to an unknown server request ignored";
        return;
    }
    PendingServerRequest pending = std::move(it->second);
    session->pending.erase(it);
    CallPtr call = pending.call.lock();
    if (!call || call->isDone() || !pending.callback)
        return;
    const json result = message.contains("result") ? message["result"] : json();
    const json error = message.contains("error") ? message["error"] : json();
    try {
        pending.callback(result, error);
    } catch (const std::exception& e) {
        qCWarning(lcLab) << "handler failed on a client answer:" << e.what();
        call->fail(rpc::InternalError, QStringLiteral("Internal error"));
    }
}

void McpServer::dispatchRequest(const SessionPtr& session, const json& message, const Request& request,
    const ResponderPtr& responder, const Caller& caller)
{
    CallPtr ctx(new CallContext());
    ctx->m_server = this;
    ctx->m_session = session;
    ctx->m_sessionId = session->id;
    ctx->m_protocolVersion = session->protocolVersion;
    ctx->m_clientCapabilities = session->clientCapabilities;
    ctx->m_method = QString::fromStdString(message["method"].get<std::string>());
    ctx->m_id = message["id"];
    ctx->m_params = message.value("params", json::object());
    ctx->m_caller = caller;
    ctx->m_httpRequest = request;
    ctx->m_responder = responder;
    if (ctx->m_params.is_object()) {
        const json meta = ctx->m_params.value("_meta", json::object());
        if (meta.is_object() && meta.contains("progressToken")
            && (meta["progressToken"].is_string() || meta["progressToken"].is_number_integer()))
            ctx->m_progressToken = meta["progressToken"];
    }
    const std::string key = ctx->m_id.dump();
    if (session->inFlight.count(key)) {
        responder->send(200,
            dumpJson(rpcError(
                ctx->m_id, rpc::InvalidRequest, QStringLiteral("Request id already in use by a request in flight."))),
            "application/json");
        return;
    }
    session->inFlight[key] = ctx;
    qCDebug(lcLab).noquote() << QStringLiteral("[%1]").arg(m_options.name) << ctx->m_method;
    emit requestStarted(ctx->m_method);

    if (m_options.alwaysSse)
        openCallStream(*ctx, *session);

    auto it = m_methods.find(ctx->m_method);
    if (it == m_methods.end()) {
        ctx->fail(rpc::MethodNotFound, QStringLiteral("Method not found: %1").arg(ctx->m_method.left(100)));
        return;
    }
    const MethodHandler handler = it->second;
    try {
        handler(ctx);
    } catch (const std::exception& e) {
        qCWarning(lcLab) << "method handler failed:" << ctx->m_method << e.what();
        ctx->fail(rpc::InternalError, QStringLiteral("Internal error"));
    }
}

void McpServer::handleGet(const Request& request, const ResponderPtr& responder, const Caller& caller)
{
    if (!acceptsType(mediaTypes(request, "Accept"), "text/event-stream")) {
        sendRpcError(responder, 406, nullptr, rpc::InvalidRequest,
            QStringLiteral("The Accept header must list text/event-stream."));
        return;
    }
    const SessionPtr session = sessionFor(request, responder, caller);
    if (!session)
        return;
    if (!checkProtocolHeader(request, responder))
        return;

    const QByteArray lastEventId = request.header("Last-Event-ID").trimmed();
    if (!lastEventId.isEmpty()) {
        const QList<QByteArray> parts = lastEventId.split('-');
        bool okStream = false;
        bool okSeq = false;
        const int streamId = parts.size() == 2 ? parts[0].toInt(&okStream) : 0;
        const int seq = parts.size() == 2 ? parts[1].toInt(&okSeq) : 0;
        auto it = okStream && okSeq ? session->streams.find(streamId) : session->streams.end();
        if (it == session->streams.end()) {
            sendRpcError(responder, 400, nullptr, rpc::InvalidRequest,
                QStringLiteral("Unknown Last-Event-ID: this stream cannot be resumed."));
            return;
        }
        const std::shared_ptr<SseStream> stream = it->second;
        if (!responder->beginStream(200, "text/event-stream", sseHeaders()))
            return;
        attachLive(stream, responder);
        qCInfo(lcLab).noquote() << QStringLiteral("[%1]").arg(m_options.name) << "resuming stream" << streamId
                                << "after event" << seq;
        for (const auto& [eventSeq, payload] : std::vector<std::pair<int, QByteArray>>(stream->events)) {
            if (eventSeq <= seq)
                continue;
            if (!stream->live)
                break;
            writeEvent(*session, *stream, eventSeq, payload);
        }
        if (stream->finished && stream->live) {
            const ResponderPtr live = std::move(stream->live);
            stream->live.reset();
            live->end();
        }
        return;
    }

    if (!m_options.standaloneStream) {
        responder->send(405, "This server offers no GET stream.\n", "text/plain", { { "Allow", "POST, DELETE" } });
        return;
    }
    if (session->standaloneStreamId) {
        auto it = session->streams.find(session->standaloneStreamId);
        if (it != session->streams.end() && it->second->live && it->second->live->isConnected()) {
            sendRpcError(responder, 409, nullptr, rpc::InvalidRequest,
                QStringLiteral("A GET stream is already open for this session."));
            return;
        }
    }
    const std::shared_ptr<SseStream> stream = newStream(*session, true);
    session->standaloneStreamId = stream->id;
    if (!responder->beginStream(200, "text/event-stream", sseHeaders()))
        return;
    attachLive(stream, responder);
    writePriming(*session, *stream);
}

void McpServer::handleDelete(const Request& request, const ResponderPtr& responder, const Caller& caller)
{
    if (!m_options.allowDelete) {
        responder->send(
            405, "Sessions cannot be ended by the client here.\n", "text/plain", { { "Allow", "GET, POST" } });
        return;
    }
    const SessionPtr session = sessionFor(request, responder, caller);
    if (!session)
        return;
    endSession(session);
    responder->send(200, {}, {});
}

// ---- Calls and streams ------------------------------------------------------------------------

std::shared_ptr<SseStream> McpServer::newStream(McpSession& session, bool standalone)
{
    // Forget the oldest finished streams (nobody can resume those any more).
    while (session.streams.size() >= kMaxStreamsPerSession) {
        auto victim = std::find_if(session.streams.begin(), session.streams.end(),
            [](const auto& kv) { return kv.second->finished && !kv.second->live; });
        if (victim == session.streams.end())
            victim = session.streams.begin();
        if (victim->second->live)
            victim->second->live->end();
        session.streams.erase(victim);
    }
    auto stream = std::make_shared<SseStream>();
    stream->id = session.nextStreamId++;
    stream->standalone = standalone;
    session.streams[stream->id] = stream;
    return stream;
}

void McpServer::attachLive(const std::shared_ptr<SseStream>& stream, const ResponderPtr& responder)
{
    if (stream->live && stream->live != responder) {
        const ResponderPtr old = std::move(stream->live);
        stream->live.reset();
        old->end();
    }
    stream->live = responder;
    stream->eventsOnConnection = 0;
    const quint64 generation = ++stream->liveGeneration;
    std::weak_ptr<SseStream> weak = stream;
    responder->onDisconnected([weak, generation] {
        // Disconnection is not cancellation: the stream keeps collecting events for a resume.
        if (auto s = weak.lock(); s && s->liveGeneration == generation)
            s->live.reset();
    });
}

void McpServer::writePriming(McpSession& session, SseStream& stream)
{
    if (!stream.live || session.protocolVersion < QLatin1String("2025-11-25"))
        return;
    stream.live->write("id: " + eventId(stream.id, stream.nextSeq - 1)
        + "\nretry: " + QByteArray::number(m_options.sseRetryMs) + "\ndata:\n\n");
}

void McpServer::appendEvent(McpSession& session, SseStream& stream, const QByteArray& payload)
{
    const int seq = stream.nextSeq++;
    stream.events.emplace_back(seq, payload);
    if (stream.events.size() > kMaxEventsPerStream)
        stream.events.erase(stream.events.begin());
    writeEvent(session, stream, seq, payload);
}

void McpServer::writeEvent(McpSession&, SseStream& stream, int seq, const QByteArray& payload)
{
    if (!stream.live)
        return;
    if (!stream.live->write("id: " + eventId(stream.id, seq) + "\ndata: " + payload + "\n\n")) {
        stream.live.reset();
        return;
    }
    ++stream.eventsOnConnection;
    if (m_options.sseCloseAfterEvents > 0 && stream.eventsOnConnection >= m_options.sseCloseAfterEvents
        && !stream.finished) {
        // Close the connection but not the stream: the client polls back with Last-Event-ID.
        const ResponderPtr live = std::move(stream.live);
        stream.live.reset();
        live->write("retry: " + QByteArray::number(m_options.sseRetryMs) + "\n\n");
        live->end();
    }
}

void McpServer::openCallStream(CallContext& ctx, McpSession& session)
{
    const std::shared_ptr<SseStream> stream = newStream(session, false);
    ctx.m_streamId = stream->id;
    ctx.m_mode = CallContext::Mode::Sse;
    const ResponderPtr responder = std::move(ctx.m_responder);
    ctx.m_responder.reset();
    if (responder && responder->isConnected() && responder->beginStream(200, "text/event-stream", sseHeaders())) {
        attachLive(stream, responder);
        writePriming(session, *stream);
    }
}

void McpServer::sendOnCall(CallContext& ctx, const json& message)
{
    if (ctx.m_done)
        return;
    const SessionPtr session = ctx.m_session.lock();
    if (!session || session->ended)
        return;
    if (ctx.m_mode == CallContext::Mode::Pending)
        openCallStream(ctx, *session);
    if (ctx.m_mode != CallContext::Mode::Sse)
        return;
    auto it = session->streams.find(ctx.m_streamId);
    if (it == session->streams.end())
        return;
    appendEvent(*session, *it->second, dumpJson(message));
}

void McpServer::finishCall(CallContext& ctx, const json& message)
{
    if (ctx.m_done)
        return;
    ctx.m_done = true;
    const SessionPtr session = ctx.m_session.lock();
    if (ctx.m_mode == CallContext::Mode::Pending) {
        ctx.m_mode = CallContext::Mode::Json;
        if (ctx.m_responder)
            ctx.m_responder->send(200, dumpJson(message), "application/json");
    } else if (ctx.m_mode == CallContext::Mode::Sse && session && !session->ended) {
        auto it = session->streams.find(ctx.m_streamId);
        if (it != session->streams.end()) {
            const std::shared_ptr<SseStream> stream = it->second;
            stream->finished = true;
            appendEvent(*session, *stream, dumpJson(message));
            if (stream->live) {
                const ResponderPtr live = std::move(stream->live);
                stream->live.reset();
                live->end();
            }
        }
    }
    releaseCall(ctx);
    emit requestFinished(ctx.m_method);
}

void McpServer::cancelCall(CallContext& ctx, bool byClient)
{
    if (ctx.m_done)
        return;
    ctx.m_done = true;
    ctx.m_cancelled = true;
    auto callbacks = std::move(ctx.m_cancelCallbacks);
    ctx.m_cancelCallbacks.clear();
    for (auto& cb : callbacks)
        cb();
    const SessionPtr session = ctx.m_session.lock();
    if (ctx.m_mode == CallContext::Mode::Pending) {
        // No answer to a cancelled request: the HTTP exchange ends as an empty event stream.
        if (ctx.m_responder && ctx.m_responder->beginStream(200, "text/event-stream", sseHeaders()))
            ctx.m_responder->end();
    } else if (ctx.m_mode == CallContext::Mode::Sse && session) {
        auto it = session->streams.find(ctx.m_streamId);
        if (it != session->streams.end()) {
            it->second->finished = true;
            if (it->second->live) {
                const ResponderPtr live = std::move(it->second->live);
                it->second->live.reset();
                live->end();
            }
        }
    }
    releaseCall(ctx);
    if (byClient)
        emit requestCancelled(ctx.m_sessionId, QString::fromStdString(ctx.m_id.dump()));
}

void McpServer::releaseCall(CallContext& ctx)
{
    ctx.m_responder.reset();
    ctx.m_cancelCallbacks.clear();
    if (ctx.m_guard) {
        // Timers bound to the call stop now; the object itself may be mid-signal, so it goes later.
        const QList<QTimer*> timers = ctx.m_guard->findChildren<QTimer*>();
        for (QTimer* t : timers)
            t->stop();
        ctx.m_guard->deleteLater();
        ctx.m_guard = nullptr;
    }
    const SessionPtr session = ctx.m_session.lock();
    if (!session)
        return;
    for (auto it = session->pending.begin(); it != session->pending.end();) {
        const auto owner = it->second.call.lock();
        if (!owner || owner.get() == &ctx)
            it = session->pending.erase(it);
        else
            ++it;
    }
    auto it = session->inFlight.find(ctx.m_id.dump());
    if (it != session->inFlight.end() && it->second.get() == &ctx)
        session->inFlight.erase(it); // callers hold a shared_ptr to ctx while this runs
}

void McpServer::sendToSession(McpSession& session, const json& message)
{
    auto it = session.streams.find(session.standaloneStreamId);
    if (session.standaloneStreamId == 0 || it == session.streams.end()) {
        emit notificationDropped(session.id, qs(message, "method"));
        return;
    }
    appendEvent(session, *it->second, dumpJson(message));
}

void McpServer::endSession(const SessionPtr& session)
{
    if (session->ended)
        return;
    std::vector<CallPtr> calls;
    for (const auto& [key, call] : session->inFlight)
        calls.push_back(call);
    for (const auto& call : calls)
        cancelCall(*call, false);
    session->ended = true;
    for (auto& [sid, stream] : session->streams) {
        if (stream->live) {
            const ResponderPtr live = std::move(stream->live);
            stream->live.reset();
            live->end();
        }
    }
    session->streams.clear();
    session->pending.clear();
    session->inFlight.clear();
    m_sessions.erase(session->id);
    qCInfo(lcLab).noquote() << QStringLiteral("[%1]").arg(m_options.name) << "session ended";
    emit sessionClosed(session->id);
}

void McpServer::sweep()
{
    const qint64 now = nowMs();
    std::vector<SessionPtr> expired;
    for (const auto& [id, session] : m_sessions) {
        bool anyLive = false;
        for (auto& [sid, stream] : session->streams) {
            if (!stream->live)
                continue;
            if (stream->live->write(": keep-alive\n\n"))
                anyLive = true;
            else
                stream->live.reset();
        }
        if (!anyLive && now - session->lastSeenMs > m_options.sessionIdleTimeoutMs)
            expired.push_back(session);
    }
    for (const auto& s : expired)
        endSession(s);
}

void McpServer::notifyToolsChanged()
{
    for (const auto& [id, session] : m_sessions)
        sendToSession(*session, { { "jsonrpc", "2.0" }, { "method", "notifications/tools/list_changed" } });
}

void McpServer::notifyResourcesChanged()
{
    for (const auto& [id, session] : m_sessions)
        sendToSession(*session, { { "jsonrpc", "2.0" }, { "method", "notifications/resources/list_changed" } });
}

void McpServer::notifyPromptsChanged()
{
    for (const auto& [id, session] : m_sessions)
        sendToSession(*session, { { "jsonrpc", "2.0" }, { "method", "notifications/prompts/list_changed" } });
}

void McpServer::notifyResourceUpdated(const QString& uri)
{
    for (const auto& [id, session] : m_sessions) {
        if (session->subscriptions.contains(uri))
            sendToSession(*session,
                { { "jsonrpc", "2.0" }, { "method", "notifications/resources/updated" },
                    { "params", { { "uri", uri.toStdString() } } } });
    }
}

void McpServer::logMessage(const QString& level, const json& data, const QString& logger)
{
    const int index = logLevelIndex(level);
    if (index < 0)
        return;
    json params = { { "level", level.toStdString() }, { "data", data } };
    if (!logger.isEmpty())
        params["logger"] = logger.toStdString();
    for (const auto& [id, session] : m_sessions) {
        if (session->logLevel >= 0 && index >= session->logLevel)
            sendToSession(
                *session, { { "jsonrpc", "2.0" }, { "method", "notifications/message" }, { "params", params } });
    }
}

// ---- Built-in methods -------------------------------------------------------------------------

std::optional<std::pair<qsizetype, qsizetype>> McpServer::pageRange(qsizetype size, const CallPtr& ctx)
{
    qsizetype offset = 0;
    const json& params = ctx->params();
    if (params.is_object() && params.contains("cursor") && !params["cursor"].is_null()) {
        bool ok = false;
        if (params["cursor"].is_string()) {
            const QByteArray raw = QByteArray::fromStdString(params["cursor"].get<std::string>());
            const auto decoded = QByteArray::fromBase64Encoding(
                raw, QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
            if (decoded && decoded.decoded.startsWith(kCursorPrefix)) {
                offset = decoded.decoded.mid(kCursorPrefix.size()).toLongLong(&ok);
                ok = ok && offset >= 0 && offset <= size;
            }
        }
        if (!ok) {
            ctx->fail(rpc::InvalidParams, QStringLiteral("Invalid cursor."));
            return std::nullopt;
        }
    }
    return std::make_pair(offset, std::min(size, offset + m_options.pageSize));
}

json McpServer::pageResult(const char* key, json page, qsizetype end, qsizetype size)
{
    json result = { { key, std::move(page) } };
    if (end < size)
        result["nextCursor"] = (kCursorPrefix + QByteArray::number(end))
                                   .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals)
                                   .toStdString();
    return result;
}

std::optional<json> McpServer::paginate(const json& items, const char* key, const CallPtr& ctx)
{
    const qsizetype size = qsizetype(items.size());
    const auto range = pageRange(size, ctx);
    if (!range)
        return std::nullopt;
    json page = json::array();
    for (qsizetype i = range->first; i < range->second; ++i)
        page.push_back(items[size_t(i)]);
    return pageResult(key, std::move(page), range->second, size);
}

const ToolDefinition* McpServer::findTool(const QString& name, const Caller& caller) const
{
    auto it = m_toolIndex.find(name);
    if (it == m_toolIndex.end())
        return nullptr;
    const ToolDefinition& tool = m_tools[it->second];
    return visible(tool.visibleTo, caller) ? &tool : nullptr;
}

void McpServer::registerBuiltins()
{
    m_methods[QStringLiteral("ping")] = [](const CallPtr& ctx) { ctx->respond(json::object()); };

    m_methods[QStringLiteral("tools/list")] = [this](const CallPtr& ctx) {
        // Only the page is copied: with 10,000 tools a copy of all of them per page made paging
        // quadratic (and starved everything else on a small machine).
        std::vector<const json*> visibleTools;
        visibleTools.reserve(m_tools.size());
        for (const auto& t : m_tools) {
            if (visible(t.visibleTo, ctx->caller()))
                visibleTools.push_back(&t.descriptor);
        }
        const qsizetype size = qsizetype(visibleTools.size());
        const auto range = pageRange(size, ctx);
        if (!range)
            return;
        json page = json::array();
        for (qsizetype i = range->first; i < range->second; ++i)
            page.push_back(*visibleTools[size_t(i)]);
        ctx->respond(pageResult("tools", std::move(page), range->second, size));
    };
    m_methods[QStringLiteral("tools/call")] = [this](const CallPtr& ctx) { toolsCall(ctx); };

    m_methods[QStringLiteral("resources/list")] = [this](const CallPtr& ctx) {
        json items = json::array();
        for (const auto& r : m_resources) {
            if (visible(r.visibleTo, ctx->caller()))
                items.push_back(r.descriptor);
        }
        if (auto r = paginate(items, "resources", ctx))
            ctx->respond(*r);
    };
    m_methods[QStringLiteral("resources/templates/list")] = [this](const CallPtr& ctx) {
        json items = json::array();
        for (const auto& t : m_templates) {
            if (visible(t.visibleTo, ctx->caller()))
                items.push_back(t.descriptor);
        }
        if (auto r = paginate(items, "resourceTemplates", ctx))
            ctx->respond(*r);
    };
    m_methods[QStringLiteral("resources/read")] = [this](const CallPtr& ctx) { resourcesRead(ctx); };
    auto subscription = [](bool subscribe) {
        return [subscribe](const CallPtr& ctx) {
            const QString uri = qs(ctx->params(), "uri");
            if (uri.isEmpty()) {
                ctx->fail(rpc::InvalidParams, QStringLiteral("params.uri is required."));
                return;
            }
            if (auto session = ctx->m_session.lock()) {
                if (subscribe)
                    session->subscriptions.insert(uri);
                else
                    session->subscriptions.remove(uri);
            }
            ctx->respond(json::object());
        };
    };
    m_methods[QStringLiteral("resources/subscribe")] = subscription(true);
    m_methods[QStringLiteral("resources/unsubscribe")] = subscription(false);

    m_methods[QStringLiteral("prompts/list")] = [this](const CallPtr& ctx) {
        json items = json::array();
        for (const auto& p : m_prompts) {
            if (visible(p.visibleTo, ctx->caller()))
                items.push_back(p.descriptor);
        }
        if (auto r = paginate(items, "prompts", ctx))
            ctx->respond(*r);
    };
    m_methods[QStringLiteral("prompts/get")] = [this](const CallPtr& ctx) { promptsGet(ctx); };
    m_methods[QStringLiteral("completion/complete")] = [this](const CallPtr& ctx) { completionComplete(ctx); };

    m_methods[QStringLiteral("logging/setLevel")] = [](const CallPtr& ctx) {
        const int index = logLevelIndex(qs(ctx->params(), "level"));
        if (index < 0) {
            ctx->fail(rpc::InvalidParams,
                QStringLiteral("Unknown log level; use one of debug, info, notice, warning, "
                               "error, critical, alert, emergency."));
            return;
        }
        if (auto session = ctx->m_session.lock())
            session->logLevel = index;
        ctx->respond(json::object());
    };
}

void McpServer::toolsCall(const CallPtr& ctx)
{
    const json& params = ctx->params();
    const QString name = qs(params, "name");
    if (name.isEmpty()) {
        ctx->fail(rpc::InvalidParams, QStringLiteral("tools/call needs params.name."));
        return;
    }
    const ToolDefinition* tool = findTool(name, ctx->caller());
    if (!tool) {
        ctx->fail(rpc::InvalidParams, QStringLiteral("Unknown tool: %1").arg(name.left(100)));
        return;
    }
    if (params.contains("arguments") && !params["arguments"].is_object() && !params["arguments"].is_null()) {
        ctx->fail(rpc::InvalidParams, QStringLiteral("params.arguments must be an object."));
        return;
    }
    const Caller& caller = ctx->caller();
    const QString subject = caller.subject();
    if (!caller.anonymous && !tool->requiredScopes.isEmpty()) {
        const QStringList held = caller.scopes();
        bool missing = false;
        for (const QString& s : tool->requiredScopes)
            missing = missing || !held.contains(s);
        if (missing) {
            emit toolCalled(name, subject, QStringLiteral("denied-scope"));
            AuthDecision d = AuthDecision::deny(403, "insufficient_scope", "This tool needs a token with more scopes.");
            // Step-up asks for the union of what the token has and what the tool needs.
            QStringList wanted;
            for (const QString& s : held + tool->requiredScopes) {
                const QString full
                    = s.contains(QLatin1Char(':')) || s.contains(QLatin1Char('/')) ? s : m_options.scopePrefix + s;
                if (!wanted.contains(full))
                    wanted << full;
            }
            d.scope = wanted.join(QLatin1Char(' ')).toUtf8();
            const json body = { { "error", "insufficient_scope" },
                { "error_description",
                    ("The tool '" + name + "' needs the scope(s) " + tool->requiredScopes.join(QLatin1Char(' ')) + ".")
                        .toStdString() } };
            ctx->rejectHttp(403, dumpJson(body), { { "WWW-Authenticate", challengeFor(d) } });
            return;
        }
    }
    if (!tool->requiredRoles.isEmpty()) {
        const QStringList roles = caller.roles();
        bool ok = false;
        for (const QString& r : tool->requiredRoles)
            ok = ok || roles.contains(r);
        if (!ok) {
            emit toolCalled(name, subject, QStringLiteral("denied-role"));
            ctx->respond(errorResult(
                QStringLiteral("Permission denied: the tool '%1' needs the role %2; your token has %3.")
                    .arg(name, tool->requiredRoles.join(QStringLiteral(" or ")),
                        roles.isEmpty() ? QStringLiteral("no roles")
                                        : QStringLiteral("the roles ") + roles.join(QStringLiteral(", ")))));
            return;
        }
    }
    const QString problem = validateArguments(tool->descriptor.value("inputSchema", json::object()), ctx->arguments());
    if (!problem.isEmpty()) {
        emit toolCalled(name, subject, QStringLiteral("invalid-arguments"));
        ctx->respond(errorResult(QStringLiteral("Invalid arguments for '%1': %2.").arg(name, problem)));
        return;
    }
    emit toolCalled(name, subject, QStringLiteral("allowed"));
    const ToolHandler handler = tool->handler; // a copy: the handler may change the tool list
    if (!handler) {
        ctx->respond(errorResult(QStringLiteral("The tool '%1' has no implementation.").arg(name)));
        return;
    }
    handler(ctx);
}

void McpServer::resourcesRead(const CallPtr& ctx)
{
    const QString uri = qs(ctx->params(), "uri");
    if (uri.isEmpty()) {
        ctx->fail(rpc::InvalidParams, QStringLiteral("resources/read needs params.uri."));
        return;
    }
    for (const auto& r : m_resources) {
        if (qs(r.descriptor, "uri") != uri || !visible(r.visibleTo, ctx->caller()) || !r.read)
            continue;
        ctx->respond({ { "contents", r.read(*ctx) } });
        return;
    }
    for (const auto& t : m_templates) {
        if (!visible(t.visibleTo, ctx->caller()) || !t.read)
            continue;
        QMap<QString, QString> vars;
        if (!matchTemplate(qs(t.descriptor, "uriTemplate"), uri, &vars))
            continue;
        if (std::optional<json> contents = t.read(uri, vars, *ctx)) {
            ctx->respond({ { "contents", *contents } });
            return;
        }
    }
    ctx->fail(rpc::ResourceNotFound, QStringLiteral("Resource not found"), { { "uri", uri.toStdString() } });
}

void McpServer::promptsGet(const CallPtr& ctx)
{
    const QString name = qs(ctx->params(), "name");
    const PromptDefinition* prompt = nullptr;
    for (const auto& p : m_prompts) {
        if (qs(p.descriptor, "name") == name && visible(p.visibleTo, ctx->caller()))
            prompt = &p;
    }
    if (!prompt || !prompt->get) {
        ctx->fail(rpc::InvalidParams, QStringLiteral("Unknown prompt: %1").arg(name.left(100)));
        return;
    }
    const json& params = ctx->params();
    if (params.contains("arguments") && !params["arguments"].is_object() && !params["arguments"].is_null()) {
        ctx->fail(rpc::InvalidParams, QStringLiteral("params.arguments must be an object."));
        return;
    }
    const json args = ctx->arguments();
    for (const auto& a : prompt->descriptor.value("arguments", json::array())) {
        if (!a.is_object() || !a.value("required", false))
            continue;
        const std::string argName = a.value("name", std::string());
        if (!args.contains(argName) || !args[argName].is_string() || args[argName].get<std::string>().empty()) {
            ctx->fail(rpc::InvalidParams,
                QStringLiteral("Missing required argument '%1'.").arg(QString::fromStdString(argName)));
            return;
        }
    }
    QString error;
    const json result = prompt->get(args, *ctx, &error);
    if (!error.isEmpty()) {
        ctx->fail(rpc::InvalidParams, error);
        return;
    }
    ctx->respond(result);
}

void McpServer::completionComplete(const CallPtr& ctx)
{
    const json& params = ctx->params();
    const json ref = params.value("ref", json::object());
    const json argument = params.value("argument", json::object());
    if (!ref.is_object() || !argument.is_object() || !argument.contains("name")) {
        ctx->fail(rpc::InvalidParams, QStringLiteral("completion/complete needs params.ref and params.argument."));
        return;
    }
    const QString type = qs(ref, "type");
    const QMap<QString, Completer>* completers = nullptr;
    if (type == QLatin1String("ref/prompt")) {
        for (const auto& p : m_prompts) {
            if (qs(p.descriptor, "name") == qs(ref, "name") && visible(p.visibleTo, ctx->caller()))
                completers = &p.completers;
        }
    } else if (type == QLatin1String("ref/resource")) {
        for (const auto& t : m_templates) {
            if (qs(t.descriptor, "uriTemplate") == qs(ref, "uri") && visible(t.visibleTo, ctx->caller()))
                completers = &t.completers;
        }
    } else {
        ctx->fail(rpc::InvalidParams, QStringLiteral("params.ref.type must be ref/prompt or ref/resource."));
        return;
    }
    if (!completers) {
        ctx->fail(rpc::InvalidParams, QStringLiteral("No such prompt or resource template."));
        return;
    }
    const json contextArgs = params.value("context", json::object()).is_object()
        ? params.value("context", json::object()).value("arguments", json::object())
        : json::object();
    QStringList values;
    const Completer completer = completers->value(qs(argument, "name"));
    if (completer)
        values = completer(qs(argument, "value"), contextArgs, ctx->caller());
    const qsizetype total = values.size();
    json list = json::array();
    for (qsizetype i = 0; i < std::min<qsizetype>(total, kMaxCompletionValues); ++i)
        list.push_back(values[i].toStdString());
    ctx->respond(
        { { "completion", { { "values", list }, { "total", total }, { "hasMore", total > kMaxCompletionValues } } } });
}

} // namespace lanyard::lab
