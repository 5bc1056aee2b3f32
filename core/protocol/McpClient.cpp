// SPDX-License-Identifier: MIT
#include "protocol/McpClient.h"

#include "protocol/Transport.h"
#include "schema/JsonSchema.h"
#include "util/Logging.h"

#include "lanyard/Version.h"

namespace lanyard {

QString ToolResultCheck::summary() const
{
    switch (schema) {
    case Schema::NoSchema:
        return QObject::tr("no output schema");
    case Schema::Valid:
        return QObject::tr("structured content matches the output schema");
    case Schema::Invalid:
        return QObject::tr("structured content does NOT match the output schema: %1")
            .arg(issues.join(QStringLiteral("; ")));
    case Schema::NotFullyChecked:
        return QObject::tr("structured content not fully checked (schema uses unsupported keywords: %1)")
            .arg(issues.join(QStringLiteral(", ")));
    case Schema::MissingStructuredContent:
        return QObject::tr("the tool declares an output schema but returned no structured content");
    }
    return QString();
}

McpClient::McpClient(Transport* transport, ClientOptions options, QObject* parent)
    : QObject(parent)
    , m_transport(transport)
    , m_options(std::move(options))
{
    m_transport->setParent(this);
    if (m_options.version.isEmpty())
        m_options.version = QStringLiteral(LANYARD_VERSION);
    m_rpc = new JsonRpcConnection(m_transport, this);

    connect(m_rpc, &JsonRpcConnection::protocolError, this, &McpClient::protocolError);
    connect(m_rpc, &JsonRpcConnection::notificationReceived, this, [this](const QString& method, const json& params) {
        if (method == QLatin1String("notifications/tools/list_changed")) {
            m_tools.clear();
            emit toolsListChanged();
        } else if (method == QLatin1String("notifications/resources/list_changed")) {
            emit resourcesListChanged();
        } else if (method == QLatin1String("notifications/prompts/list_changed")) {
            emit promptsListChanged();
        } else if (method == QLatin1String("notifications/resources/updated")) {
            emit resourceUpdated(qs(params, "uri"));
        } else if (method == QLatin1String("notifications/message")) {
            emit logMessage(qs(params, "level"), qs(params, "logger"),
                            params.is_object() ? params.value("data", json()) : json());
        }
        emit notificationReceived(method, params);
    });
    connect(m_transport, &Transport::errorOccurred, this, [this](const Error& e) {
        if (m_state == State::Connecting)
            setState(State::Failed);
        emit errorOccurred(e);
    });
    connect(m_transport, &Transport::closed, this, [this] {
        if (m_state == State::Connected || m_state == State::Connecting)
            setState(State::Disconnected);
    });

    m_rpc->setRequestHandler(QStringLiteral("roots/list"), [this](const json&, JsonRpcConnection::Responder r) {
        r.respond(json { { "roots", m_options.roots } });
    });
    m_rpc->setRequestHandler(
        QStringLiteral("elicitation/create"), [this](const json& params, JsonRpcConnection::Responder r) {
            if (!m_options.elicitation || !m_elicitationHandler) {
                r.respond(json { { "action", "decline" } });
                return;
            }
            m_elicitationHandler(params, [r](const json& result) { r.respond(result); });
        });
}

McpClient::~McpClient() = default;

QString McpClient::latestProtocolVersion()
{
    return QStringLiteral("2025-11-25");
}

QStringList McpClient::supportedProtocolVersions()
{
    return { QStringLiteral("2025-11-25"), QStringLiteral("2025-06-18"), QStringLiteral("2025-03-26") };
}

void McpClient::setState(State s)
{
    if (m_state == s)
        return;
    m_state = s;
    emit stateChanged(s);
}

json McpClient::clientCapabilities() const
{
    json caps = json::object();
    if (!m_options.roots.empty())
        caps["roots"] = { { "listChanged", true } };
    if (m_options.elicitation)
        caps["elicitation"] = { { "form", json::object() } };
    return caps;
}

void McpClient::connectToServer()
{
    if (m_state == State::Connecting || m_state == State::Connected)
        return;
    setState(State::Connecting);
    auto onStarted = std::make_shared<QMetaObject::Connection>();
    *onStarted = connect(m_transport, &Transport::started, this, [this, onStarted] {
        disconnect(*onStarted);
        sendInitialize([this](const Error& e) {
            if (e) {
                setState(State::Failed);
                emit errorOccurred(e);
                return;
            }
            setState(State::Connected);
            emit ready();
        });
    });
    m_transport->start();
}

void McpClient::sendInitialize(std::function<void(const Error&)> done)
{
    json params = {
        { "protocolVersion", latestProtocolVersion().toStdString() },
        { "capabilities", clientCapabilities() },
        { "clientInfo",
            { { "name", m_options.name.toStdString() }, { "title", m_options.title.toStdString() },
                { "version", m_options.version.toStdString() } } },
    };
    RequestOptions o = m_options.requestDefaults;
    o.cancellable = false; // never cancel initialize
    o.reportProgress = false;
    PendingRequest* req = m_rpc->request(QStringLiteral("initialize"), params, o);
    connect(req, &PendingRequest::finished, this, [this, done](const json& result) {
        if (!result.is_object()) {
            done(Error(Error::Kind::Protocol, tr("The server's initialize answer is not an object.")));
            return;
        }
        const QString version = qs(result, "protocolVersion");
        if (!supportedProtocolVersions().contains(version)) {
            m_transport->close();
            done(Error(Error::Kind::Protocol,
                tr("The server speaks MCP protocol version \"%1\", which Lanyard does not support (it supports %2). "
                   "Update the server or Lanyard.")
                    .arg(version.isEmpty() ? tr("(none given)") : version.left(40),
                        supportedProtocolVersions().join(QStringLiteral(", ")))));
            return;
        }
        m_serverInfo.protocolVersion = version;
        m_serverInfo.implementation = result.value("serverInfo", json::object());
        m_serverInfo.capabilities = result.value("capabilities", json::object());
        m_serverInfo.instructions = qs(result, "instructions");
        m_transport->setProtocolVersion(version);
        m_rpc->notify(QStringLiteral("notifications/initialized"));
        m_transport->startListening();
        qCInfo(lcProtocol) << "initialized with" << qs(m_serverInfo.implementation, "name") << "protocol" << version;
        done(Error());
    });
    connect(req, &PendingRequest::failed, this, [done](const Error& e) {
        Error err = e;
        if (e.kind == Error::Kind::Rpc)
            err.message = tr("The server refused to initialize: %1").arg(e.message);
        done(err);
    });
}

PendingRequest* McpClient::request(const QString& method, const json& params)
{
    return request(method, params, m_options.requestDefaults);
}

PendingRequest* McpClient::request(const QString& method, const json& params, const RequestOptions& options)
{
    auto* outer = new PendingRequest(method, this);
    issue(outer, method, params, options, true);
    return outer;
}

void McpClient::issue(
    PendingRequest* outer, const QString& method, const json& params, const RequestOptions& options, bool mayRetry)
{
    QPointer<PendingRequest> outerPtr(outer);
    if (m_state != State::Connected) {
        QMetaObject::invokeMethod(
            this,
            [outerPtr, method] {
                if (outerPtr)
                    outerPtr->reject(Error(Error::Kind::Connection,
                        tr("Not connected to the server; connect first, then %1.").arg(method)));
            },
            Qt::QueuedConnection);
        return;
    }
    PendingRequest* inner = m_rpc->request(method, params, options);
    QPointer<PendingRequest> innerPtr(inner);
    outer->setId(inner->id());
    outer->setCancelHandler([innerPtr](const QString& reason) {
        if (innerPtr)
            innerPtr->cancel(reason);
    });
    connect(inner, &PendingRequest::progress, outer, &PendingRequest::reportProgress);
    connect(inner, &PendingRequest::finished, outer, &PendingRequest::resolve);
    connect(inner, &PendingRequest::failed, outer, [this, outerPtr, method, params, options, mayRetry](const Error& e) {
        if (!outerPtr)
            return;
        if (e.kind != Error::Kind::SessionExpired || !mayRetry) {
            outerPtr->reject(e);
            return;
        }
        // The server forgot the session: initialize again, then send the request once more.
        qCInfo(lcProtocol) << "session expired; initializing again before retrying" << method;
        m_afterReinit.append([this, outerPtr, method, params, options](const Error& err) {
            if (!outerPtr)
                return;
            if (err) {
                outerPtr->reject(Error(Error::Kind::SessionExpired,
                    tr("The server ended the session and initializing again failed: %1").arg(err.message)));
                return;
            }
            issue(outerPtr, method, params, options, false);
        });
        if (m_reinitializing)
            return;
        m_reinitializing = true;
        setState(State::Connecting);
        sendInitialize([this](const Error& err) {
            m_reinitializing = false;
            setState(err ? State::Failed : State::Connected);
            auto waiting = std::move(m_afterReinit);
            m_afterReinit.clear();
            for (auto& f : waiting)
                f(err);
        });
    });
}

struct McpClient::Listing
{
    QString method;
    QString itemsKey;
    PageHandler onPage; // empty: collect the items in `items`
    json items = json::array();
    QHash<QString, json> toolIndex; // tools/list: the slim entries for m_tools, swapped in at the end
};

PendingRequest* McpClient::listAll(const QString& method, const QString& itemsKey, const json& params)
{
    return listAllPages(method, itemsKey, PageHandler(), params);
}

PendingRequest* McpClient::listAllPages(
    const QString& method, const QString& itemsKey, PageHandler onPage, const json& params)
{
    auto* outer = new PendingRequest(method, this);
    auto listing = std::make_shared<Listing>();
    listing->method = method;
    listing->itemsKey = itemsKey;
    listing->onPage = std::move(onPage);
    fetchPage(outer, std::move(listing), params.is_object() ? params : json::object(), 0, QString());
    return outer;
}

void McpClient::fetchPage(
    PendingRequest* outer, std::shared_ptr<Listing> listing, json params, int page, QString lastCursor)
{
    QPointer<PendingRequest> outerPtr(outer);
    PendingRequest* inner = request(listing->method, params);
    QPointer<PendingRequest> innerPtr(inner);
    outer->setCancelHandler([innerPtr](const QString& reason) {
        if (innerPtr)
            innerPtr->cancel(reason);
    });
    connect(inner, &PendingRequest::failed, outer, &PendingRequest::reject);
    connect(inner, &PendingRequest::finished, outer,
        [this, outerPtr, listing, params, page, lastCursor](const json& result) mutable {
            if (!outerPtr)
                return;
            const QString& method = listing->method;
            const std::string key = listing->itemsKey.toStdString();
            if (!result.is_object() || !result.contains(key) || !result[key].is_array()) {
                outerPtr->reject(Error(Error::Kind::Protocol,
                    tr("The server's %1 answer has no \"%2\" list.").arg(method, listing->itemsKey)));
                return;
            }
            const json& pageItems = result[key];
            if (method == QLatin1String("tools/list")) {
                for (const auto& t : pageItems) {
                    // Only what checking a result needs: the full list stays with the caller.
                    json slim = { { "name", t.is_object() ? t.value("name", json()) : json() } };
                    for (const char* k : { "title", "outputSchema", "annotations" }) {
                        if (t.contains(k))
                            slim[k] = t[k];
                    }
                    listing->toolIndex.insert(qs(t, "name"), std::move(slim));
                }
            }
            if (listing->onPage) {
                listing->onPage(pageItems, page, qs(result, "nextCursor").isEmpty());
                if (!outerPtr)
                    return;
            } else {
                for (const auto& item : pageItems)
                    listing->items.push_back(item);
            }
            const QString cursor = qs(result, "nextCursor");
            if (cursor.isEmpty()) {
                if (method == QLatin1String("tools/list"))
                    m_tools = std::move(listing->toolIndex);
                if (listing->onPage)
                    outerPtr->resolve(json { { "pages", page + 1 } });
                else
                    outerPtr->resolve(json { { key, std::move(listing->items) }, { "pages", page + 1 } });
                return;
            }
            if (cursor == lastCursor || page + 1 >= m_options.maxListPages) {
                outerPtr->reject(Error(Error::Kind::Protocol,
                    tr("The server keeps paging %1 (%2 pages, cursor repeated or limit reached); "
                       "stopped to avoid an endless loop.")
                        .arg(method)
                        .arg(page + 1)));
                return;
            }
            params["cursor"] = cursor.toStdString();
            fetchPage(outerPtr, listing, params, page + 1, cursor);
        });
}

PendingRequest* McpClient::callTool(const QString& name, const json& arguments)
{
    RequestOptions o = m_options.requestDefaults;
    o.reportProgress = true;
    o.resetTimeoutOnProgress = true;
    return callTool(name, arguments, o);
}

PendingRequest* McpClient::callTool(const QString& name, const json& arguments, RequestOptions options)
{
    json params = { { "name", name.toStdString() }, { "arguments", arguments.is_null() ? json::object() : arguments } };
    return request(QStringLiteral("tools/call"), params, options);
}

PendingRequest* McpClient::readResource(const QString& uri)
{
    return request(QStringLiteral("resources/read"), json { { "uri", uri.toStdString() } });
}

PendingRequest* McpClient::subscribeResource(const QString& uri)
{
    return request(QStringLiteral("resources/subscribe"), json { { "uri", uri.toStdString() } });
}

PendingRequest* McpClient::unsubscribeResource(const QString& uri)
{
    return request(QStringLiteral("resources/unsubscribe"), json { { "uri", uri.toStdString() } });
}

PendingRequest* McpClient::getPrompt(const QString& name, const json& arguments)
{
    json params = { { "name", name.toStdString() } };
    if (arguments.is_object() && !arguments.empty())
        params["arguments"] = arguments;
    return request(QStringLiteral("prompts/get"), params);
}

PendingRequest* McpClient::complete(
    const json& ref, const QString& argumentName, const QString& value, const json& contextArguments)
{
    json params = { { "ref", ref },
        { "argument", { { "name", argumentName.toStdString() }, { "value", value.toStdString() } } } };
    if (contextArguments.is_object() && !contextArguments.empty())
        params["context"] = { { "arguments", contextArguments } };
    return request(QStringLiteral("completion/complete"), params);
}

PendingRequest* McpClient::setLoggingLevel(const QString& level)
{
    return request(QStringLiteral("logging/setLevel"), json { { "level", level.toStdString() } });
}

PendingRequest* McpClient::ping()
{
    return request(QStringLiteral("ping"));
}

json McpClient::toolByName(const QString& name) const
{
    return m_tools.value(name, json::object());
}

ToolResultCheck McpClient::checkToolResult(const json& result, const json& tool)
{
    ToolResultCheck check;
    check.isError = result.is_object() && result.contains("isError") && result["isError"] == true;
    const json schema = tool.is_object() ? tool.value("outputSchema", json()) : json();
    if (schema.is_null())
        return check;
    if (check.isError)
        return check; // error results need not match the output schema
    if (!result.is_object() || !result.contains("structuredContent")) {
        check.schema = ToolResultCheck::Schema::MissingStructuredContent;
        return check;
    }
    const auto v = schema::validate(schema, result["structuredContent"]);
    if (!v.valid) {
        check.schema = ToolResultCheck::Schema::Invalid;
        for (const auto& issue : v.issues)
            check.issues << QStringLiteral("%1: %2").arg(
                issue.path.isEmpty() ? QStringLiteral("/") : issue.path, issue.message);
    } else if (!v.fullyChecked) {
        check.schema = ToolResultCheck::Schema::NotFullyChecked;
        check.issues = v.unsupportedKeywords;
    } else {
        check.schema = ToolResultCheck::Schema::Valid;
    }
    return check;
}

void McpClient::setRoots(const json& roots)
{
    m_options.roots = roots.is_array() ? roots : json::array();
    if (m_state == State::Connected)
        m_rpc->notify(QStringLiteral("notifications/roots/list_changed"));
}

void McpClient::close()
{
    m_rpc->failAll(Error(Error::Kind::Connection, tr("The connection was closed.")));
    if (m_state != State::Disconnected) {
        m_transport->close();
        setState(State::Disconnected);
    }
}

} // namespace lanyard
