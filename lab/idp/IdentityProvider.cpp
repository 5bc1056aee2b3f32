// SPDX-License-Identifier: MIT
#include "idp/IdentityProvider.h"

#include "crypto/Base64Url.h"
#include "crypto/Jwt.h"
#include "crypto/Pkce.h"
#include "crypto/Random.h"
#include "http/HttpServer.h"
#include "idp/FormParams.h"
#include "idp/SignInPages.h"
#include "util/Clock.h"
#include "util/Logging.h"
#include "util/Secret.h"

#include <QCryptographicHash>
#include <QUuid>

#include <algorithm>

namespace lanyard::lab {

namespace {

const QString kCookieName = QStringLiteral("lanyard_lab_sso");
const QString kGrantCode = QStringLiteral("authorization_code");
const QString kGrantRefresh = QStringLiteral("refresh_token");
const QString kGrantJwtBearer = QStringLiteral("urn:ietf:params:oauth:grant-type:jwt-bearer");
const QStringList kOidcScopes { QStringLiteral("openid"), QStringLiteral("profile"), QStringLiteral("email"),
    QStringLiteral("offline_access") };
constexpr qint64 kFlowSecs = 600;
constexpr int kOboLeewaySecs = 300;

QByteArray hashKey(const QString& value)
{
    return QCryptographicHash::hash(value.toUtf8(), QCryptographicHash::Sha256).toHex();
}

bool isMultiTenant(const QString& tenant)
{
    return tenant.compare(QLatin1String("common"), Qt::CaseInsensitive) == 0
        || tenant.compare(QLatin1String("organizations"), Qt::CaseInsensitive) == 0;
}

QString joinUrl(const QUrl& base, const QString& path)
{
    return base.toString(QUrl::RemovePath | QUrl::RemoveQuery | QUrl::RemoveFragment | QUrl::StripTrailingSlash) + path;
}

QString qualifiedScope(const LabApp& resource, const QString& name)
{
    if (resource.appId == QLatin1String(kGraphAppId))
        return name;
    const QString prefix = resource.identifierUris.isEmpty() ? QStringLiteral("api://") + resource.appId
                                                             : resource.identifierUris.first();
    return prefix + QLatin1Char('/') + name;
}

QString scopeDescription(const LabApp& resource, const QString& name)
{
    if (name == QLatin1String("openid"))
        return QStringLiteral("Sign you in");
    if (name == QLatin1String("profile"))
        return QStringLiteral("View your basic profile");
    if (name == QLatin1String("email"))
        return QStringLiteral("View your email address");
    if (name == QLatin1String("offline_access"))
        return QStringLiteral("Maintain access to data you have given it access to");
    if (name == QLatin1String("User.Read"))
        return QStringLiteral("Sign you in and read your profile");
    return QStringLiteral("%1 on %2").arg(name, resource.displayName);
}

// The acrs values an Entra "claims" request asks for (access_token.acrs.value / .values).
QStringList requestedAcrs(const json& claims)
{
    QStringList out;
    if (!claims.is_object())
        return out;
    auto at = claims.find("access_token");
    if (at == claims.end() || !at->is_object())
        return out;
    auto acrs = at->find("acrs");
    if (acrs == at->end() || !acrs->is_object())
        return out;
    if (auto v = acrs->find("value"); v != acrs->end() && v->is_string())
        out.append(QString::fromStdString(v->get<std::string>()));
    if (auto vs = acrs->find("values"); vs != acrs->end() && vs->is_array()) {
        for (const json& v : *vs) {
            if (v.is_string())
                out.append(QString::fromStdString(v.get<std::string>()));
        }
    }
    out.removeDuplicates();
    return out;
}

// Client capabilities (xms_cc) an Entra "claims" request declares, e.g. ["cp1"] for CAE.
json requestedClientCapabilities(const json& claims)
{
    json out = json::array();
    if (!claims.is_object())
        return out;
    auto at = claims.find("access_token");
    if (at == claims.end() || !at->is_object())
        return out;
    auto cc = at->find("xms_cc");
    if (cc == at->end() || !cc->is_object())
        return out;
    if (auto vs = cc->find("values"); vs != cc->end() && vs->is_array()) {
        for (const json& v : *vs) {
            if (v.is_string())
                out.push_back(v);
        }
    }
    return out;
}

// nullopt: not JSON. An empty text yields an empty object.
std::optional<json> parseClaimsParameter(const QString& text)
{
    if (text.isEmpty())
        return json::object();
    const json j = json::parse(text.toStdString(), nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return std::nullopt;
    return j;
}

bool isBase64UrlText(const QString& s)
{
    for (const QChar c : s) {
        const char16_t u = c.unicode();
        if (!((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '-' || u == '_'))
            return false;
    }
    return true;
}

QString cookieValue(const Request& request, const QString& name)
{
    const QString header = QString::fromUtf8(request.header("Cookie"));
    const QStringList parts = header.split(QLatin1Char(';'), Qt::SkipEmptyParts);
    for (const QString& part : parts) {
        const qsizetype eq = part.indexOf(QLatin1Char('='));
        if (eq > 0 && part.left(eq).trimmed() == name)
            return part.mid(eq + 1).trimmed();
    }
    return {};
}

HttpHeaders htmlHeaders()
{
    return { { "Cache-Control", "no-store" }, { "Pragma", "no-cache" }, { "X-Frame-Options", "DENY" },
        { "X-Content-Type-Options", "nosniff" }, { "Referrer-Policy", "no-referrer" } };
}

} // namespace

// ---- Internal records ------------------------------------------------------------------------

struct IdentityProvider::AuthCode
{
    QString clientAppId;
    QString redirectUri;
    QString userOid;
    QString resourceAppId;
    QStringList resourceScopes; // the request's resource scopes, qualified
    QStringList oidcScopes;
    QString nonce;
    QString codeChallenge;
    bool mfa = false;
    json claims = json::object();
    qint64 authTime = 0;
    qint64 expiresAt = 0;
    bool redeemed = false;
};

struct IdentityProvider::RefreshGrant
{
    enum class State { Active, Used, Revoked };
    QString userOid;
    QString clientAppId;
    QString resourceAppId; // resource of the last token issued with it
    QStringList resourceScopes; // as last requested (qualified), for refreshes without scope
    QStringList oidcScopes;
    bool mfa = false;
    json clientCapabilities = json::array();
    qint64 authTime = 0;
    qint64 expiresAt = 0;
    State state = State::Active;
};

struct IdentityProvider::SsoSession
{
    QString userOid;
    bool mfa = false;
    qint64 createdAt = 0;
};

struct IdentityProvider::Flow
{
    QString userOid;
    QByteArray requestDigest;
    bool mfa = false;
    bool consentShown = false;
    qint64 expiresAt = 0;
};

// One token request's decisions: who, for which client and resource, with what.
struct IdentityProvider::TokenGrant
{
    QString grantType;
    const LabUser* user = nullptr;
    const LabApp* client = nullptr;
    const LabApp* resource = nullptr;
    QStringList oidcScopes;
    QStringList requestedScopes; // qualified, remembered on the refresh token
    bool mfa = false;
    json claims = json::object();
    json clientCapabilities = json::array();
    QString nonce;
    bool confidential = false;
    qint64 authTime = 0;
    bool idToken = false;
    bool refreshToken = false;
    std::shared_ptr<RefreshGrant> rotateFrom;
};

// A scope parameter resolved: one resource (Graph if only OIDC scopes) and its scopes.
namespace {
struct ScopeRequest
{
    const LabApp* resource = nullptr;
    QStringList oidc; // openid, profile, email, offline_access
    QStringList named; // scope names on the resource (not .default)
    bool isDefault = false;
    QStringList qualified; // the request's scopes, qualified
};
} // namespace

static std::optional<ScopeRequest> parseScopeParameter(
    const Scenario& scenario, const QString& scopeText, const LabApp& client, EntraError* error)
{
    ScopeRequest r;
    const QStringList scopes = scopeText.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    if (scopes.isEmpty()) {
        *error = entra::missingParameter(QStringLiteral("scope"));
        return std::nullopt;
    }
    for (const QString& scope : scopes) {
        QString why;
        const auto resolved = scenario.resolveScope(scope, &why);
        if (!resolved) {
            const qsizetype slash = scope.lastIndexOf(QLatin1Char('/'));
            if (slash > 0 && !scenario.findResource(scope.left(slash)))
                *error = entra::resourceNotFound(scope.left(slash), scenario.tenantId);
            else
                *error = entra::invalidScope(why);
            return std::nullopt;
        }
        if (resolved->isOidc()) {
            if (!r.oidc.contains(resolved->name))
                r.oidc.append(resolved->name);
            continue;
        }
        if (r.resource && r.resource != resolved->resource) {
            *error = entra::multipleResources(scope);
            return std::nullopt;
        }
        r.resource = resolved->resource;
        if (resolved->name == QLatin1String(".default"))
            r.isDefault = true;
        else if (!r.named.contains(resolved->name))
            r.named.append(resolved->name);
        r.qualified.append(qualifiedScope(*resolved->resource, resolved->name));
    }
    if (!r.resource)
        r.resource = scenario.graphApp();
    if (r.isDefault && client.requiredResourceAccess.value(r.resource->key).isEmpty()) {
        *error = entra::defaultScopeWithoutPermissions(qualifiedScope(*r.resource, QString()).chopped(1));
        return std::nullopt;
    }
    return r;
}

// Scopes of the request the user has not consented to yet, as (resource, scope name).
static QList<QPair<const LabApp*, QString>> missingConsent(
    const Scenario& scenario, const QString& userOid, const LabApp& client, const ScopeRequest& request)
{
    QList<QPair<const LabApp*, QString>> missing;
    const LabApp* graph = scenario.graphApp();
    const QStringList graphConsented = scenario.consentedScopes(userOid, client.appId, graph->appId);
    for (const QString& s : request.oidc) {
        if (!graphConsented.contains(s))
            missing.push_back({ graph, s });
    }
    const QStringList consented = scenario.consentedScopes(userOid, client.appId, request.resource->appId);
    QStringList wanted = request.named;
    if (request.isDefault) {
        for (const QString& s : client.requiredResourceAccess.value(request.resource->key)) {
            if (!wanted.contains(s))
                wanted.append(s);
        }
    }
    for (const QString& s : std::as_const(wanted)) {
        if (!consented.contains(s) && !(request.resource == graph && request.oidc.contains(s)))
            missing.push_back({ request.resource, s });
    }
    return missing;
}

// ---- IdentityProvider --------------------------------------------------------------------------

IdentityProvider::IdentityProvider(std::shared_ptr<Scenario> scenario, const Clock* clock, QObject* parent)
    : QObject(parent)
    , m_scenario(std::move(scenario))
    , m_clock(clock)
    , m_keys(SigningKeyRing::KeyType::Rsa, clock)
{
    if (!m_scenario)
        m_scenario = std::make_shared<Scenario>(Scenario::builtIn());
    m_scenario->ensureGraphApp();
}

IdentityProvider::~IdentityProvider() = default;

const Clock* IdentityProvider::clock() const
{
    return m_clock ? m_clock : Clock::system();
}

qint64 IdentityProvider::now() const
{
    return clock()->nowSecs();
}

void IdentityProvider::observeSecret(const QString& secret, const QString& kind) const
{
    if (m_secretObserver && !secret.isEmpty())
        m_secretObserver(secret.toUtf8(), kind);
}

void IdentityProvider::mount(HttpServer* server)
{
    m_server = server;
    QPointer<IdentityProvider> self(this);
    server->routePrefix(
        QByteArray(), QStringLiteral("/"), [self](const Request& request, const ResponderPtr& responder) {
            if (self)
                self->handle(request, responder);
            else
                responder->send(503, "identity provider gone\n");
        });
}

QUrl IdentityProvider::baseUrl() const
{
    return m_server ? m_server->baseUrl() : QUrl();
}

QString IdentityProvider::issuer() const
{
    return joinUrl(baseUrl(), QStringLiteral("/%1/v2.0").arg(m_scenario->tenantId));
}

QString IdentityProvider::issuerTemplate() const
{
    return joinUrl(baseUrl(), QStringLiteral("/{tenantid}/v2.0"));
}

QUrl IdentityProvider::authority(const QString& tenant) const
{
    return QUrl(joinUrl(baseUrl(), QStringLiteral("/%1/v2.0").arg(tenant.isEmpty() ? m_scenario->tenantId : tenant)));
}

QUrl IdentityProvider::discoveryUrl(const QString& tenant) const
{
    return QUrl(authority(tenant).toString() + QStringLiteral("/.well-known/openid-configuration"));
}

QUrl IdentityProvider::jwksUrl(const QString& tenant) const
{
    return QUrl(joinUrl(
        baseUrl(), QStringLiteral("/%1/discovery/v2.0/keys").arg(tenant.isEmpty() ? m_scenario->tenantId : tenant)));
}

QUrl IdentityProvider::authorizeUrl(const QString& tenant) const
{
    return QUrl(joinUrl(
        baseUrl(), QStringLiteral("/%1/oauth2/v2.0/authorize").arg(tenant.isEmpty() ? m_scenario->tenantId : tenant)));
}

QUrl IdentityProvider::tokenUrl(const QString& tenant) const
{
    return QUrl(joinUrl(
        baseUrl(), QStringLiteral("/%1/oauth2/v2.0/token").arg(tenant.isEmpty() ? m_scenario->tenantId : tenant)));
}

QUrl IdentityProvider::logoutUrl(const QString& tenant) const
{
    return QUrl(joinUrl(
        baseUrl(), QStringLiteral("/%1/oauth2/v2.0/logout").arg(tenant.isEmpty() ? m_scenario->tenantId : tenant)));
}

bool IdentityProvider::setMfaRequired(const QString& resourceApp, bool required)
{
    LabApp* app = m_scenario->findApp(resourceApp);
    if (!app)
        return false;
    app->requiresMfa = required;
    return true;
}

int IdentityProvider::revokeUserSessions(const QString& userRef)
{
    const LabUser* user = m_scenario->findUser(userRef);
    if (!user)
        return 0;
    int count = 0;
    for (auto& rt : m_refreshTokens) {
        if (rt->userOid == user->oid && rt->state == RefreshGrant::State::Active) {
            rt->state = RefreshGrant::State::Revoked;
            ++count;
        }
    }
    for (auto it = m_sessions.begin(); it != m_sessions.end();) {
        if ((*it)->userOid == user->oid)
            it = m_sessions.erase(it);
        else
            ++it;
    }
    for (auto it = m_flows.begin(); it != m_flows.end();) {
        if ((*it)->userOid == user->oid)
            it = m_flows.erase(it);
        else
            ++it;
    }
    qCInfo(lcLab).noquote() << "idp: revoked" << count << "refresh token(s) and the sessions of" << user->username;
    return count;
}

void IdentityProvider::grantConsent(
    const QString& userRef, const QString& clientApp, const QString& resourceApp, const QStringList& scopes)
{
    const LabUser* user = m_scenario->findUser(userRef);
    const LabApp* client = m_scenario->findApp(clientApp);
    const LabApp* resource = m_scenario->findApp(resourceApp);
    if (user && client && resource)
        m_scenario->grantConsent(user->oid, client->appId, resource->appId, scopes);
}

void IdentityProvider::revokeConsent(const QString& userRef, const QString& clientApp, const QString& resourceApp)
{
    const LabUser* user = m_scenario->findUser(userRef);
    const LabApp* client = m_scenario->findApp(clientApp);
    const LabApp* resource = resourceApp.isEmpty() ? nullptr : m_scenario->findApp(resourceApp);
    if (user && client && (resourceApp.isEmpty() || resource))
        m_scenario->revokeConsent(user->oid, client->appId, resource ? resource->appId : QString());
}

std::optional<QByteArray> IdentityProvider::signClaims(const json& claims, const QString& typ) const
{
    return m_keys.sign(claims, typ);
}

int IdentityProvider::activeRefreshTokenCount(const QString& userRef) const
{
    const LabUser* user = userRef.isEmpty() ? nullptr : m_scenario->findUser(userRef);
    if (!userRef.isEmpty() && !user)
        return 0;
    const qint64 t = now();
    int count = 0;
    for (const auto& rt : m_refreshTokens) {
        if (rt->state == RefreshGrant::State::Active && rt->expiresAt > t && (!user || rt->userOid == user->oid))
            ++count;
    }
    return count;
}

bool IdentityProvider::isKnownTenant(const QString& tenant) const
{
    return isMultiTenant(tenant) || tenant.compare(m_scenario->tenantId, Qt::CaseInsensitive) == 0
        || (!m_scenario->tenantDomain.isEmpty() && tenant.compare(m_scenario->tenantDomain, Qt::CaseInsensitive) == 0);
}

bool IdentityProvider::redirectUriRegistered(const LabApp& app, const QString& redirectUri) const
{
    const QUrl requested(redirectUri, QUrl::StrictMode);
    if (!requested.isValid() || requested.isRelative() || requested.hasFragment() || !requested.userInfo().isEmpty())
        return false;
    const auto normPath = [](const QUrl& u) { return u.path().isEmpty() ? QStringLiteral("/") : u.path(); };
    for (const QString& registered : app.redirectUris) {
        const QUrl r(registered);
        const bool loopback = r.scheme() == QLatin1String("http")
            && (r.host() == QLatin1String("127.0.0.1") || r.host() == QLatin1String("localhost"));
        if (loopback) {
            // "Mobile and desktop" loopback redirect URIs: any port, same host and path.
            if (requested.scheme() == QLatin1String("http")
                && requested.host().compare(r.host(), Qt::CaseInsensitive) == 0 && normPath(requested) == normPath(r)
                && requested.query() == r.query())
                return true;
        } else if (registered == redirectUri) {
            return true;
        }
    }
    return false;
}

QString IdentityProvider::pairwiseSub(const QString& userOid, const QString& appId) const
{
    const QByteArray input
        = QStringLiteral("%1|%2|%3").arg(m_scenario->pairwiseSalt, userOid.toLower(), appId.toLower()).toUtf8();
    return QString::fromLatin1(crypto::base64UrlEncode(QCryptographicHash::hash(input, QCryptographicHash::Sha256)));
}

void IdentityProvider::sendJson(const ResponderPtr& responder, int status, const json& body, bool noStore)
{
    HttpHeaders headers;
    if (noStore)
        headers = { { "Cache-Control", "no-store" }, { "Pragma", "no-cache" } };
    responder->send(status, dumpJson(body), "application/json; charset=utf-8", headers);
}

void IdentityProvider::sendError(
    const ResponderPtr& responder, const QString& endpoint, const EntraError& error, const QString& correlationId)
{
    HttpHeaders headers { { "Cache-Control", "no-store" }, { "Pragma", "no-cache" } };
    if (error.httpStatus == 401)
        headers.push_back({ "WWW-Authenticate", "Basic realm=\"lanyard-lab\"" });
    responder->send(error.httpStatus, dumpJson(error.toJson(clock()->now(), baseUrl().toString(), correlationId)),
        "application/json; charset=utf-8", headers);
    qCInfo(lcLab).noquote()
        << QStringLiteral("idp: %1 answered %2 AADSTS%3").arg(endpoint, error.error).arg(error.code);
    emit errorReturned(endpoint, error.code, error.error);
}

void IdentityProvider::sendErrorPage(const ResponderPtr& responder, const EntraError& error)
{
    const QString trace = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const QString correlation = QUuid::createUuid().toString(QUuid::WithoutBraces);
    responder->send(error.httpStatus,
        pages::error(error.description(), trace, correlation, entraTimestamp(clock()->now())),
        "text/html; charset=utf-8", htmlHeaders());
    qCInfo(lcLab).noquote() << QStringLiteral("idp: authorize showed error page AADSTS%1").arg(error.code);
    emit errorReturned(QStringLiteral("authorize"), error.code, error.error);
}

// ---- Routing -----------------------------------------------------------------------------------

void IdentityProvider::handle(const Request& request, const ResponderPtr& responder)
{
    const QString path = request.path;
    if (path == QLatin1String("/oidc/userinfo")) {
        handleUserInfo(request, responder);
        return;
    }
    if (path == QLatin1String("/error")) {
        handleErrorPage(request, responder);
        return;
    }
    const QStringList segments = path.mid(1).split(QLatin1Char('/'));
    if (segments.size() < 2 || segments.first().isEmpty()) {
        responder->send(404, "Not Found\n");
        return;
    }
    const QString tenant = segments.first();
    const QString rest = segments.mid(1).join(QLatin1Char('/'));
    const bool get = request.method == "GET" || request.method == "HEAD";
    if (rest == QLatin1String("v2.0/.well-known/openid-configuration")) {
        if (!get) {
            responder->send(405, "Method Not Allowed\n", "text/plain; charset=utf-8", { { "Allow", "GET" } });
            return;
        }
        handleDiscovery(tenant, responder);
    } else if (rest == QLatin1String("discovery/v2.0/keys")) {
        if (!get) {
            responder->send(405, "Method Not Allowed\n", "text/plain; charset=utf-8", { { "Allow", "GET" } });
            return;
        }
        handleKeys(tenant, responder);
    } else if (rest == QLatin1String("oauth2/v2.0/authorize")) {
        handleAuthorize(tenant, request, responder);
    } else if (rest == QLatin1String("oauth2/v2.0/token")) {
        handleToken(tenant, request, responder);
    } else if (rest == QLatin1String("oauth2/v2.0/logout")) {
        handleLogout(tenant, request, responder);
    } else if (rest == QLatin1String("oauth2/v2.0/devicecode") || rest == QLatin1String("kerberos")) {
        sendError(responder, QStringLiteral("devicecode"), entra::notInLab(QStringLiteral("This endpoint")));
    } else {
        responder->send(404, "Not Found\n");
    }
}

void IdentityProvider::handleDiscovery(const QString& tenant, const ResponderPtr& responder)
{
    if (!isKnownTenant(tenant)) {
        sendError(responder, QStringLiteral("discovery"), entra::tenantNotFound(tenant));
        return;
    }
    const bool multi = isMultiTenant(tenant);
    const QString t = multi ? tenant.toLower() : tenant;
    const QUrl base = baseUrl();
    json doc = json::object();
    doc["token_endpoint"] = ss(joinUrl(base, QStringLiteral("/%1/oauth2/v2.0/token").arg(t)));
    doc["token_endpoint_auth_methods_supported"] = { "client_secret_post", "private_key_jwt", "client_secret_basic" };
    doc["jwks_uri"] = ss(joinUrl(base, QStringLiteral("/%1/discovery/v2.0/keys").arg(t)));
    doc["response_modes_supported"] = { "query", "fragment", "form_post" };
    doc["subject_types_supported"] = { "pairwise" };
    doc["id_token_signing_alg_values_supported"] = { "RS256" };
    doc["response_types_supported"] = { "code", "id_token", "code id_token", "id_token token" };
    doc["scopes_supported"] = { "openid", "profile", "email", "offline_access" };
    doc["issuer"] = ss(multi ? issuerTemplate() : issuer());
    doc["request_uri_parameter_supported"] = false;
    doc["userinfo_endpoint"] = ss(joinUrl(base, QStringLiteral("/oidc/userinfo")));
    doc["authorization_endpoint"] = ss(joinUrl(base, QStringLiteral("/%1/oauth2/v2.0/authorize").arg(t)));
    doc["device_authorization_endpoint"] = ss(joinUrl(base, QStringLiteral("/%1/oauth2/v2.0/devicecode").arg(t)));
    doc["http_logout_supported"] = true;
    doc["frontchannel_logout_supported"] = true;
    doc["end_session_endpoint"] = ss(joinUrl(base, QStringLiteral("/%1/oauth2/v2.0/logout").arg(t)));
    doc["claims_supported"] = { "sub", "iss", "cloud_instance_name", "cloud_instance_host_name",
        "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username",
        "name", "tid", "ver", "at_hash", "c_hash", "email" };
    doc["kerberos_endpoint"] = ss(joinUrl(base, QStringLiteral("/%1/kerberos").arg(t)));
    doc["tenant_region_scope"] = multi ? json(nullptr) : json("EU");
    doc["cloud_instance_name"] = "lanyard-lab.invalid";
    doc["cloud_graph_host_name"] = "graph.windows.net";
    doc["msgraph_host"] = "graph.microsoft.com";
    doc["rbac_url"] = "https://pas.windows.net";
    sendJson(responder, 200, doc);
}

void IdentityProvider::handleKeys(const QString& tenant, const ResponderPtr& responder)
{
    if (!isKnownTenant(tenant)) {
        sendError(responder, QStringLiteral("keys"), entra::tenantNotFound(tenant));
        return;
    }
    const json extra { { "issuer", ss(isMultiTenant(tenant) ? issuerTemplate() : issuer()) } };
    sendJson(responder, 200, m_keys.jwksJson(extra, false));
}

// ---- Authorize -----------------------------------------------------------------------------------

void IdentityProvider::handleAuthorize(const QString& tenant, const Request& request, const ResponderPtr& responder)
{
    const bool isPost = request.method == "POST";
    if (request.method != "GET" && !isPost) {
        responder->send(405, "Method Not Allowed\n", "text/plain; charset=utf-8", { { "Allow", "GET, POST" } });
        return;
    }
    if (!isKnownTenant(tenant)) {
        sendErrorPage(responder, entra::tenantNotFound(tenant));
        return;
    }
    FormParams all;
    if (isPost) {
        if (!request.header("Content-Type").toLower().startsWith("application/x-www-form-urlencoded")) {
            sendErrorPage(responder,
                entra::malformedRequest(QStringLiteral("the form must be sent as "
                                                       "application/x-www-form-urlencoded")));
            return;
        }
        all = FormParams::parse(request.body);
    } else {
        all = FormParams::parse(request.query.query(QUrl::FullyEncoded).toUtf8());
    }
    FormParams params;
    FormParams labFields;
    for (const auto& p : all.items()) {
        if (p.first.startsWith(QLatin1String("lab_")))
            labFields.append(p.first, p.second);
        else
            params.append(p.first, p.second);
    }
    if (const QString dup = params.firstDuplicate(); !dup.isEmpty()) {
        sendErrorPage(
            responder, entra::malformedRequest(QStringLiteral("the parameter '%1' is given more than once").arg(dup)));
        return;
    }

    // Phase 1: errors shown as a page (the redirect URI cannot be trusted yet).
    const QString clientId = params.value(QStringLiteral("client_id"));
    if (clientId.isEmpty()) {
        sendErrorPage(responder, entra::missingParameter(QStringLiteral("client_id")));
        return;
    }
    const LabApp* client = m_scenario->findApp(clientId);
    if (!client || !client->isClient() || client->appId.compare(clientId, Qt::CaseInsensitive) != 0) {
        sendErrorPage(responder, entra::appNotFound(clientId, m_scenario->tenantId));
        return;
    }
    QString redirectUri = params.value(QStringLiteral("redirect_uri"));
    if (redirectUri.isEmpty()) {
        if (client->redirectUris.size() != 1) {
            sendErrorPage(responder, entra::missingParameter(QStringLiteral("redirect_uri")));
            return;
        }
        redirectUri = client->redirectUris.first();
    }
    if (!redirectUriRegistered(*client, redirectUri)) {
        sendErrorPage(responder, entra::redirectUriMismatch(redirectUri, client->appId));
        return;
    }

    // Phase 2: errors go back to the app on its redirect URI.
    const QString state = params.value(QStringLiteral("state"));
    QString responseMode = params.value(QStringLiteral("response_mode"), QStringLiteral("query"));
    const auto deliver = [this, responder, redirectUri](
                             const QString& mode, const pages::Fields& fields, const HttpHeaders& extraHeaders) {
        HttpHeaders headers = htmlHeaders();
        headers.append(extraHeaders);
        if (mode == QLatin1String("form_post")) {
            responder->send(200, pages::formPost(redirectUri, fields), "text/html; charset=utf-8", headers);
            return;
        }
        const QString encoded = FormParams(fields).encode();
        QString location = redirectUri;
        if (mode == QLatin1String("fragment"))
            location += QLatin1Char('#') + encoded;
        else
            location += (redirectUri.contains(QLatin1Char('?')) ? QLatin1Char('&') : QLatin1Char('?')) + encoded;
        headers.push_back({ "Location", location.toUtf8() });
        responder->send(302, QByteArray(), QByteArray(), headers);
    };
    const auto redirectError = [&](const EntraError& e) {
        deliver(responseMode, e.toRedirectParams(clock()->now(), state, baseUrl().toString()), {});
        qCInfo(lcLab).noquote()
            << QStringLiteral("idp: authorize redirected with %1 AADSTS%2").arg(e.error).arg(e.code);
        emit errorReturned(QStringLiteral("authorize"), e.code, e.error);
    };
    if (responseMode != QLatin1String("query") && responseMode != QLatin1String("fragment")
        && responseMode != QLatin1String("form_post")) {
        const QString given = responseMode;
        responseMode = QStringLiteral("query");
        redirectError(entra::malformedRequest(QStringLiteral("response_mode '%1' is not supported").arg(given)));
        return;
    }
    if (params.has(QStringLiteral("resource"))) {
        redirectError(entra::resourceParameterNotSupported());
        return;
    }
    const QString responseType = params.value(QStringLiteral("response_type"));
    if (responseType.isEmpty()) {
        redirectError(entra::missingParameter(QStringLiteral("response_type")));
        return;
    }
    if (responseType != QLatin1String("code")) {
        redirectError(entra::unsupportedResponseType(responseType));
        return;
    }
    EntraError scopeError;
    const auto scopes = parseScopeParameter(*m_scenario, params.value(QStringLiteral("scope")), *client, &scopeError);
    if (!scopes) {
        redirectError(scopeError);
        return;
    }
    const QString challenge = params.value(QStringLiteral("code_challenge"));
    const QString method = params.value(QStringLiteral("code_challenge_method"));
    if (client->isPublicClient() && challenge.isEmpty()) {
        redirectError(entra::pkceRequired(QStringLiteral("the request has no code_challenge")));
        return;
    }
    if (!challenge.isEmpty()) {
        if (method != QLatin1String("S256")) {
            redirectError(entra::pkceRequired(method.isEmpty() || method == QLatin1String("plain")
                    ? QStringLiteral("code_challenge_method is 'plain' (or missing)")
                    : QStringLiteral("code_challenge_method '%1' is unknown").arg(method)));
            return;
        }
        if (challenge.size() != 43 || !isBase64UrlText(challenge)) {
            redirectError(entra::pkceChallengeInvalid());
            return;
        }
    }
    const auto claims = parseClaimsParameter(params.value(QStringLiteral("claims")));
    if (!claims) {
        redirectError(entra::malformedRequest(QStringLiteral("the 'claims' parameter is not a JSON object")));
        return;
    }
    const QString prompt = params.value(QStringLiteral("prompt"));
    if (!prompt.isEmpty() && prompt != QLatin1String("none") && prompt != QLatin1String("login")
        && prompt != QLatin1String("consent") && prompt != QLatin1String("select_account")) {
        redirectError(entra::invalidPrompt(prompt));
        return;
    }
    const bool needMfa = scopes->resource->requiresMfa || !requestedAcrs(*claims).isEmpty();
    const QString loginHint = params.value(QStringLiteral("login_hint"));
    const QString nonce = params.value(QStringLiteral("nonce"));

    // The browser's SSO session, if any.
    std::shared_ptr<SsoSession> session;
    if (const QString cookie = cookieValue(request, kCookieName); !cookie.isEmpty()) {
        session = m_sessions.value(hashKey(cookie));
        const LabUser* u = session ? m_scenario->findUser(session->userOid) : nullptr;
        if (!u || !u->enabled)
            session.reset();
    }

    // Issues the code and sends the browser back to the app.
    const auto issueCode = [&](const LabUser& user, bool mfa, const HttpHeaders& extraHeaders) {
        const QString code = crypto::randomUrlSafe(48);
        auto record = std::make_shared<AuthCode>();
        record->clientAppId = client->appId;
        record->redirectUri = redirectUri;
        record->userOid = user.oid;
        record->resourceAppId = scopes->resource->appId;
        record->resourceScopes = scopes->qualified;
        record->oidcScopes = scopes->oidc;
        record->nonce = nonce;
        record->codeChallenge = challenge;
        record->mfa = mfa;
        record->claims = *claims;
        record->authTime = now();
        record->expiresAt = now() + m_scenario->lifetimes.codeSecs;
        m_codes.insert(hashKey(code), record);
        observeSecret(code, QStringLiteral("authorization code (issued)"));
        pages::Fields fields { { QStringLiteral("code"), code } };
        if (!state.isEmpty())
            fields.push_back({ QStringLiteral("state"), state });
        fields.push_back({ QStringLiteral("session_state"), QUuid::createUuid().toString(QUuid::WithoutBraces) });
        deliver(responseMode, fields, extraHeaders);
        qCInfo(lcLab).noquote() << "idp: issued an authorization code for" << user.username << "to client"
                                << client->appId;
    };

    const QString step = labFields.value(QStringLiteral("lab_step"));
    if (!isPost || step.isEmpty()) {
        if (prompt == QLatin1String("none")) {
            const LabUser* user = session ? m_scenario->findUser(session->userOid) : nullptr;
            if (!user || (!loginHint.isEmpty() && loginHint.compare(user->username, Qt::CaseInsensitive) != 0)) {
                redirectError(entra::loginRequired());
                return;
            }
            if (needMfa && !session->mfa) {
                EntraError e = entra::mfaRequired(scopes->resource->displayName);
                e.error = QStringLiteral("interaction_required");
                redirectError(e);
                return;
            }
            if (!missingConsent(*m_scenario, user->oid, *client, *scopes).isEmpty()) {
                redirectError(entra::consentRequired(client->appId, client->displayName, true));
                return;
            }
            issueCode(*user, session->mfa, {});
            return;
        }
        QList<pages::UserChoice> choices;
        for (const LabUser& u : m_scenario->users) {
            if (!u.enabled)
                continue;
            pages::UserChoice c { u.username, u.displayName,
                !loginHint.isEmpty() && loginHint.compare(u.username, Qt::CaseInsensitive) == 0,
                session && session->userOid == u.oid };
            if (c.suggested)
                choices.prepend(c);
            else
                choices.append(c);
        }
        responder->send(200,
            pages::signIn(request.path, params.items(), choices, client->displayName, m_scenario->tenantName, {}),
            "text/html; charset=utf-8", htmlHeaders());
        return;
    }

    // Interactive steps (POSTs from the lab's own pages).
    const QByteArray digest = params.digest();
    std::shared_ptr<Flow> flow;
    QString flowId;
    if (step == QLatin1String("signin")) {
        const LabUser* user = m_scenario->findUser(labFields.value(QStringLiteral("lab_login")));
        if (!user || !user->enabled) {
            QList<pages::UserChoice> choices;
            for (const LabUser& u : m_scenario->users) {
                if (u.enabled)
                    choices.append(pages::UserChoice { u.username, u.displayName, false, false });
            }
            responder->send(400,
                pages::signIn(request.path, params.items(), choices, client->displayName, m_scenario->tenantName,
                    QStringLiteral("That account does not exist in this lab (or is disabled). "
                                   "Choose one of the accounts below.")),
                "text/html; charset=utf-8", htmlHeaders());
            return;
        }
        flow = std::make_shared<Flow>();
        flow->userOid = user->oid;
        flow->requestDigest = digest;
        // MFA done earlier in this browser counts, unless the app asked for a fresh login.
        flow->mfa = session && session->userOid == user->oid && session->mfa && prompt != QLatin1String("login");
        flow->expiresAt = now() + kFlowSecs;
        for (auto it = m_flows.begin(); it != m_flows.end();) { // forget abandoned sign-ins
            if ((*it)->expiresAt < now())
                it = m_flows.erase(it);
            else
                ++it;
        }
        flowId = crypto::randomUrlSafe(32);
        m_flows.insert(hashKey(flowId), flow);
    } else if (step == QLatin1String("mfa") || step == QLatin1String("consent")) {
        flowId = labFields.value(QStringLiteral("lab_flow"));
        flow = flowId.isEmpty() ? nullptr : m_flows.value(hashKey(flowId));
        if (!flow || flow->expiresAt < now() || flow->requestDigest != digest) {
            sendErrorPage(responder,
                entra::malformedRequest(QStringLiteral("this sign-in took too long or its "
                                                       "request was changed; start the sign-in again")));
            return;
        }
        if (step == QLatin1String("mfa")) {
            const QString answer = labFields.value(QStringLiteral("lab_mfa"));
            if (answer == QLatin1String("deny")) {
                m_flows.remove(hashKey(flowId));
                redirectError(entra::mfaDenied());
                return;
            }
            if (answer != QLatin1String("approve")) {
                sendErrorPage(responder, entra::malformedRequest(QStringLiteral("lab_mfa must be approve or deny")));
                return;
            }
            flow->mfa = true;
        } else {
            const QString answer = labFields.value(QStringLiteral("lab_consent"));
            if (answer == QLatin1String("decline")) {
                m_flows.remove(hashKey(flowId));
                redirectError(entra::consentDeclined());
                return;
            }
            if (answer != QLatin1String("accept")) {
                sendErrorPage(
                    responder, entra::malformedRequest(QStringLiteral("lab_consent must be accept or decline")));
                return;
            }
            if (!flow->consentShown) {
                sendErrorPage(responder, entra::malformedRequest(QStringLiteral("consent was not asked for yet")));
                return;
            }
            for (const auto& m : missingConsent(*m_scenario, flow->userOid, *client, *scopes))
                m_scenario->grantConsent(flow->userOid, client->appId, m.first->appId, { m.second });
            flow->consentShown = true;
            qCInfo(lcLab).noquote() << "idp: consent granted to client" << client->appId;
        }
    } else {
        sendErrorPage(responder, entra::malformedRequest(QStringLiteral("unknown sign-in step")));
        return;
    }

    const LabUser* user = m_scenario->findUser(flow->userOid);
    if (!user || !user->enabled) {
        sendErrorPage(responder, entra::userDisabled());
        return;
    }
    pages::Fields hidden = params.items();
    hidden.push_back({ QStringLiteral("lab_flow"), flowId });
    if (needMfa && !flow->mfa) {
        responder->send(200, pages::mfa(request.path, hidden, user->displayName, scopes->resource->displayName),
            "text/html; charset=utf-8", htmlHeaders());
        return;
    }
    const auto missing = missingConsent(*m_scenario, user->oid, *client, *scopes);
    if (!missing.isEmpty() || (prompt == QLatin1String("consent") && !flow->consentShown)) {
        QList<pages::ScopeLine> lines;
        if (missing.isEmpty()) {
            for (const QString& s : scopes->oidc)
                lines.push_back({ s, scopeDescription(*m_scenario->graphApp(), s) });
            for (const QString& s : scopes->qualified)
                lines.push_back({ s, scopeDescription(*scopes->resource, s.mid(s.lastIndexOf(QLatin1Char('/')) + 1)) });
        }
        for (const auto& m : missing)
            lines.push_back({ qualifiedScope(*m.first, m.second), scopeDescription(*m.first, m.second) });
        flow->consentShown = true;
        responder->send(200, pages::consent(request.path, hidden, user->username, client->displayName, lines),
            "text/html; charset=utf-8", htmlHeaders());
        return;
    }

    // Signed in: remember the browser (SSO session cookie) and send the code.
    const bool mfa = flow->mfa;
    m_flows.remove(hashKey(flowId));
    const QString cookie = crypto::randomUrlSafe(32);
    auto newSession = std::make_shared<SsoSession>();
    newSession->userOid = user->oid;
    newSession->mfa = mfa;
    newSession->createdAt = now();
    m_sessions.insert(hashKey(cookie), newSession);
    const QByteArray setCookie
        = QStringLiteral("%1=%2; Path=/; HttpOnly; SameSite=Lax").arg(kCookieName, cookie).toUtf8();
    issueCode(*user, mfa, { { "Set-Cookie", setCookie } });
}

// ---- Token endpoint ----------------------------------------------------------------------------

void IdentityProvider::handleToken(const QString& tenant, const Request& request, const ResponderPtr& responder)
{
    const QString correlation = QString::fromUtf8(request.header("client-request-id")).left(64);
    const QString endpoint = QStringLiteral("token");
    if (request.method != "POST") {
        sendError(responder, endpoint, entra::postOnly(QString::fromLatin1(request.method)), correlation);
        return;
    }
    if (!isKnownTenant(tenant)) {
        sendError(responder, endpoint, entra::tenantNotFound(tenant), correlation);
        return;
    }
    if (!request.header("Content-Type").toLower().startsWith("application/x-www-form-urlencoded")) {
        sendError(responder, endpoint,
            entra::malformedRequest(QStringLiteral("the body must be application/x-www-form-urlencoded")), correlation);
        return;
    }
    const FormParams form = FormParams::parse(request.body);
    if (const QString dup = form.firstDuplicate(); !dup.isEmpty()) {
        sendError(responder, endpoint,
            entra::malformedRequest(QStringLiteral("the parameter '%1' is given more than once").arg(dup)),
            correlation);
        return;
    }
    if (form.has(QStringLiteral("resource"))) {
        sendError(responder, endpoint, entra::resourceParameterNotSupported(), correlation);
        return;
    }
    const QString grantType = form.value(QStringLiteral("grant_type"));
    if (grantType.isEmpty()) {
        sendError(responder, endpoint, entra::missingParameter(QStringLiteral("grant_type")), correlation);
        return;
    }
    if (grantType != kGrantCode && grantType != kGrantRefresh && grantType != kGrantJwtBearer) {
        sendError(responder, endpoint, entra::unsupportedGrantType(grantType), correlation);
        return;
    }

    // Client identification and authentication (body or HTTP Basic).
    QString clientId = form.value(QStringLiteral("client_id"));
    QString secret = form.value(QStringLiteral("client_secret"));
    const QByteArray authorization = request.header("Authorization");
    if (authorization.startsWith("Basic ")) {
        const QByteArray decoded = QByteArray::fromBase64(authorization.mid(6).trimmed());
        const qsizetype colon = decoded.indexOf(':');
        if (colon < 0) {
            sendError(responder, endpoint,
                entra::malformedRequest(QStringLiteral("the Basic credentials are malformed")), correlation);
            return;
        }
        const QString basicId = QUrl::fromPercentEncoding(decoded.left(colon));
        if (!clientId.isEmpty() && clientId != basicId) {
            sendError(responder, endpoint,
                entra::malformedRequest(QStringLiteral("client_id differs from the Basic credentials")), correlation);
            return;
        }
        clientId = basicId;
        secret = QUrl::fromPercentEncoding(decoded.mid(colon + 1));
    }
    if (m_secretObserver) {
        observeSecret(secret, QStringLiteral("client_secret (received)"));
        for (const char* name : { "code", "code_verifier", "refresh_token", "client_assertion", "assertion" }) {
            const QString field = QString::fromLatin1(name);
            observeSecret(form.value(field), field + QStringLiteral(" (received)"));
        }
    }
    if (clientId.isEmpty()) {
        sendError(responder, endpoint, entra::missingParameter(QStringLiteral("client_id")), correlation);
        return;
    }
    const LabApp* client = m_scenario->findApp(clientId);
    if (!client || !client->isClient() || client->appId.compare(clientId, Qt::CaseInsensitive) != 0) {
        sendError(responder, endpoint, entra::appNotFound(clientId, m_scenario->tenantId), correlation);
        return;
    }
    if (form.has(QStringLiteral("client_assertion"))) {
        sendError(responder, endpoint, entra::notInLab(QStringLiteral("Certificate credentials (client_assertion)")),
            correlation);
        return;
    }
    bool authenticated = false;
    if (client->isPublicClient()) {
        if (!secret.isEmpty()) {
            sendError(responder, endpoint, entra::publicClientSentSecret(), correlation);
            return;
        }
    } else {
        if (secret.isEmpty()) {
            sendError(responder, endpoint, entra::secretRequired(), correlation);
            return;
        }
        if (client->clientSecret.isEmpty() || !constantTimeEquals(secret.toUtf8(), client->clientSecret.toUtf8())) {
            sendError(responder, endpoint, entra::invalidClientSecret(client->appId), correlation);
            return;
        }
        authenticated = true;
    }

    EntraError error;
    std::optional<json> body;
    if (grantType == kGrantCode)
        body = redeemCode(form, *client, authenticated, &error);
    else if (grantType == kGrantRefresh)
        body = redeemRefreshToken(form, *client, authenticated, &error);
    else {
        if (!authenticated) {
            sendError(responder, endpoint, entra::secretRequired(), correlation);
            return;
        }
        body = onBehalfOf(form, *client, &error);
    }
    if (!body) {
        sendError(responder, endpoint, error, correlation);
        return;
    }
    HttpHeaders headers { { "Cache-Control", "no-store" }, { "Pragma", "no-cache" } };
    if (!correlation.isEmpty())
        headers.push_back({ "client-request-id", correlation.toUtf8() });
    responder->send(200, dumpJson(*body), "application/json; charset=utf-8", headers);
}

std::optional<json> IdentityProvider::redeemCode(
    const FormParams& form, const LabApp& client, bool clientAuthenticated, EntraError* error)
{
    const QString code = form.value(QStringLiteral("code"));
    if (code.isEmpty()) {
        *error = entra::missingParameter(QStringLiteral("code"));
        return std::nullopt;
    }
    const QString redirectUri = form.value(QStringLiteral("redirect_uri"));
    if (redirectUri.isEmpty()) {
        *error = entra::missingParameter(QStringLiteral("redirect_uri"));
        return std::nullopt;
    }
    const auto record = m_codes.value(hashKey(code));
    if (!record) {
        *error = entra::invalidGrant(QStringLiteral("the authorization code is not valid"));
        return std::nullopt;
    }
    if (record->clientAppId != client.appId) {
        *error = entra::invalidGrant(QStringLiteral("the authorization code was issued to another application"));
        return std::nullopt;
    }
    if (record->redeemed) {
        *error = entra::codeAlreadyRedeemed();
        return std::nullopt;
    }
    // A code is good for one attempt, successful or not (no guessing of verifiers).
    record->redeemed = true;
    if (record->expiresAt < now()) {
        *error = entra::codeExpired();
        return std::nullopt;
    }
    if (redirectUri != record->redirectUri) {
        *error = entra::redirectUriMismatch(redirectUri, client.appId);
        error->error = QStringLiteral("invalid_grant");
        return std::nullopt;
    }
    if (!record->codeChallenge.isEmpty()) {
        const QString verifier = form.value(QStringLiteral("code_verifier"));
        if (verifier.isEmpty()) {
            *error = entra::missingParameter(QStringLiteral("code_verifier"));
            return std::nullopt;
        }
        if (!crypto::pkce::verifyS256(verifier, record->codeChallenge)) {
            *error = entra::pkceVerifierMismatch();
            return std::nullopt;
        }
    }
    const LabUser* user = m_scenario->findUser(record->userOid);
    if (!user || !user->enabled) {
        *error = entra::userDisabled();
        return std::nullopt;
    }
    const LabApp* resource = m_scenario->findApp(record->resourceAppId);
    if (!resource) {
        *error = entra::invalidGrant(QStringLiteral("the resource of this code no longer exists"));
        return std::nullopt;
    }
    const bool needMfa = resource->requiresMfa || !requestedAcrs(record->claims).isEmpty();
    if (needMfa && !record->mfa) {
        *error = entra::mfaRequired(resource->displayName);
        return std::nullopt;
    }
    TokenGrant g;
    g.grantType = kGrantCode;
    g.user = user;
    g.client = &client;
    g.resource = resource;
    g.oidcScopes = record->oidcScopes;
    g.requestedScopes = record->resourceScopes;
    g.mfa = record->mfa;
    g.claims = record->claims;
    g.clientCapabilities = requestedClientCapabilities(record->claims);
    const auto formClaims = parseClaimsParameter(form.value(QStringLiteral("claims")));
    if (formClaims && !requestedClientCapabilities(*formClaims).empty())
        g.clientCapabilities = requestedClientCapabilities(*formClaims);
    g.nonce = record->nonce;
    g.confidential = clientAuthenticated;
    g.authTime = record->authTime;
    g.idToken = record->oidcScopes.contains(QStringLiteral("openid"));
    g.refreshToken = record->oidcScopes.contains(QStringLiteral("offline_access"));
    return issueTokens(g, error);
}

std::optional<json> IdentityProvider::redeemRefreshToken(
    const FormParams& form, const LabApp& client, bool clientAuthenticated, EntraError* error)
{
    const QString token = form.value(QStringLiteral("refresh_token"));
    if (token.isEmpty()) {
        *error = entra::missingParameter(QStringLiteral("refresh_token"));
        return std::nullopt;
    }
    const auto rt = m_refreshTokens.value(hashKey(token));
    if (!rt) {
        *error = entra::invalidGrant(QStringLiteral("the refresh token is not valid"));
        return std::nullopt;
    }
    if (rt->clientAppId != client.appId) {
        *error = entra::invalidGrant(QStringLiteral("the refresh token was issued to another application"));
        return std::nullopt;
    }
    if (rt->state == RefreshGrant::State::Revoked) {
        *error = entra::grantRevoked();
        return std::nullopt;
    }
    if (rt->state == RefreshGrant::State::Used) {
        *error = entra::invalidGrant(QStringLiteral("the refresh token was already used. lanyard-lab rotates refresh "
                                                    "tokens on every use: keep the newest one"));
        return std::nullopt;
    }
    if (rt->expiresAt < now()) {
        *error = entra::refreshTokenExpired();
        return std::nullopt;
    }
    const LabUser* user = m_scenario->findUser(rt->userOid);
    if (!user || !user->enabled) {
        *error = entra::userDisabled();
        return std::nullopt;
    }
    const auto claims = parseClaimsParameter(form.value(QStringLiteral("claims")));
    if (!claims) {
        *error = entra::malformedRequest(QStringLiteral("the 'claims' parameter is not a JSON object"));
        return std::nullopt;
    }
    QString scopeText = form.value(QStringLiteral("scope"));
    if (scopeText.trimmed().isEmpty())
        scopeText = (rt->oidcScopes + rt->resourceScopes).join(QLatin1Char(' '));
    const auto scopes = parseScopeParameter(*m_scenario, scopeText, client, error);
    if (!scopes)
        return std::nullopt;
    if (!missingConsent(*m_scenario, user->oid, client, *scopes).isEmpty()) {
        *error = entra::consentRequired(client.appId, client.displayName, false);
        return std::nullopt;
    }
    const bool needMfa = scopes->resource->requiresMfa || !requestedAcrs(*claims).isEmpty();
    if (needMfa && !rt->mfa) {
        *error = entra::mfaRequired(scopes->resource->displayName);
        return std::nullopt;
    }
    TokenGrant g;
    g.grantType = kGrantRefresh;
    g.user = user;
    g.client = &client;
    g.resource = scopes->resource;
    g.oidcScopes = rt->oidcScopes;
    g.requestedScopes = scopes->qualified;
    g.mfa = rt->mfa;
    g.claims = *claims;
    const json capabilities = requestedClientCapabilities(*claims);
    g.clientCapabilities = capabilities.empty() ? rt->clientCapabilities : capabilities;
    g.confidential = clientAuthenticated;
    g.authTime = rt->authTime;
    g.idToken = rt->oidcScopes.contains(QStringLiteral("openid"))
        && (scopes->oidc.isEmpty() || scopes->oidc.contains(QStringLiteral("openid")));
    g.refreshToken = true;
    g.rotateFrom = rt;
    return issueTokens(g, error);
}

std::optional<json> IdentityProvider::onBehalfOf(const FormParams& form, const LabApp& client, EntraError* error)
{
    const QString use = form.value(QStringLiteral("requested_token_use"));
    if (use.isEmpty()) {
        *error = entra::requestedTokenUseMissing();
        return std::nullopt;
    }
    if (use != QLatin1String("on_behalf_of")) {
        *error = entra::malformedRequest(QStringLiteral("requested_token_use must be 'on_behalf_of'"));
        return std::nullopt;
    }
    const QString assertion = form.value(QStringLiteral("assertion"));
    if (assertion.isEmpty()) {
        *error = entra::missingParameter(QStringLiteral("assertion"));
        return std::nullopt;
    }
    crypto::VerifyOptions options;
    options.algorithms = { QStringLiteral("RS256") };
    options.issuers = { issuer() };
    options.audiences = QStringList { client.appId } + client.identifierUris;
    options.leewaySecs = kOboLeewaySecs;
    options.clock = clock();
    options.requiredClaims = { QStringLiteral("oid"), QStringLiteral("tid") };
    const crypto::VerifyResult verified = crypto::verifyJwt(assertion.toUtf8(), m_keys.publicKeys(), options);
    if (!verified) {
        if (verified.failure == crypto::VerifyFailure::Expired
            || verified.failure == crypto::VerifyFailure::NotYetValid)
            *error = entra::assertionExpired();
        else if (verified.failure == crypto::VerifyFailure::WrongAudience)
            *error = entra::assertionInvalid(
                QStringLiteral("the assertion's audience is not the application presenting it"));
        else
            *error = entra::assertionInvalid(crypto::verifyFailureName(verified.failure));
        return std::nullopt;
    }
    const json& a = verified.claims;
    if (qs(a, "scp").isEmpty()) {
        *error = entra::assertionInvalid(QStringLiteral("the assertion is not a delegated (user) token"));
        return std::nullopt;
    }
    const LabUser* user = m_scenario->findUser(qs(a, "oid"));
    if (!user || !user->enabled) {
        *error = entra::userDisabled();
        return std::nullopt;
    }
    const QString scopeText = form.value(QStringLiteral("scope"));
    if (scopeText.trimmed().isEmpty()) {
        *error = entra::missingParameter(QStringLiteral("scope"));
        return std::nullopt;
    }
    const auto scopes = parseScopeParameter(*m_scenario, scopeText, client, error);
    if (!scopes)
        return std::nullopt;
    if (!missingConsent(*m_scenario, user->oid, client, *scopes).isEmpty()) {
        *error = entra::consentRequired(client.appId, client.displayName, false);
        return std::nullopt;
    }
    bool mfa = false;
    if (auto acrs = a.find("acrs"); acrs != a.end() && acrs->is_array()) {
        for (const json& v : *acrs)
            mfa = mfa || v == "c1";
    }
    const auto claims = parseClaimsParameter(form.value(QStringLiteral("claims")));
    const bool needMfa = scopes->resource->requiresMfa || (claims && !requestedAcrs(*claims).isEmpty());
    if (needMfa && !mfa) {
        *error = entra::mfaRequired(scopes->resource->displayName);
        return std::nullopt;
    }
    TokenGrant g;
    g.grantType = kGrantJwtBearer;
    g.user = user;
    g.client = &client;
    g.resource = scopes->resource;
    g.oidcScopes = scopes->oidc;
    g.requestedScopes = scopes->qualified;
    g.mfa = mfa;
    g.claims = claims ? *claims : json::object();
    g.confidential = true;
    g.authTime = now();
    g.idToken = false;
    g.refreshToken = scopes->oidc.contains(QStringLiteral("offline_access"));
    return issueTokens(g, error);
}

std::optional<json> IdentityProvider::issueTokens(const TokenGrant& g, EntraError* error)
{
    const qint64 t = now();
    const QString tid = m_scenario->tenantId;
    const bool graph = g.resource->appId == QLatin1String(kGraphAppId);
    QStringList granted = m_scenario->consentedScopes(g.user->oid, g.client->appId, g.resource->appId);
    if (granted.isEmpty()) {
        *error = entra::consentRequired(g.client->appId, g.client->displayName, false);
        return std::nullopt;
    }
    const QStringList roles = m_scenario->rolesFor(g.user->oid, g.resource->appId);

    json at = json::object();
    at["aud"] = ss(g.resource->appId);
    at["iss"] = ss(issuer());
    at["iat"] = t;
    at["nbf"] = t;
    at["exp"] = t + m_scenario->lifetimes.accessTokenSecs;
    at["azp"] = ss(g.client->appId);
    at["azpacr"] = g.confidential ? "1" : "0";
    at["name"] = ss(g.user->displayName);
    at["oid"] = ss(g.user->oid);
    at["preferred_username"] = ss(g.user->username);
    at["scp"] = ss(granted.join(QLatin1Char(' ')));
    if (!roles.isEmpty()) {
        json r = json::array();
        for (const QString& role : roles)
            r.push_back(ss(role));
        at["roles"] = r;
    }
    at["sub"] = ss(pairwiseSub(g.user->oid, g.resource->appId));
    at["tid"] = ss(tid);
    at["uti"] = ss(crypto::randomUrlSafe(16));
    at["ver"] = "2.0";
    if (!g.clientCapabilities.empty())
        at["xms_cc"] = g.clientCapabilities;
    const QStringList acrsWanted = requestedAcrs(g.claims);
    if (g.mfa && (g.resource->requiresMfa || !acrsWanted.isEmpty())) {
        json acrs = json::array({ "c1" });
        for (const QString& v : acrsWanted) {
            if (v != QLatin1String("c1"))
                acrs.push_back(ss(v));
        }
        at["acrs"] = acrs;
    }
    QString why;
    const auto accessToken = m_keys.sign(at, QStringLiteral("JWT"), json::object(), &why);
    if (!accessToken) {
        *error = EntraError::make(500, QStringLiteral("server_error"), 90000,
            QStringLiteral("The lab could not sign the token: %1.").arg(why));
        return std::nullopt;
    }

    QStringList responseScopes;
    for (const QString& s : std::as_const(granted))
        responseScopes.append(qualifiedScope(*g.resource, s));
    if (!graph) {
        // Entra lists the OIDC scopes it honoured next to the resource's.
        for (const QString& s : g.oidcScopes) {
            if (s != QLatin1String("offline_access") || g.refreshToken)
                responseScopes.append(s);
        }
    }
    json body = json::object();
    body["token_type"] = "Bearer";
    body["scope"] = ss(responseScopes.join(QLatin1Char(' ')));
    body["expires_in"] = m_scenario->lifetimes.accessTokenSecs;
    body["ext_expires_in"] = m_scenario->lifetimes.accessTokenSecs;
    body["access_token"] = accessToken->toStdString();
    observeSecret(QString::fromLatin1(*accessToken), QStringLiteral("IdP access token (issued)"));

    if (g.idToken) {
        json id = json::object();
        id["aud"] = ss(g.client->appId);
        id["iss"] = ss(issuer());
        id["iat"] = t;
        id["nbf"] = t;
        id["exp"] = t + m_scenario->lifetimes.idTokenSecs;
        id["name"] = ss(g.user->displayName);
        if (!g.nonce.isEmpty())
            id["nonce"] = ss(g.nonce);
        id["oid"] = ss(g.user->oid);
        id["preferred_username"] = ss(g.user->username);
        id["sub"] = ss(pairwiseSub(g.user->oid, g.client->appId));
        id["tid"] = ss(tid);
        id["uti"] = ss(crypto::randomUrlSafe(16));
        id["ver"] = "2.0";
        const auto idToken = m_keys.sign(id, QStringLiteral("JWT"), json::object(), &why);
        if (!idToken) {
            *error = EntraError::make(500, QStringLiteral("server_error"), 90000,
                QStringLiteral("The lab could not sign the ID token: %1.").arg(why));
            return std::nullopt;
        }
        body["id_token"] = idToken->toStdString();
        observeSecret(QString::fromLatin1(*idToken), QStringLiteral("ID token (issued)"));
    }

    if (g.refreshToken) {
        const QString value = crypto::randomUrlSafe(64);
        auto rt = std::make_shared<RefreshGrant>();
        rt->userOid = g.user->oid;
        rt->clientAppId = g.client->appId;
        rt->resourceAppId = g.resource->appId;
        rt->resourceScopes = g.requestedScopes;
        rt->oidcScopes = g.oidcScopes;
        rt->mfa = g.mfa;
        rt->clientCapabilities = g.clientCapabilities;
        rt->authTime = g.authTime;
        rt->expiresAt = t + m_scenario->lifetimes.refreshTokenSecs;
        if (g.rotateFrom)
            g.rotateFrom->state = RefreshGrant::State::Used;
        m_refreshTokens.insert(hashKey(value), rt);
        body["refresh_token"] = value.toStdString();
        observeSecret(value, QStringLiteral("refresh token (issued)"));
    }

    // Forget codes and refresh tokens that can no longer be used.
    for (auto it = m_codes.begin(); it != m_codes.end();) {
        if ((*it)->expiresAt + 3600 < t)
            it = m_codes.erase(it);
        else
            ++it;
    }
    for (auto it = m_refreshTokens.begin(); it != m_refreshTokens.end();) {
        if ((*it)->expiresAt < t)
            it = m_refreshTokens.erase(it);
        else
            ++it;
    }

    qCInfo(lcLab).noquote() << QStringLiteral(
        "idp: %1 issued tokens for %2 to client %3, resource %4 (access token %5)")
                                   .arg(g.grantType, g.user->username, g.client->appId, g.resource->appId,
                                       crypto::tokenFingerprint(*accessToken));
    emit tokensIssued(g.grantType, g.user->username, g.client->appId, g.resource->appId);
    return body;
}

// ---- Logout, userinfo, error page ----------------------------------------------------------------

void IdentityProvider::handleLogout(const QString& tenant, const Request& request, const ResponderPtr& responder)
{
    if (!isKnownTenant(tenant)) {
        sendErrorPage(responder, entra::tenantNotFound(tenant));
        return;
    }
    const FormParams params = request.method == "POST"
        ? FormParams::parse(request.body)
        : FormParams::parse(request.query.query(QUrl::FullyEncoded).toUtf8());
    HttpHeaders headers = htmlHeaders();
    if (const QString cookie = cookieValue(request, kCookieName); !cookie.isEmpty())
        m_sessions.remove(hashKey(cookie));
    headers.push_back(
        { "Set-Cookie", QStringLiteral("%1=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0").arg(kCookieName).toUtf8() });
    const QString postLogout = params.value(QStringLiteral("post_logout_redirect_uri"));
    bool allowed = false;
    for (const LabApp& app : m_scenario->apps)
        allowed = allowed || (!postLogout.isEmpty() && redirectUriRegistered(app, postLogout));
    if (allowed) {
        QString location = postLogout;
        if (const QString state = params.value(QStringLiteral("state")); !state.isEmpty())
            location += (postLogout.contains(QLatin1Char('?')) ? QLatin1Char('&') : QLatin1Char('?'))
                + FormParams({ { QStringLiteral("state"), state } }).encode();
        headers.push_back({ "Location", location.toUtf8() });
        responder->send(302, QByteArray(), QByteArray(), headers);
        return;
    }
    responder->send(200, pages::signedOut(), "text/html; charset=utf-8", headers);
}

void IdentityProvider::handleUserInfo(const Request& request, const ResponderPtr& responder)
{
    const QByteArray auth = request.header("Authorization");
    const auto unauthorized = [&](const QString& why) {
        const QByteArray challenge
            = QStringLiteral("Bearer realm=\"\", error=\"invalid_token\", error_description=\"%1\"").arg(why).toUtf8();
        responder->send(401, QByteArray(), QByteArray(), { { "WWW-Authenticate", challenge } });
    };
    if (!auth.startsWith("Bearer ")) {
        unauthorized(QStringLiteral("no bearer token"));
        return;
    }
    crypto::VerifyOptions options;
    options.algorithms = { QStringLiteral("RS256") };
    options.issuers = { issuer() };
    options.audiences = { QString::fromLatin1(kGraphAppId), QStringLiteral("https://graph.microsoft.com") };
    options.leewaySecs = 300;
    options.clock = clock();
    const auto verified = crypto::verifyJwt(auth.mid(7).trimmed(), m_keys.publicKeys(), options);
    if (!verified) {
        unauthorized(crypto::verifyFailureName(verified.failure));
        return;
    }
    const LabUser* user = m_scenario->findUser(qs(verified.claims, "oid"));
    if (!user) {
        unauthorized(QStringLiteral("unknown user"));
        return;
    }
    const QString name = user->displayName;
    json info { { "sub", ss(pairwiseSub(user->oid, qs(verified.claims, "azp"))) }, { "name", ss(name) },
        { "given_name", ss(name.section(QLatin1Char(' '), 0, 0)) },
        { "family_name", ss(name.section(QLatin1Char(' '), 1)) }, { "email", ss(user->username) } };
    sendJson(responder, 200, info);
}

void IdentityProvider::handleErrorPage(const Request& request, const ResponderPtr& responder)
{
    const QString code = request.query.queryItemValue(QStringLiteral("code")).left(12);
    responder->send(200,
        pages::error(QStringLiteral("AADSTS%1: see the error_description of the answer that pointed here. "
                                    "lanyard-lab's errors follow Microsoft Entra ID's.")
                         .arg(code),
            QString(), QString(), entraTimestamp(clock()->now())),
        "text/html; charset=utf-8", htmlHeaders());
}

} // namespace lanyard::lab
