// SPDX-License-Identifier: MIT
#include "Lab.h"

#include "idp/IdentityProvider.h"
#include "sts/IdentityLab.h"
#include "sts/JwtValidator.h"
#include "sts/TokenService.h"
#include "util/Logging.h"

#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>
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

QString Lab::kindOf(const QString& name)
{
    static const QRegularExpression copy(QStringLiteral("^hr-[0-9]+$"));
    return copy.match(name).hasMatch() ? QStringLiteral("hr") : name;
}

bool Lab::start(const LabOptions& options, QString* error)
{
    if (isRunning())
        return true;
    m_options = options;
    if (options.hrCopies < 0 || options.hrCopies > kMaxHrCopies) {
        if (error)
            *error = tr("The lab can start 0 to %1 copies of hr, not %2.").arg(kMaxHrCopies).arg(options.hrCopies);
        return false;
    }
    // hr, docs, bench on BASE..BASE+2, the identity lab on BASE+3 and BASE+4, the copies of hr after.
    const int portsNeeded = 5 + options.hrCopies;
    if (options.basePort != 0 && int(options.basePort) + portsNeeded - 1 > 65535) {
        if (error)
            *error = tr("The base port %1 is too high: the lab needs %2 ports from it.")
                         .arg(options.basePort)
                         .arg(portsNeeded);
        return false;
    }
    if (options.identity && !startIdentity(error))
        return false;
    if (m_identity && options.latencyMs > 0) {
        // --latency is "a network between Lanyard and everything": the identity provider and the
        // token service answer late too.
        HttpFaults faults;
        faults.latencyMs = options.latencyMs;
        m_identity->idpServer()->setFaults(faults);
        m_identity->tokenServiceServer()->setFaults(faults);
    }
    QStringList names = serverNames();
    QList<int> portOffsets = { 0, 1, 2 };
    for (int copy = 0; copy < options.hrCopies; ++copy) {
        names.insert(1 + copy, QStringLiteral("hr-%1").arg(copy + 2)); // listed after hr
        portOffsets.insert(1 + copy, 5 + copy);
    }
    for (int i = 0; i < names.size(); ++i) {
        Entry e;
        e.name = names[i];
        e.http = std::make_unique<HttpServer>();
        if (e.name != QLatin1String("hr") && kindOf(e.name) == QLatin1String("hr")) {
            auto hr = std::make_unique<HrDemoServer>();
            hr->mutableOptions().name = QStringLiteral("lab-") + e.name;
            hr->mutableOptions().title = hr->options().title + QStringLiteral(" (%1)").arg(e.name);
            e.server = std::move(hr);
        } else if (e.name == QLatin1String("hr"))
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
        const quint16 port = options.basePort == 0 ? 0 : quint16(options.basePort + portOffsets[i]);
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
    m_identity = std::make_unique<IdentityLab>(
        m_options.scenario ? *m_options.scenario : Scenario::builtIn(), &m_identityClock);
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
    if (kindOf(name) == QLatin1String("hr"))
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
        const bool registered = entry.name == kindOf(entry.name)
            ? m_identity->registerServer(entry.name, resource)
            : m_identity->registerCopy(entry.name, resource, kindOf(entry.name));
        if (!registered) {
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
        const TokenServiceServer* server = m_identity->scenario().findServer(kindOf(name));
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

QStringList Lab::faultKinds()
{
    return { QStringLiteral("malformed-json"), QStringLiteral("garbage-sse"), QStringLiteral("cut"),
        QStringLiteral("drip"), QStringLiteral("huge"), QStringLiteral("reset"), QStringLiteral("500"),
        QStringLiteral("502"), QStringLiteral("503"), QStringLiteral("wrong-content-type"), QStringLiteral("redirect"),
        QStringLiteral("slow"), QStringLiteral("down"), QStringLiteral("rotate-keys"), QStringLiteral("clock-skew"),
        QStringLiteral("revoke-sessions"), QStringLiteral("mfa"), QStringLiteral("refuse"),
        QStringLiteral("expired-token"), QStringLiteral("wrong-audience") };
}

namespace {

// A token-exchange answer carrying `token` (RFC 8693 section 2.2.1).
QByteArray exchangeAnswer(const QByteArray& token)
{
    return dumpJson(json { { "access_token", token.toStdString() },
        { "issued_token_type", "urn:ietf:params:oauth:token-type:access_token" }, { "token_type", "Bearer" },
        { "expires_in", 3600 } });
}

} // namespace

bool Lab::applyFault(const QString& spec, QString* error)
{
    auto fail = [error, &spec](const QString& why) {
        if (error)
            *error = QStringLiteral("--fault %1: %2").arg(spec, why);
        return false;
    };
    const QString target = spec.section(QLatin1Char(':'), 0, 0);
    QString kind = spec.section(QLatin1Char(':'), 1);
    QString method;
    if (kind.contains(QLatin1Char('@'))) {
        method = kind.section(QLatin1Char('@'), 1);
        kind = kind.section(QLatin1Char('@'), 0, 0);
    }
    if (target.isEmpty() || kind.isEmpty())
        return fail(QStringLiteral("write TARGET:KIND, e.g. hr:malformed-json or idp:down."));
    if (!faultKinds().contains(kind))
        return fail(
            QStringLiteral("unknown fault '%1'; known: %2.").arg(kind, faultKinds().join(QStringLiteral(", "))));
    const bool identityTarget = target == QLatin1String("idp") || target == QLatin1String("sts");
    if (identityTarget && !m_identity)
        return fail(QStringLiteral("the identity lab is not running (started with --no-identity)."));
    HttpServer* http = nullptr;
    QString path = QStringLiteral("/mcp");
    if (target == QLatin1String("idp")) {
        http = m_identity->idpServer();
        path = QStringLiteral("/");
    } else if (target == QLatin1String("sts")) {
        http = m_identity->tokenServiceServer();
        path = QStringLiteral("/token");
    } else if (const Entry* e = find(target)) {
        http = e->http.get();
        path = e->server->options().path;
    } else {
        return fail(QStringLiteral("unknown target '%1'; use hr, docs, bench, idp or sts.").arg(target));
    }
    if (!method.isEmpty() && identityTarget)
        return fail(QStringLiteral("@METHOD is for the MCP servers only."));

    // Faults of the identity lab itself.
    if (kind == QLatin1String("down") && target != QLatin1String("idp")) {
        if (!method.isEmpty())
            return fail(QStringLiteral("a server that is down is down for every method; drop @%1.").arg(method));
        // Stops listening (connections are refused); clearFaults() listens again on the same port.
        if (http->isListening()) {
            m_downServers.append({ http, http->port() });
            http->close();
        }
        qCInfo(lcLab).noquote() << "fault down on" << target;
        return true;
    }
    if (kind == QLatin1String("down") || kind == QLatin1String("rotate-keys") || kind == QLatin1String("clock-skew")
        || kind == QLatin1String("revoke-sessions") || kind == QLatin1String("mfa")) {
        if (target != QLatin1String("idp"))
            return fail(QStringLiteral("'%1' is a fault of the identity provider: write idp:%1.").arg(kind));
        IdentityProvider* idp = m_identity->idp();
        if (kind == QLatin1String("down")) {
            m_identity->setIdpDown(true);
        } else if (kind == QLatin1String("rotate-keys")) {
            // The active key becomes a retired one and is dropped at once: every token signed
            // before is now signed with a key nobody publishes.
            idp->rotateSigningKeys();
            idp->signingKeys().dropRetiredKeys();
        } else if (kind == QLatin1String("clock-skew")) {
            m_identityClock.offsetSecs = 15 * 60; // beyond every validator's allowance
        } else if (kind == QLatin1String("revoke-sessions")) {
            for (const LabUser& user : m_identity->scenario().users)
                idp->revokeUserSessions(user.username);
        } else {
            for (const LabApp& app : m_identity->scenario().apps) {
                if (!app.isClient() && app.key.startsWith(QLatin1String("lab-")) && idp->setMfaRequired(app.key, true))
                    m_mfaApps << app.key;
            }
        }
        qCInfo(lcLab).noquote() << "[identity] fault" << kind;
        return true;
    }
    if (kind == QLatin1String("refuse") || kind == QLatin1String("expired-token")
        || kind == QLatin1String("wrong-audience")) {
        if (target != QLatin1String("sts"))
            return fail(QStringLiteral("'%1' is a fault of the token service: write sts:%1.").arg(kind));
        HttpFaults faults;
        faults.pathPrefix = path;
        faults.contentTypeOverride = "application/json";
        if (kind == QLatin1String("refuse")) {
            faults.status = 400;
            faults.body
                = R"({"error":"invalid_grant","error_description":"lab fault: the token service refuses every exchange"})";
        } else {
            // A real token-service signature on claims that are wrong for the server asking.
            const qint64 now = m_identityClock.nowSecs();
            const Entry* hr = find(QStringLiteral("hr"));
            json claims { { "iss", m_identity->tokenServiceIssuer().toStdString() }, { "sub", "lab-fault" },
                { "scope", "HR.Read" }, { "jti", QString::number(now).toStdString() } };
            if (kind == QLatin1String("expired-token")) {
                claims["aud"] = hr ? hr->server->endpointUrl().toString().toStdString() : "";
                claims["iat"] = now - 7200;
                claims["nbf"] = now - 7200;
                claims["exp"] = now - 3600;
            } else {
                claims["aud"] = "http://127.0.0.1:9/somebody-else/mcp";
                claims["iat"] = now;
                claims["nbf"] = now;
                claims["exp"] = now + 3600;
            }
            const auto token = m_identity->tokenService()->signClaims(claims);
            if (!token)
                return fail(QStringLiteral("the token service could not sign the fault's token."));
            faults.body = exchangeAnswer(*token);
        }
        http->setFaults(faults);
        qCInfo(lcLab).noquote() << "[identity] fault" << kind;
        return true;
    }

    // HTTP faults, for any target.
    HttpFaults faults;
    faults.pathPrefix = path;
    if (!method.isEmpty())
        faults.bodyContains = QStringLiteral("\"method\":\"%1\"").arg(method).toUtf8();
    if (kind == QLatin1String("malformed-json")) {
        faults.body = R"({"jsonrpc":"2.0","id":)";
        faults.contentTypeOverride = "application/json";
    } else if (kind == QLatin1String("garbage-sse")) {
        faults.body = QByteArray("event: message\ndata: {not json at all\n\n: \x01\x02\x03\ndata: \xff\xfe\n\n");
        faults.contentTypeOverride = "text/event-stream";
    } else if (kind == QLatin1String("cut")) {
        faults.dropAfterBodyBytes = 40;
    } else if (kind == QLatin1String("drip")) {
        faults.dripBytes = 8;
        faults.dripIntervalMs = 200;
    } else if (kind == QLatin1String("huge")) {
        faults.hugeBytes = qint64(200) * 1024 * 1024;
    } else if (kind == QLatin1String("reset")) {
        faults.reset = true;
    } else if (kind == QLatin1String("500") || kind == QLatin1String("502") || kind == QLatin1String("503")) {
        faults.status = kind.toInt();
    } else if (kind == QLatin1String("wrong-content-type")) {
        faults.contentTypeOverride = "text/html; charset=utf-8";
    } else if (kind == QLatin1String("redirect")) {
        // Same port, other host name: another origin (that would even answer, if followed).
        QUrl to;
        to.setScheme(QStringLiteral("http"));
        to.setHost(QStringLiteral("localhost"));
        to.setPort(http->port());
        to.setPath(path);
        faults.redirectTo = to;
    } else if (kind == QLatin1String("slow")) {
        faults.latencyMs = 5000;
    }
    http->setFaults(faults);
    qCInfo(lcLab).noquote() << "fault" << kind << "on" << target << (method.isEmpty() ? QString() : method);
    return true;
}

void Lab::clearFaults()
{
    for (const auto& [http, port] : std::as_const(m_downServers)) {
        QString why;
        if (!http->listen(port, &why))
            qCWarning(lcLab).noquote() << "could not listen again on port" << port << ":" << why;
    }
    m_downServers.clear();
    for (auto& e : m_servers)
        e.http->setFaults(HttpFaults());
    if (m_identity) {
        m_identity->setIdpFaults(HttpFaults());
        m_identity->setTokenServiceFaults(HttpFaults());
        if (m_identity->isIdpDown())
            m_identity->setIdpDown(false);
        m_identityClock.offsetSecs = 0;
        for (const QString& app : std::as_const(m_mfaApps))
            m_identity->idp()->setMfaRequired(app, false);
        m_mfaApps.clear();
    }
}

} // namespace lanyard::lab
