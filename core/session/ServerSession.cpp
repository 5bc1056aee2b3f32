// SPDX-License-Identifier: MIT
#include "session/ServerSession.h"

#include "protocol/TokenProvider.h"
#include "session/ClientFactory.h"
#include "transport/StreamableHttpTransport.h"
#include "util/Logging.h"

namespace lanyard {

namespace {

// "tools/call #4", "result #4", "error #4", "notifications/progress" for one JSON-RPC message.
QString describeMessage(const json& m)
{
    if (!m.is_object())
        return QString();
    QString id;
    if (m.contains("id") && (m["id"].is_number_integer() || m["id"].is_string()))
        id = m["id"].is_string() ? qstr(m["id"].get<std::string>()) : QString::number(m["id"].get<qint64>());
    const QString method = qs(m, "method");
    if (!method.isEmpty())
        return id.isEmpty() ? method : QStringLiteral("%1 #%2").arg(method, id);
    if (m.contains("error"))
        return QStringLiteral("error #%1").arg(id);
    if (m.contains("result"))
        return QStringLiteral("result #%1").arg(id);
    return QString();
}

// The JSON-RPC messages carried in one traffic record's body (JSON or SSE "data:" lines).
QStringList describeBody(const QByteArray& body)
{
    QByteArray payload = body;
    const qsizetype headerEnd = body.indexOf("\r\n\r\n");
    if (headerEnd >= 0)
        payload = body.mid(headerEnd + 4);
    else if (body.startsWith("\r\n"))
        payload = body.mid(2);
    payload = payload.trimmed();
    QStringList out;
    if (payload.isEmpty())
        return out;
    auto addOne = [&out](const json& j) {
        if (j.is_array()) {
            for (const auto& m : j) {
                const QString d = describeMessage(m);
                if (!d.isEmpty())
                    out << d;
            }
        } else {
            const QString d = describeMessage(j);
            if (!d.isEmpty())
                out << d;
        }
    };
    json whole = json::parse(payload.constBegin(), payload.constEnd(), nullptr, false);
    if (!whole.is_discarded()) {
        addOne(whole);
        return out;
    }
    for (const QByteArray& line : payload.split('\n')) {
        const QByteArray t = line.trimmed();
        if (!t.startsWith("data:"))
            continue;
        const QByteArray data = t.mid(5).trimmed();
        json j = json::parse(data.constBegin(), data.constEnd(), nullptr, false);
        if (!j.is_discarded())
            addOne(j);
        if (out.size() > 8)
            break;
    }
    return out;
}

} // namespace

ServerSession::ServerSession(ServerConfig config, QObject* parent)
    : QObject(parent)
    , m_config(std::move(config))
{
    m_keepAlive.setInterval(30000);
    connect(&m_keepAlive, &QTimer::timeout, this, [this] {
        if (m_state != State::Connected || !m_client || m_pingInFlight)
            return;
        m_pingInFlight = true;
        PendingRequest* ping = track(m_client->ping());
        connect(ping, &PendingRequest::done, this, [this] { m_pingInFlight = false; });
    });
}

ServerSession::~ServerSession()
{
    m_closing = true;
    ++m_generation;
    if (m_client) {
        m_client->disconnect(this);
        m_client->close();
    }
}

QString ServerSession::stateName(State state)
{
    switch (state) {
    case State::Disconnected:
        return tr("disconnected");
    case State::Connecting:
        return tr("connecting");
    case State::Connected:
        return tr("connected");
    case State::Error:
        return tr("error");
    }
    return QString();
}

void ServerSession::setConfig(const ServerConfig& config)
{
    const bool wasActive = m_state == State::Connected || m_state == State::Connecting;
    m_config = config;
    if (wasActive)
        reconnect();
}

ServerInfo ServerSession::serverInfo() const
{
    return m_client ? m_client->serverInfo() : ServerInfo();
}

json ServerSession::tool(const QString& name) const
{
    const auto it = m_toolIndex.constFind(name);
    return it == m_toolIndex.constEnd() ? json::object() : m_tools[size_t(*it)];
}

bool ServerSession::hasTool(const QString& name) const
{
    return m_toolIndex.contains(name);
}

void ServerSession::indexTools(qsizetype from)
{
    if (from == 0)
        m_toolIndex.clear();
    if (!m_tools.is_array())
        return;
    for (size_t i = size_t(from); i < m_tools.size(); ++i) {
        const json& t = m_tools[i];
        const auto it = t.is_object() ? t.find("name") : t.end();
        // A name of the wrong type is simply not indexed (server data never throws here).
        if (t.is_object() && it != t.end() && it->is_string()) {
            const QString name = QString::fromStdString(it->get_ref<const std::string&>());
            if (!m_toolIndex.contains(name))
                m_toolIndex.insert(name, qsizetype(i));
        }
    }
}

json ServerSession::prompt(const QString& name) const
{
    const std::string n = name.toStdString();
    for (const auto& p : m_prompts) {
        if (!p.is_object())
            continue;
        const auto it = p.find("name");
        if (it != p.end() && it->is_string() && it->get_ref<const std::string&>() == n)
            return p;
    }
    return json::object();
}

bool ServerSession::hasCapability(const char* name) const
{
    if (!m_client || m_state != State::Connected)
        return false;
    const json& caps = m_client->serverInfo().capabilities;
    return caps.is_object() && caps.contains(name) && !caps[name].is_null();
}

void ServerSession::setElicitationHandler(McpClient::ElicitationHandler handler)
{
    m_elicitationHandler = std::move(handler);
    if (m_client)
        m_client->setElicitationHandler(m_elicitationHandler);
}

void ServerSession::setKeepAliveMs(int ms)
{
    if (ms <= 0) {
        m_keepAlive.stop();
        m_keepAlive.setInterval(0);
        return;
    }
    m_keepAlive.setInterval(ms);
    if (m_state == State::Connected)
        m_keepAlive.start();
}

void ServerSession::setState(State state)
{
    if (state != State::Connected)
        m_keepAlive.stop();
    else if (m_keepAlive.interval() > 0)
        m_keepAlive.start();
    if (m_state == state)
        return;
    m_state = state;
    emit stateChanged(state);
}

void ServerSession::setLost(bool lost)
{
    if (m_connectionLost == lost)
        return;
    m_connectionLost = lost;
    emit connectionLostChanged(lost);
}

Error ServerSession::notConnectedError(const QString& what) const
{
    return Error(
        Error::Kind::Connection, tr("\"%1\" is not connected. Connect to it first, then %2.").arg(m_config.name, what));
}

PendingRequest* ServerSession::failedRequest(const QString& method, const Error& error)
{
    auto* request = new PendingRequest(method, this);
    QTimer::singleShot(0, request, [request, error] { request->reject(error); });
    return request;
}

PendingRequest* ServerSession::track(PendingRequest* request)
{
    const quint64 generation = m_generation;
    connect(request, &PendingRequest::failed, this, [this, generation](const Error& e) {
        if (generation != m_generation || m_closing)
            return;
        if (e.kind == Error::Kind::Connection || e.kind == Error::Kind::SessionExpired)
            markLost(e);
    });
    return request;
}

void ServerSession::markLost(const Error& error)
{
    if (m_state != State::Connected)
        return;
    qCInfo(lcProtocol).noquote() << "server" << m_config.name << "is unreachable:" << error.message;
    m_lastError = error;
    setLost(true);
    setState(State::Error);
    emit errorOccurred(error);
}

void ServerSession::destroyClient()
{
    ++m_generation;
    if (m_refreshPending > 0) {
        m_refreshPending = 0;
        emit refreshingChanged(false);
    }
    m_pingInFlight = false;
    if (!m_subscriptions.isEmpty()) {
        m_subscriptions.clear();
        emit subscriptionsChanged();
    }
    if (!m_client)
        return;
    McpClient* client = m_client;
    m_client = nullptr;
    m_closing = true;
    client->disconnect(this);
    client->transport()->disconnect(this);
    client->close();
    client->deleteLater();
    m_closing = false;
}

void ServerSession::connectToServer()
{
    if (m_state == State::Connecting || m_state == State::Connected)
        return;
    destroyClient();
    Error error;
    McpClient* client = ClientFactory::instance().create(m_config, m_clientOptions, &error, m_network, this);
    if (!client) {
        m_lastError = error.isError()
            ? error
            : Error(Error::Kind::Config, tr("\"%1\" cannot be used with this configuration.").arg(m_config.name));
        setState(State::Error);
        emit errorOccurred(m_lastError);
        return;
    }
    m_client = client;
    m_lastError = Error();
    if (m_elicitationHandler)
        client->setElicitationHandler(m_elicitationHandler);
    const quint64 generation = m_generation;
    connect(client->transport(), &Transport::trafficObserved, this, &ServerSession::onTraffic);
    connect(client, &McpClient::stateChanged, this, &ServerSession::onClientStateChanged);
    connect(client, &McpClient::ready, this, [this, generation] {
        if (generation != m_generation)
            return;
        m_lastError = Error();
        setLost(false);
        setState(State::Connected);
        if (generation != m_generation)
            return; // a handler of stateChanged disconnected or reconnected the session
        // Server-initiated notifications (list_changed, resources/updated) arrive on the GET stream.
        if (auto* http = qobject_cast<StreamableHttpTransport*>(m_client->transport()))
            http->startListening();
        refresh();
    });
    connect(client, &McpClient::errorOccurred, this, [this, generation](const Error& e) {
        if (generation != m_generation)
            return;
        if (m_state == State::Connecting || (m_state == State::Error && !m_connectionLost)) {
            m_lastError = e;
            setState(State::Error);
            emit errorOccurred(e);
        } else if (m_state == State::Connected && e.kind == Error::Kind::Connection && m_config.isStdio()) {
            markLost(e); // the process died
        }
    });
    connect(client, &McpClient::toolsListChanged, this, [this] { fetchList(QStringLiteral("tools")); });
    connect(client, &McpClient::resourcesListChanged, this, [this] {
        fetchList(QStringLiteral("resources"));
        fetchList(QStringLiteral("templates"));
    });
    connect(client, &McpClient::promptsListChanged, this, [this] { fetchList(QStringLiteral("prompts")); });
    connect(client, &McpClient::resourceUpdated, this, &ServerSession::resourceUpdated);
    connect(client, &McpClient::logMessage, this, &ServerSession::logMessageReceived);
    setLost(false);
    // The tools listed before belong to the last connection (maybe another account): shown until the
    // new list arrives, but no longer complete.
    m_toolsComplete = false;
    setState(State::Connecting);
    client->connectToServer();
}

void ServerSession::onClientStateChanged(McpClient::State state)
{
    switch (state) {
    case McpClient::State::Connecting:
        // Initializing again after the server forgot our session.
        if (m_state == State::Connected)
            setState(State::Connecting);
        break;
    case McpClient::State::Connected:
        if (m_state == State::Connecting && m_client && m_client->serverInfo().protocolVersion.size() > 0) {
            // ready() handles the first connect; this is a completed re-initialize.
            QTimer::singleShot(0, this, [this] {
                if (m_state == State::Connecting && m_client && m_client->state() == McpClient::State::Connected)
                    setState(State::Connected);
            });
        }
        break;
    case McpClient::State::Failed:
        if (m_state == State::Connected) {
            markLost(Error(Error::Kind::Connection, tr("The connection to \"%1\" failed.").arg(m_config.name)));
        } else if (m_state == State::Connecting) {
            if (!m_lastError.isError())
                m_lastError = Error(Error::Kind::Connection, tr("Connecting to \"%1\" failed.").arg(m_config.name));
            setState(State::Error);
        }
        break;
    case McpClient::State::Disconnected:
        if (m_closing)
            break;
        if (m_state == State::Connected) {
            markLost(Error(Error::Kind::Connection,
                tr("The server \"%1\" closed the connection. Reconnect when it is back.").arg(m_config.name)));
        } else if (m_state == State::Connecting) {
            m_lastError = Error(Error::Kind::Connection,
                tr("The server \"%1\" closed the connection while Lanyard was connecting.").arg(m_config.name));
            setState(State::Error);
            emit errorOccurred(m_lastError);
        }
        break;
    }
}

void ServerSession::disconnectFromServer()
{
    destroyClient();
    m_lastError = Error();
    setLost(false);
    setState(State::Disconnected);
}

void ServerSession::reconnect()
{
    destroyClient();
    m_state = State::Disconnected; // no signal: connectToServer() emits Connecting right away
    connectToServer();
}

void ServerSession::refresh()
{
    if (m_state != State::Connected || !m_client)
        return;
    fetchList(QStringLiteral("tools"));
    fetchList(QStringLiteral("resources"));
    fetchList(QStringLiteral("templates"));
    fetchList(QStringLiteral("prompts"));
}

void ServerSession::fetchToolsPage(const QString& cursor, quint64 listGeneration, int page)
{
    json params = json::object();
    if (!cursor.isEmpty())
        params["cursor"] = cursor.toStdString();
    PendingRequest* request = track(m_client->request(QStringLiteral("tools/list"), params));
    const quint64 generation = m_generation;
    if (m_refreshPending++ == 0)
        emit refreshingChanged(true);
    const auto current = [this, generation, listGeneration] {
        return generation == m_generation && listGeneration == m_toolsGeneration;
    };
    connect(
        request, &PendingRequest::finished, this, [this, current, cursor, listGeneration, page](const json& result) {
            if (!current())
                return;
            if (!result.is_object() || !result.contains("tools") || !result["tools"].is_array()) {
                emit errorOccurred(Error(Error::Kind::Protocol,
                    tr("Could not list the tools of \"%1\": its tools/list answer has no \"tools\" list.")
                        .arg(m_config.name)));
                return;
            }
            const json& pageTools = result["tools"];
            if (page == 0) {
                m_tools = json::array();
                m_toolsComplete = false;
            }
            const int first = int(m_tools.size());
            for (const auto& t : pageTools) {
                if (t.is_object())
                    m_tools.push_back(t);
            }
            indexTools(first);
            if (page == 0)
                emit toolsReset();
            else if (int(m_tools.size()) > first)
                emit toolsAppended(first, int(m_tools.size()) - first);
            const QString next = qs(result, "nextCursor");
            if (next.isEmpty()) {
                m_toolsComplete = true;
                emit toolsChanged();
                return;
            }
            const int maxPages = m_clientOptions.maxListPages > 0 ? m_clientOptions.maxListPages : 10000;
            if (next == cursor || page + 1 >= maxPages) {
                m_toolsComplete = true;
                emit toolsChanged();
                emit errorOccurred(Error(Error::Kind::Protocol,
                    tr("\"%1\" keeps paging its tools (%2 pages, cursor repeated or limit reached); Lanyard "
                       "stopped there to avoid an endless loop.")
                        .arg(m_config.name)
                        .arg(page + 1)));
                return;
            }
            fetchToolsPage(next, listGeneration, page + 1);
        });
    connect(request, &PendingRequest::failed, this, [this, current](const Error& e) {
        if (!current() || e.kind == Error::Kind::Connection)
            return; // a lost connection is reported once, by markLost()
        Error shown = e;
        shown.message = tr("Could not list the tools of \"%1\": %2").arg(m_config.name, e.message);
        emit errorOccurred(shown);
    });
    connect(request, &PendingRequest::done, this, [this, generation] {
        if (generation != m_generation || m_refreshPending == 0)
            return;
        if (--m_refreshPending == 0)
            emit refreshingChanged(false);
    });
}

void ServerSession::fetchList(const QString& which)
{
    if (m_state != State::Connected || !m_client)
        return;
    if (which == QLatin1String("tools") && hasCapability("tools")) {
        fetchToolsPage(QString(), ++m_toolsGeneration, 0);
        return;
    }
    const char* capability = which == QLatin1String("tools") ? "tools"
        : which == QLatin1String("prompts")                  ? "prompts"
                                                             : "resources";
    if (!hasCapability(capability)) {
        listFetched(which, json::array());
        return;
    }
    PendingRequest* request = nullptr;
    QString key;
    if (which == QLatin1String("tools")) {
        request = m_client->listTools();
        key = QStringLiteral("tools");
    } else if (which == QLatin1String("resources")) {
        request = m_client->listResources();
        key = QStringLiteral("resources");
    } else if (which == QLatin1String("templates")) {
        request = m_client->listResourceTemplates();
        key = QStringLiteral("resourceTemplates");
    } else {
        request = m_client->listPrompts();
        key = QStringLiteral("prompts");
    }
    track(request);
    const quint64 generation = m_generation;
    if (m_refreshPending++ == 0)
        emit refreshingChanged(true);
    connect(request, &PendingRequest::finished, this, [this, generation, which, key](const json& result) {
        if (generation != m_generation)
            return;
        const std::string k = key.toStdString();
        listFetched(
            which, result.is_object() && result.contains(k) && result[k].is_array() ? result[k] : json::array());
    });
    connect(request, &PendingRequest::failed, this, [this, generation, which](const Error& e) {
        if (generation != m_generation || e.kind == Error::Kind::Connection)
            return; // a lost connection is reported once, by markLost()
        if (which == QLatin1String("templates") && e.kind == Error::Kind::Rpc)
            return; // many servers offer resources without templates
        const QString what = which == QLatin1String("tools") ? tr("tools")
            : which == QLatin1String("resources")            ? tr("resources")
            : which == QLatin1String("templates")            ? tr("resource templates")
                                                             : tr("prompts");
        Error shown = e;
        shown.message = tr("Could not list the %1 of \"%2\": %3").arg(what, m_config.name, e.message);
        emit errorOccurred(shown);
    });
    connect(request, &PendingRequest::done, this, [this, generation] {
        if (generation != m_generation || m_refreshPending == 0)
            return;
        if (--m_refreshPending == 0)
            emit refreshingChanged(false);
    });
}

void ServerSession::listFetched(const QString& which, const json& items)
{
    if (which == QLatin1String("tools")) {
        m_tools = items;
        indexTools(0);
        m_toolsComplete = true;
        emit toolsReset();
        emit toolsChanged();
    } else if (which == QLatin1String("resources")) {
        m_resources = items;
        emit resourcesChanged();
    } else if (which == QLatin1String("templates")) {
        m_templates = items;
        emit resourceTemplatesChanged();
    } else {
        m_prompts = items;
        emit promptsChanged();
    }
}

void ServerSession::onTraffic(TrafficRecord record)
{
    const QStringList messages = describeBody(record.body);
    if (!messages.isEmpty()) {
        QStringList shown = messages.mid(0, 4);
        if (messages.size() > 4)
            shown << tr("+%1 more").arg(messages.size() - 4);
        record.summary += QStringLiteral(" · ") + shown.join(QStringLiteral(", "));
    }
    m_traffic.append(record);
    if (m_traffic.size() > m_maxTraffic) {
        const int drop = qMax(1, m_maxTraffic / 10);
        m_traffic.remove(0, drop);
        emit trafficTrimmed(drop);
    }
    emit trafficRecorded(record);
}

void ServerSession::clearTraffic()
{
    m_traffic.clear();
    emit trafficCleared();
}

PendingRequest* ServerSession::callTool(const QString& name, const json& arguments)
{
    if (m_state != State::Connected || !m_client)
        return failedRequest(QStringLiteral("tools/call"), notConnectedError(tr("call %1").arg(name)));
    PendingRequest* request = track(m_client->callTool(name, arguments));
    CallRecord record;
    record.serial = m_nextCallSerial++;
    record.tool = name;
    record.arguments = arguments.is_null() ? json::object() : arguments;
    record.startedAt = QDateTime::currentDateTime();
    m_history.append(record);
    emit historyAppended();
    if (m_history.size() > m_maxHistory) {
        const int drop = int(m_history.size()) - m_maxHistory;
        m_history.remove(0, drop);
        emit historyTrimmed(drop);
    }
    const quint64 serial = record.serial;
    auto update = [this, serial](CallRecord::Outcome outcome, const QString& summary, qint64 elapsed,
                      Error::Kind kind = Error::Kind::None, const QString& reason = QString(), int code = 0) {
        for (int i = 0; i < m_history.size(); ++i) {
            if (m_history[i].serial != serial)
                continue;
            m_history[i].outcome = outcome;
            m_history[i].summary = summary;
            m_history[i].durationMs = elapsed;
            m_history[i].errorKind = kind;
            m_history[i].errorCode = code;
            m_history[i].reason = reason;
            emit historyUpdated(i);
            return;
        }
    };
    QPointer<PendingRequest> guard(request);
    connect(request, &PendingRequest::finished, this, [update, guard](const json& result) {
        const qint64 elapsed = guard ? guard->elapsedMs() : -1;
        // Server data: read without converting (a wrongly typed member must not throw).
        if (result.is_object() && result.value("isError", json()) == true) {
            QString reason;
            if (auto content = result.find("content"); content != result.end() && content->is_array()) {
                for (const json& item : *content) {
                    if (item.is_object() && qs(item, "type") == QLatin1String("text") && item.contains("text")
                        && item["text"].is_string()) {
                        reason = QString::fromStdString(item["text"].get<std::string>()).left(300);
                        break;
                    }
                }
            }
            update(CallRecord::Outcome::ToolError, tr("the tool reported an error"), elapsed, Error::Kind::ToolError,
                reason);
        } else
            update(CallRecord::Outcome::Ok, tr("ok"), elapsed);
    });
    connect(request, &PendingRequest::failed, this, [update, guard](const Error& e) {
        const qint64 elapsed = guard ? guard->elapsedMs() : -1;
        update(e.kind == Error::Kind::Cancelled ? CallRecord::Outcome::Cancelled : CallRecord::Outcome::Failed,
            e.message, elapsed, e.kind, e.message, e.code);
    });
    return request;
}

TokenProvider* ServerSession::tokenProvider() const
{
    if (!m_client || !m_client->transport())
        return nullptr;
    return m_client->transport()->findChild<TokenProvider*>();
}

PendingRequest* ServerSession::readResource(const QString& uri)
{
    if (m_state != State::Connected || !m_client)
        return failedRequest(QStringLiteral("resources/read"), notConnectedError(tr("read %1").arg(uri)));
    return track(m_client->readResource(uri));
}

PendingRequest* ServerSession::subscribeResource(const QString& uri)
{
    if (m_state != State::Connected || !m_client)
        return failedRequest(QStringLiteral("resources/subscribe"), notConnectedError(tr("subscribe to %1").arg(uri)));
    PendingRequest* request = track(m_client->subscribeResource(uri));
    const quint64 generation = m_generation;
    connect(request, &PendingRequest::finished, this, [this, generation, uri] {
        if (generation != m_generation)
            return;
        m_subscriptions.insert(uri);
        emit subscriptionsChanged();
    });
    return request;
}

PendingRequest* ServerSession::unsubscribeResource(const QString& uri)
{
    if (m_state != State::Connected || !m_client)
        return failedRequest(
            QStringLiteral("resources/unsubscribe"), notConnectedError(tr("unsubscribe from %1").arg(uri)));
    PendingRequest* request = track(m_client->unsubscribeResource(uri));
    const quint64 generation = m_generation;
    connect(request, &PendingRequest::done, this, [this, generation, uri] {
        if (generation != m_generation)
            return;
        m_subscriptions.remove(uri);
        emit subscriptionsChanged();
    });
    return request;
}

PendingRequest* ServerSession::getPrompt(const QString& name, const json& arguments)
{
    if (m_state != State::Connected || !m_client)
        return failedRequest(QStringLiteral("prompts/get"), notConnectedError(tr("get the prompt %1").arg(name)));
    return track(m_client->getPrompt(name, arguments));
}

PendingRequest* ServerSession::complete(
    const json& ref, const QString& argumentName, const QString& value, const json& contextArguments)
{
    if (m_state != State::Connected || !m_client)
        return failedRequest(QStringLiteral("completion/complete"), notConnectedError(tr("ask for completions")));
    return track(m_client->complete(ref, argumentName, value, contextArguments));
}

} // namespace lanyard
