// SPDX-License-Identifier: MIT
#include "session/SessionManager.h"

#include "util/Logging.h"

#include <QFileInfo>
#include <QRegularExpression>

namespace lanyard {

namespace {

QString sanitizeName(const QString& name)
{
    QString out;
    for (const QChar c : name) {
        if (c.isLetterOrNumber() && c.unicode() < 128)
            out += c;
        else if (c == QLatin1Char('.') || c == QLatin1Char('_') || c == QLatin1Char('-'))
            out += c;
        else
            out += QLatin1Char('-');
    }
    while (!out.isEmpty() && !out.at(0).isLetterOrNumber())
        out.remove(0, 1);
    if (out.isEmpty())
        out = QStringLiteral("server");
    return out.left(56);
}

QString uniqueName(const QString& base, const QStringList& taken)
{
    if (!taken.contains(base))
        return base;
    for (int i = 2; i < 1000; ++i) {
        const QString candidate = QStringLiteral("%1-%2").arg(base).arg(i);
        if (!taken.contains(candidate))
            return candidate;
    }
    return base + QStringLiteral("-x");
}

bool mentionsVariable(const json& j)
{
    if (j.is_string())
        return QString::fromStdString(j.get<std::string>()).contains(QLatin1String("${"));
    if (j.is_array() || j.is_object()) {
        for (const auto& v : j) {
            if (mentionsVariable(v))
                return true;
        }
    }
    return false;
}

} // namespace

SessionManager::SessionManager(QObject* parent)
    : QObject(parent)
{
}

SessionManager::~SessionManager()
{
    clearSessions();
}

ServerSession* SessionManager::at(int index) const
{
    return index >= 0 && index < m_sessions.size() ? m_sessions.at(index) : nullptr;
}

ServerSession* SessionManager::session(const QString& name) const
{
    for (ServerSession* s : m_sessions) {
        if (s->name() == name)
            return s;
    }
    return nullptr;
}

int SessionManager::indexOf(const ServerSession* session) const
{
    for (int i = 0; i < m_sessions.size(); ++i) {
        if (m_sessions.at(i) == session)
            return i;
    }
    return -1;
}

void SessionManager::clearSessions()
{
    const auto sessions = std::exchange(m_sessions, {});
    for (ServerSession* s : sessions) {
        s->disconnect(this);
        delete s;
    }
}

ServerSession* SessionManager::createSession(const ServerConfig& config)
{
    auto* s = new ServerSession(config, this);
    s->setNetworkAccessManager(m_network);
    s->setClientOptions(m_clientOptions);
    s->setKeepAliveMs(m_keepAliveMs);
    if (m_elicitationHandler) {
        s->setElicitationHandler([this, s](const json& params, std::function<void(const json&)> reply) {
            if (m_elicitationHandler)
                m_elicitationHandler(s, params, std::move(reply));
            else
                reply(json { { "action", "decline" } });
        });
    }
    auto changed = [this, s] {
        const int i = indexOf(s);
        if (i >= 0)
            emit sessionChanged(i);
    };
    connect(s, &ServerSession::stateChanged, this, changed);
    connect(s, &ServerSession::errorOccurred, this, changed);
    connect(s, &ServerSession::connectionLostChanged, this, changed);
    return s;
}

bool SessionManager::load(const QString& path, Error* error)
{
    Error local;
    Error* err = error ? error : &local;
    clearSessions();
    m_loadError = Error();
    m_config = Config();
    m_config.path = path;
    if (!QFileInfo::exists(path)) {
        qCInfo(lcConfig) << "no configuration at" << path << "yet; starting empty";
        emit sessionsReset();
        return true;
    }
    auto loaded = ConfigStore::load(path, err);
    if (!loaded) {
        m_loadError = *err;
        qCWarning(lcConfig).noquote() << "configuration not loaded:" << err->message;
        emit sessionsReset();
        return false;
    }
    m_config = *loaded;
    for (const auto& s : m_config.servers)
        m_sessions.append(createSession(s));
    emit sessionsReset();
    return true;
}

void SessionManager::setConfig(const Config& config)
{
    clearSessions();
    m_loadError = Error();
    m_config = config;
    for (const auto& s : m_config.servers)
        m_sessions.append(createSession(s));
    emit sessionsReset();
}

std::optional<ServerConfig> SessionManager::validateServer(
    const json& server, const QString& originalName, Error* error) const
{
    Error local;
    Error* err = error ? error : &local;
    auto parsed = ConfigStore::parseServer(server, QStringLiteral("server"), err);
    if (!parsed)
        return std::nullopt;
    if (parsed->name != originalName && session(parsed->name)) {
        *err = Error(
            Error::Kind::Config, tr("A server named \"%1\" already exists; choose another name.").arg(parsed->name));
        return std::nullopt;
    }
    return parsed;
}

bool SessionManager::saveWith(const Config& changed, Error* error)
{
    Error local;
    Error* err = error ? error : &local;
    if (m_loadError.isError()) {
        *err = Error(Error::Kind::Config,
            tr("The configuration file could not be loaded, so Lanyard leaves it untouched: %1 "
               "Fix the file and restart Lanyard, or start it with --config and another file.")
                .arg(m_loadError.message));
        return false;
    }
    Config next = changed;
    if (!next.path.isEmpty() && !ConfigStore::save(next, err))
        return false;
    m_config = next;
    emit configSaved();
    return true;
}

bool SessionManager::addServer(const ServerConfig& server, Error* error)
{
    Error local;
    Error* err = error ? error : &local;
    if (session(server.name)) {
        *err = Error(
            Error::Kind::Config, tr("A server named \"%1\" already exists; choose another name.").arg(server.name));
        return false;
    }
    Config next = m_config;
    next.servers.append(server);
    if (!saveWith(next, err))
        return false;
    m_sessions.append(createSession(server));
    emit sessionAdded(int(m_sessions.size()) - 1);
    return true;
}

bool SessionManager::updateServer(const QString& name, const ServerConfig& server, Error* error)
{
    Error local;
    Error* err = error ? error : &local;
    ServerSession* s = session(name);
    if (!s) {
        *err = Error(Error::Kind::Config, tr("There is no server named \"%1\".").arg(name));
        return false;
    }
    if (server.name != name && session(server.name)) {
        *err = Error(
            Error::Kind::Config, tr("A server named \"%1\" already exists; choose another name.").arg(server.name));
        return false;
    }
    Config next = m_config;
    for (auto& c : next.servers) {
        if (c.name == name)
            c = server;
    }
    if (!saveWith(next, err))
        return false;
    s->setConfig(server);
    emit sessionChanged(indexOf(s));
    return true;
}

bool SessionManager::removeServer(const QString& name, Error* error)
{
    Error local;
    Error* err = error ? error : &local;
    ServerSession* s = session(name);
    if (!s) {
        *err = Error(Error::Kind::Config, tr("There is no server named \"%1\".").arg(name));
        return false;
    }
    Config next = m_config;
    next.servers.removeIf([&name](const ServerConfig& c) { return c.name == name; });
    if (!saveWith(next, err))
        return false;
    const int index = indexOf(s);
    emit sessionAboutToBeRemoved(index);
    m_sessions.removeAt(index);
    s->disconnect(this);
    s->disconnectFromServer();
    s->deleteLater();
    emit sessionRemoved(index);
    return true;
}

std::optional<ServerImport> SessionManager::parseImport(
    const QByteArray& bytes, const QString& path, const QStringList& takenNames, Error* error)
{
    Error local;
    Error* err = error ? error : &local;
    const QString file = QFileInfo(path).fileName().isEmpty() ? tr("the file") : QFileInfo(path).fileName();
    json doc = json::parse(bytes.constBegin(), bytes.constEnd(), nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
        *err = Error(Error::Kind::Config, tr("%1 is not a JSON object, so it is not an MCP server list.").arg(file));
        return std::nullopt;
    }
    ServerImport out;
    QStringList taken = takenNames;

    // A Lanyard configuration: a "servers" list.
    if (doc.contains("servers") && doc["servers"].is_array()) {
        out.format = QStringLiteral("Lanyard");
        int i = 0;
        for (const auto& entry : doc["servers"]) {
            Error e;
            auto s = ConfigStore::parseServer(entry, QStringLiteral("servers[%1]").arg(i++), &e);
            if (!s) {
                out.notes << tr("Skipped: %1").arg(e.message);
                continue;
            }
            const QString unique = uniqueName(s->name, taken);
            if (unique != s->name)
                out.notes << tr("\"%1\" is already used; imported as \"%2\".").arg(s->name, unique);
            s->name = unique;
            s->raw["name"] = unique.toStdString();
            taken << unique;
            out.servers << *s;
        }
        return out;
    }

    const json* servers = nullptr;
    if (doc.contains("servers") && doc["servers"].is_object()) {
        out.format = QStringLiteral("VS Code");
        servers = &doc["servers"];
    } else if (doc.contains("mcpServers") && doc["mcpServers"].is_object()) {
        // Claude Desktop and Cursor use the same shape; Cursor files live in .cursor/mcp.json.
        out.format
            = path.contains(QLatin1String(".cursor")) ? QStringLiteral("Cursor") : QStringLiteral("Claude Desktop");
        servers = &doc["mcpServers"];
    } else if (doc.contains("mcp") && doc["mcp"].is_object() && doc["mcp"].contains("servers")
        && doc["mcp"]["servers"].is_object()) {
        out.format = QStringLiteral("VS Code");
        servers = &doc["mcp"]["servers"];
    } else {
        *err = Error(Error::Kind::Config,
            tr("%1 has no \"servers\" (VS Code) or \"mcpServers\" (Claude Desktop, Cursor) object; "
               "there is nothing to import.")
                .arg(file));
        return std::nullopt;
    }

    for (auto it = servers->begin(); it != servers->end(); ++it) {
        const QString original = QString::fromStdString(it.key());
        const json& entry = it.value();
        if (!entry.is_object()) {
            out.notes << tr("Skipped \"%1\": its entry is not an object.").arg(original);
            continue;
        }
        json lanyard = json::object();
        const QString type = qs(entry, "type");
        if (entry.contains("url"))
            lanyard["url"] = entry["url"];
        if (entry.contains("command"))
            lanyard["command"] = entry["command"];
        if (entry.contains("args"))
            lanyard["args"] = entry["args"];
        if (entry.contains("env"))
            lanyard["env"] = entry["env"];
        if (entry.contains("cwd"))
            lanyard["cwd"] = entry["cwd"];
        if (entry.contains("headers") && entry["headers"].is_object()) {
            json headers = json::object();
            for (auto h = entry["headers"].begin(); h != entry["headers"].end(); ++h) {
                if (QString::fromStdString(h.key()).compare(QLatin1String("Authorization"), Qt::CaseInsensitive) == 0) {
                    out.notes << tr(
                        "\"%1\": the Authorization header was not imported (secrets do not belong in "
                        "the configuration). Give the server a bearer token from an environment variable instead.")
                                     .arg(original);
                    continue;
                }
                headers[h.key()] = h.value();
            }
            if (!headers.empty())
                lanyard["headers"] = headers;
        }
        if (type == QLatin1String("sse"))
            out.notes << tr(
                "\"%1\" uses the older HTTP+SSE transport; Lanyard speaks Streamable HTTP, so it may not connect.")
                             .arg(original);
        if (mentionsVariable(entry))
            out.notes << tr(
                "\"%1\" uses ${...} variables, which Lanyard does not expand; edit the server after importing.")
                             .arg(original);
        const QString name = uniqueName(sanitizeName(original), taken);
        if (name != original)
            out.notes << tr("\"%1\" was imported as \"%2\".").arg(original, name);
        lanyard["name"] = name.toStdString();
        Error e;
        auto s = ConfigStore::parseServer(lanyard, QStringLiteral("\"%1\"").arg(original), &e);
        if (!s) {
            out.notes << tr("Skipped: %1").arg(e.message);
            continue;
        }
        taken << name;
        out.servers << *s;
    }
    return out;
}

json SessionManager::exportDocument(const QStringList& names) const
{
    json servers = json::array();
    for (const auto& s : m_config.servers) {
        if (names.isEmpty() || names.contains(s.name))
            servers.push_back(ConfigStore::toJson(s));
    }
    return json { { "servers", servers } };
}

json SessionManager::exportVsCode(const QStringList& names) const
{
    json servers = json::object();
    for (const auto& s : m_config.servers) {
        if (!names.isEmpty() && !names.contains(s.name))
            continue;
        json e = json::object();
        if (s.isStdio()) {
            e["type"] = "stdio";
            e["command"] = s.command.toStdString();
            json args = json::array();
            for (const auto& a : s.args)
                args.push_back(a.toStdString());
            e["args"] = args;
            if (!s.env.isEmpty()) {
                json env = json::object();
                for (auto it = s.env.cbegin(); it != s.env.cend(); ++it)
                    env[it.key().toStdString()] = it.value().toStdString();
                e["env"] = env;
            }
        } else {
            e["type"] = "http";
            e["url"] = s.url.toString().toStdString();
            if (!s.headers.isEmpty()) {
                json h = json::object();
                for (const auto& [k, v] : s.headers)
                    h[k.toStdString()] = v.toStdString();
                e["headers"] = h;
            }
        }
        servers[s.name.toStdString()] = e;
    }
    return json { { "servers", servers } };
}

void SessionManager::setNetworkAccessManager(QNetworkAccessManager* network)
{
    m_network = network;
    for (ServerSession* s : m_sessions)
        s->setNetworkAccessManager(network);
}

void SessionManager::setClientOptions(const ClientOptions& options)
{
    m_clientOptions = options;
    for (ServerSession* s : m_sessions)
        s->setClientOptions(options);
}

void SessionManager::setKeepAliveMs(int ms)
{
    m_keepAliveMs = ms;
    for (ServerSession* s : m_sessions)
        s->setKeepAliveMs(ms);
}

void SessionManager::setElicitationHandler(ElicitationHandler handler)
{
    m_elicitationHandler = std::move(handler);
    for (ServerSession* s : m_sessions) {
        s->setElicitationHandler([this, s](const json& params, std::function<void(const json&)> reply) {
            if (m_elicitationHandler)
                m_elicitationHandler(s, params, std::move(reply));
            else
                reply(json { { "action", "decline" } });
        });
    }
}

void SessionManager::connectAll()
{
    for (ServerSession* s : m_sessions) {
        if (s->config().enabled)
            s->connectToServer();
    }
}

void SessionManager::disconnectAll()
{
    for (ServerSession* s : m_sessions)
        s->disconnectFromServer();
}

} // namespace lanyard
