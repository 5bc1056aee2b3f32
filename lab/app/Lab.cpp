// SPDX-License-Identifier: MIT
#include "Lab.h"

#include "sts/IdentityLab.h"
#include "sts/JwtValidator.h"
#include "util/Logging.h"

#include <QDir>
#include <QFileInfo>
#include <QSaveFile>

namespace lanyard::lab {

Lab::Lab(QObject* parent)
    : QObject(parent)
{
}

Lab::~Lab()
{
    stop();
}

QStringList Lab::serverNames()
{
    return { QStringLiteral("hr"), QStringLiteral("docs"), QStringLiteral("bench") };
}

bool Lab::start(const LabOptions& options, QString* error)
{
    if (isRunning())
        return true;
    m_options = options;
    const int portsNeeded = options.identity ? 5 : 3;
    if (options.basePort != 0 && int(options.basePort) + portsNeeded - 1 > 65535) {
        if (error)
            *error = tr("The base port %1 is too high: the lab needs %2 ports from it.")
                         .arg(options.basePort)
                         .arg(portsNeeded);
        return false;
    }
    if (options.identity && !startIdentity(error))
        return false;
    const QStringList names = serverNames();
    for (int i = 0; i < names.size(); ++i) {
        Entry e;
        e.name = names[i];
        e.http = std::make_unique<HttpServer>();
        if (e.name == QLatin1String("hr"))
            e.server = std::make_unique<HrDemoServer>();
        else if (e.name == QLatin1String("docs"))
            e.server = std::make_unique<DocsDemoServer>();
        else
            e.server = std::make_unique<BenchDemoServer>(qMax(0, options.benchTools));
        e.http->setName(e.server->options().name); // one tag per server in the log
        e.server->attach(e.http.get());
        if (options.configureServer)
            options.configureServer(e.name, *e.server);
        if (options.latencyMs > 0) {
            HttpFaults faults;
            faults.latencyMs = options.latencyMs;
            e.http->setFaults(faults);
        }
        const quint16 port = options.basePort == 0 ? 0 : quint16(options.basePort + i);
        QString listenError;
        if (!e.http->listen(port, &listenError)) {
            if (error)
                *error = tr("The %1 server could not start: %2").arg(e.name, listenError);
            stop();
            return false;
        }
        if (m_identity)
            protect(e);
        m_servers.push_back(std::move(e));
    }
    for (const auto& e : m_servers)
        qCInfo(lcLab).noquote() << QStringLiteral("[%1]").arg(e.server->options().name) << "listening on"
                                << e.server->endpointUrl().toString();
    return true;
}

void Lab::stop()
{
    // Servers first (they end their sessions and streams), then the sockets.
    for (auto& e : m_servers) {
        e.server.reset();
        e.http.reset();
    }
    m_servers.clear();
    if (m_identity) {
        m_identity->stop();
        m_identity.reset();
    }
}

bool Lab::startIdentity(QString* error)
{
    m_identity = std::make_unique<IdentityLab>(m_options.scenario ? *m_options.scenario : Scenario::builtIn());
    const quint16 idpPort = m_options.basePort == 0 ? 0 : quint16(m_options.basePort + 3);
    const quint16 stsPort = m_options.basePort == 0 ? 0 : quint16(m_options.basePort + 4);
    QString why;
    if (!m_identity->start(idpPort, stsPort, &why)) {
        if (error)
            *error = why;
        m_identity.reset();
        return false;
    }
    qCInfo(lcLab).noquote() << "[identity] provider" << m_identity->authority().toString() << "token service"
                            << m_identity->tokenServiceIssuer();
    return true;
}

QString Lab::protection(const QString& name) const
{
    if (!m_identity)
        return QStringLiteral("none");
    if (name == QLatin1String("hr"))
        return QStringLiteral("token-service");
    if (name == QLatin1String("docs"))
        return QStringLiteral("entra");
    return QStringLiteral("none");
}

namespace {

AuthHook validatingHook(JwtValidator* validator)
{
    return [validator](const Request& request) {
        const JwtValidation result = validator->validateCached(request.header("Authorization"));
        if (result.ok)
            return AuthDecision::allow(result.claims);
        AuthDecision denial
            = AuthDecision::deny(result.status, result.error.toUtf8(), result.errorDescription.toUtf8());
        denial.wwwAuthenticate = result.wwwAuthenticate;
        return denial;
    };
}

QStringList toStringList(const json& array)
{
    QStringList out;
    if (array.is_array()) {
        for (const json& item : array) {
            if (item.is_string())
                out << QString::fromStdString(item.get<std::string>());
        }
    }
    return out;
}

} // namespace

// Puts a started server behind the identity lab: its metadata names the authorization server that
// issues its tokens, and every request to its endpoint must carry one issued for it.
void Lab::protect(Entry& entry)
{
    const QString how = protection(entry.name);
    if (how == QLatin1String("none"))
        return;
    McpServer& server = *entry.server;
    const QString resource = server.endpointUrl().toString();
    const QString metadataUrl = server.resourceMetadataUrl().toString();
    JwtValidatorConfig config;
    json metadata;
    if (how == QLatin1String("token-service")) {
        if (!m_identity->registerServer(entry.name, resource)) {
            qCWarning(lcLab).noquote() << "[identity] the scenario has no token-service server" << entry.name
                                       << "- it stays open";
            return;
        }
        config = m_identity->tokenServiceValidatorConfig(resource, metadataUrl);
        metadata = m_identity->protectedResourceMetadata(resource, entry.name, true);
    } else {
        const QString app = QStringLiteral("lab-") + entry.name;
        m_identity->registerServer(entry.name, resource); // the token service may issue for it too
        config = m_identity->entraValidatorConfig(app, metadataUrl);
        metadata = m_identity->protectedResourceMetadata(resource, app, false);
        server.mutableOptions().scopePrefix = QStringLiteral("api://%1/").arg(app);
    }
    server.mutableOptions().authorizationServers = toStringList(metadata.value("authorization_servers", json()));
    server.mutableOptions().scopesSupported = toStringList(metadata.value("scopes_supported", json()));
    auto* validator = new JwtValidator(config, &server);
    validator->prefetchKeys();
    server.setAuthHook(validatingHook(validator));
}

const Lab::Entry* Lab::find(const QString& name) const
{
    for (const auto& e : m_servers) {
        if (e.name == name)
            return &e;
    }
    return nullptr;
}

QList<LabEndpoint> Lab::endpoints() const
{
    QList<LabEndpoint> out;
    for (const auto& e : m_servers)
        out << LabEndpoint { e.name, e.server->options().title, e.server->endpointUrl() };
    return out;
}

QUrl Lab::url(const QString& name) const
{
    const Entry* e = find(name);
    return e ? e->server->endpointUrl() : QUrl();
}

McpServer* Lab::server(const QString& name) const
{
    const Entry* e = find(name);
    return e ? e->server.get() : nullptr;
}

HttpServer* Lab::http(const QString& name) const
{
    const Entry* e = find(name);
    return e ? e->http.get() : nullptr;
}

HrDemoServer* Lab::hr() const
{
    return static_cast<HrDemoServer*>(server(QStringLiteral("hr")));
}

DocsDemoServer* Lab::docs() const
{
    return static_cast<DocsDemoServer*>(server(QStringLiteral("docs")));
}

BenchDemoServer* Lab::bench() const
{
    return static_cast<BenchDemoServer*>(server(QStringLiteral("bench")));
}

json Lab::lanyardConfig() const
{
    json servers = json::array();
    for (const auto& e : m_servers) {
        json auth = m_options.authConfigFor ? m_options.authConfigFor(e.name) : json();
        if (!auth.is_object())
            auth = defaultAuthConfig(e.name);
        servers.push_back({ { "name", e.name.toStdString() },
            { "url", e.server->endpointUrl().toString().toStdString() }, { "auth", auth } });
    }
    json config { { "servers", servers } };
    if (m_identity) {
        // The lab's Lanyard app registration at the lab tenant, exactly as for a real tenant.
        config["identity"] = { { "authority", m_identity->authority().toString().toStdString() },
            { "clientId", m_identity->lanyardClientId().toStdString() } };
    }
    return config;
}

json Lab::defaultAuthConfig(const QString& name) const
{
    const QString how = protection(name);
    if (how == QLatin1String("token-service")) {
        // RFC 8693 at the token service, found through the server's RFC 9728 metadata (no
        // tokenEndpoint on purpose: the demo shows the discovery). The subject token is an Entra
        // access token for the token service's app.
        const TokenServiceServer* server = m_identity->scenario().findServer(name);
        json scopes = json::array();
        if (server && !server->scopes.isEmpty())
            scopes.push_back(server->scopes.first().toStdString());
        return { { "type", "token-exchange" }, { "subjectScopes", { m_identity->tokenServiceScope().toStdString() } },
            { "scopes", scopes } };
    }
    if (how == QLatin1String("entra")) {
        const LabApp* app = m_identity->scenario().findApp(QStringLiteral("lab-") + name);
        if (app) {
            const QString base
                = app->identifierUris.isEmpty() ? QStringLiteral("api://") + app->appId : app->identifierUris.first();
            json scopes = json::array();
            if (!app->scopes.isEmpty())
                scopes.push_back((base + QLatin1Char('/') + app->scopes.first()).toStdString());
            return { { "type", "entra" }, { "scopes", scopes }, { "audience", app->appId.toStdString() } };
        }
    }
    return { { "type", "none" } };
}

bool Lab::writeConfig(const QString& path, QString* error) const
{
    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath())) {
        if (error)
            *error = tr("Could not create the folder %1 for the config file.").arg(info.absolutePath());
        return false;
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        if (error)
            *error = tr("Could not write the config file %1: %2").arg(path, file.errorString());
        return false;
    }
    file.write(dumpJson(lanyardConfig(), 2) + '\n');
    if (!file.commit()) {
        if (error)
            *error = tr("Could not write the config file %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

} // namespace lanyard::lab
