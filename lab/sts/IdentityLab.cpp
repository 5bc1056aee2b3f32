// SPDX-License-Identifier: MIT
#include "sts/IdentityLab.h"

#include "idp/IdentityProvider.h"
#include "sts/TokenService.h"
#include "util/Logging.h"

namespace lanyard::lab {

IdentityLab::IdentityLab(Scenario scenario, const Clock* clock, QObject* parent)
    : QObject(parent)
    , m_scenario(std::make_shared<Scenario>(std::move(scenario)))
    , m_clock(clock)
    , m_idpServer(new HttpServer(this))
    , m_stsServer(new HttpServer(this))
    , m_idp(new IdentityProvider(m_scenario, clock, this))
    , m_sts(new TokenService(m_scenario, clock, this))
{
    m_idpServer->setName(QStringLiteral("idp"));
    m_stsServer->setName(QStringLiteral("sts"));
    m_idp->mount(m_idpServer);
    m_sts->mount(m_stsServer);
}

IdentityLab::~IdentityLab() = default;

bool IdentityLab::start(quint16 idpPort, quint16 tokenServicePort, QString* error)
{
    QString why;
    if (!m_idpServer->isListening() && !m_idpServer->listen(idpPort, &why)) {
        if (error)
            *error = QStringLiteral("The lab identity provider could not listen: %1").arg(why);
        return false;
    }
    m_idpPort = m_idpServer->port();
    m_idpDown = false;
    if (!m_stsServer->isListening() && !m_stsServer->listen(tokenServicePort, &why)) {
        if (error)
            *error = QStringLiteral("The lab token service could not listen: %1").arg(why);
        m_idpServer->close();
        return false;
    }
    if (!m_trustWired) {
        TokenService::TrustedIssuer trusted;
        trusted.issuer = m_idp->issuerTemplate();
        trusted.tenants = { m_scenario->tenantId };
        trusted.jwksUrl = m_idp->jwksUrl();
        if (const LabApp* app = m_scenario->findApp(m_scenario->tokenServiceAppKey)) {
            trusted.audiences.append(app->appId);
            trusted.audiences.append(app->identifierUris);
        }
        trusted.algorithms = { QStringLiteral("RS256") };
        m_sts->trustIssuer(trusted);
        m_trustWired = true;
    }
    qCInfo(lcLab).noquote() << "identity lab: IdP at" << m_idp->authority().toString() << "- token service at"
                            << m_sts->issuer();
    return true;
}

void IdentityLab::stop()
{
    m_idpServer->close();
    m_stsServer->close();
}

bool IdentityLab::isRunning() const
{
    return m_stsServer->isListening() && (m_idpServer->isListening() || m_idpDown);
}

QString IdentityLab::tenantId() const
{
    return m_scenario->tenantId;
}

QUrl IdentityLab::idpBaseUrl() const
{
    return m_idp->baseUrl();
}

QUrl IdentityLab::authority(const QString& tenant) const
{
    return m_idp->authority(tenant);
}

QString IdentityLab::idpIssuer() const
{
    return m_idp->issuer();
}

QString IdentityLab::lanyardClientId() const
{
    const LabApp* app = m_scenario->findApp(QStringLiteral("lanyard"));
    return app ? app->appId : QString();
}

QString IdentityLab::tokenServiceScope() const
{
    const LabApp* app = m_scenario->findApp(m_scenario->tokenServiceAppKey);
    if (!app)
        return {};
    const QString base
        = app->identifierUris.isEmpty() ? QStringLiteral("api://") + app->appId : app->identifierUris.first();
    return base + QStringLiteral("/.default");
}

QString IdentityLab::tokenServiceIssuer() const
{
    return m_sts->issuer();
}

QUrl IdentityLab::tokenServiceTokenUrl() const
{
    return m_sts->tokenUrl();
}

bool IdentityLab::registerServer(const QString& name, const QString& resource, const QString& appKey)
{
    if (m_sts->setServerResource(name, resource))
        return true;
    const LabApp* app = m_scenario->findApp(appKey);
    if (!app)
        return false;
    TokenServiceServer server;
    server.name = name;
    server.appKey = app->key;
    server.scopes = app->scopes;
    server.resource = resource;
    m_sts->addServer(server);
    return true;
}

bool IdentityLab::registerCopy(const QString& name, const QString& resource, const QString& of)
{
    const TokenServiceServer* original = m_scenario->findServer(of);
    if (!original)
        return false;
    TokenServiceServer copy = *original;
    copy.name = name;
    copy.resource = resource;
    m_sts->addServer(copy);
    return true;
}

JwtValidatorConfig IdentityLab::entraValidatorConfig(const QString& appKey, const QString& resourceMetadataUrl) const
{
    JwtValidatorConfig c;
    c.issuer = m_idp->issuer();
    c.jwksUrl = m_idp->jwksUrl();
    if (const LabApp* app = m_scenario->findApp(appKey))
        c.audiences = { app->appId };
    c.algorithms = { QStringLiteral("RS256") };
    c.resourceMetadataUrl = resourceMetadataUrl;
    c.clock = m_clock;
    return c;
}

JwtValidatorConfig IdentityLab::tokenServiceValidatorConfig(
    const QString& resource, const QString& resourceMetadataUrl) const
{
    JwtValidatorConfig c;
    c.issuer = m_sts->issuer();
    c.jwksUrl = m_sts->jwksUrl();
    c.audiences = { resource };
    c.algorithms = { QStringLiteral("ES256") };
    c.resourceMetadataUrl = resourceMetadataUrl;
    c.clock = m_clock;
    return c;
}

json IdentityLab::protectedResourceMetadata(
    const QString& resource, const QString& appKeyOrServer, bool viaTokenService) const
{
    json doc = json::object();
    doc["resource"] = ss(resource);
    json scopes = json::array();
    if (viaTokenService) {
        doc["authorization_servers"] = json::array({ ss(m_sts->issuer()) });
        if (const TokenServiceServer* s = m_scenario->findServer(appKeyOrServer)) {
            for (const QString& scope : s->scopes)
                scopes.push_back(ss(scope));
        }
    } else {
        doc["authorization_servers"] = json::array({ ss(m_idp->authority().toString()) });
        if (const LabApp* app = m_scenario->findApp(appKeyOrServer)) {
            const QString base
                = app->identifierUris.isEmpty() ? QStringLiteral("api://") + app->appId : app->identifierUris.first();
            for (const QString& scope : app->scopes)
                scopes.push_back(ss(base + QLatin1Char('/') + scope));
        }
    }
    doc["scopes_supported"] = scopes;
    doc["bearer_methods_supported"] = json::array({ "header" });
    return doc;
}

bool IdentityLab::setIdpDown(bool down)
{
    if (down == m_idpDown)
        return true;
    if (down) {
        m_idpServer->close();
        m_idpDown = true;
        qCInfo(lcLab) << "identity lab: IdP is down (not listening)";
        return true;
    }
    QString why;
    if (!m_idpServer->listen(m_idpPort, &why)) {
        qCWarning(lcLab).noquote() << "identity lab: IdP could not listen again:" << why;
        return false;
    }
    m_idpDown = false;
    qCInfo(lcLab) << "identity lab: IdP is up again";
    return true;
}

void IdentityLab::setIdpLatency(int ms)
{
    HttpFaults faults = m_idpServer->faults();
    faults.latencyMs = ms;
    m_idpServer->setFaults(faults);
}

void IdentityLab::setIdpFaults(const HttpFaults& faults)
{
    m_idpServer->setFaults(faults);
}

void IdentityLab::setTokenServiceFaults(const HttpFaults& faults)
{
    m_stsServer->setFaults(faults);
}

json IdentityLab::describe() const
{
    json users = json::array();
    for (const LabUser& u : m_scenario->users)
        users.push_back({ { "username", ss(u.username) }, { "name", ss(u.displayName) }, { "oid", ss(u.oid) } });
    json servers = json::array();
    for (const TokenServiceServer& s : m_scenario->tokenServiceServers)
        servers.push_back({ { "name", ss(s.name) }, { "resource", ss(s.resource) }, { "app", ss(s.appKey) } });
    return json { { "tenantId", ss(tenantId()) }, { "authority", ss(authority().toString()) },
        { "discovery", ss(authority().toString() + QStringLiteral("/.well-known/openid-configuration")) },
        { "issuer", ss(idpIssuer()) }, { "clientId", ss(lanyardClientId()) },
        { "tokenServiceScope", ss(tokenServiceScope()) },
        { "tokenService",
            { { "issuer", ss(tokenServiceIssuer()) },
                { "metadata", ss(tokenServiceIssuer() + QStringLiteral("/.well-known/oauth-authorization-server")) },
                { "tokenEndpoint", ss(tokenServiceTokenUrl().toString()) } } },
        { "users", users }, { "servers", servers } };
}

} // namespace lanyard::lab
