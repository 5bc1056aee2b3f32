// SPDX-License-Identifier: MIT
#include "sts/TokenService.h"

#include "crypto/Jwt.h"
#include "crypto/Key.h"
#include "crypto/Random.h"
#include "idp/FormParams.h"
#include "sts/RemoteKeySet.h"
#include "util/Clock.h"
#include "util/Logging.h"
#include "util/Secret.h"

#include <QPointer>
#include <QSet>

namespace lanyard::lab {

namespace {

const QString kGrantTokenExchange = QStringLiteral("urn:ietf:params:oauth:grant-type:token-exchange");
const QString kTypeAccessToken = QStringLiteral("urn:ietf:params:oauth:token-type:access_token");
const QString kTypeIdToken = QStringLiteral("urn:ietf:params:oauth:token-type:id_token");
const QString kTypeJwt = QStringLiteral("urn:ietf:params:oauth:token-type:jwt");
const QString kAssertionType = QStringLiteral("urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
constexpr qint64 kMaxAssertionLifetimeSecs = 600;

QString withoutTrailingSlash(QString s)
{
    while (s.endsWith(QLatin1Char('/')) && s.size() > 1 && !s.endsWith(QLatin1String("://")))
        s.chop(1);
    return s;
}

bool isSupportedSubjectType(const QString& type)
{
    return type == kTypeAccessToken || type == kTypeIdToken || type == kTypeJwt;
}

} // namespace

struct TokenService::CheckedToken
{
    bool ok = false;
    QString description; // why it was refused
    json claims;
    bool fromSelf = false;
};

struct TokenService::Exchange
{
    ResponderPtr responder;
    TokenServiceClient client;
    TokenServiceServer server;
    QStringList scopes;
    QString requestedTokenType;
    QString subjectTokenType;
    bool hasActor = false;
    CheckedToken subject;
    CheckedToken actor;
};

TokenService::TokenService(std::shared_ptr<Scenario> scenario, const Clock* clock, QObject* parent)
    : QObject(parent)
    , m_scenario(std::move(scenario))
    , m_clock(clock)
    , m_keys(SigningKeyRing::KeyType::Ec, clock)
{
    if (!m_scenario)
        m_scenario = std::make_shared<Scenario>(Scenario::builtIn());
}

TokenService::~TokenService() = default;

qint64 TokenService::now() const
{
    return (m_clock ? m_clock : Clock::system())->nowSecs();
}

void TokenService::observeSecret(const QString& secret, const QString& kind) const
{
    if (m_secretObserver && !secret.isEmpty())
        m_secretObserver(secret.toUtf8(), kind);
}

void TokenService::mount(HttpServer* server)
{
    m_server = server;
    QPointer<TokenService> self(this);
    const auto guarded = [self](void (TokenService::*method)(const Request&, const ResponderPtr&)) {
        return [self, method](const Request& request, const ResponderPtr& responder) {
            if (self)
                (self.data()->*method)(request, responder);
            else
                responder->send(503, "token service gone\n");
        };
    };
    server->route("GET", QStringLiteral("/.well-known/oauth-authorization-server"),
        [self](const Request&, const ResponderPtr& responder) {
            if (self)
                self->handleMetadata(responder);
        });
    server->route("GET", QStringLiteral("/jwks"), [self](const Request&, const ResponderPtr& responder) {
        if (self)
            self->handleJwks(responder);
    });
    server->route(QByteArray(), QStringLiteral("/token"), guarded(&TokenService::handleToken));
}

QString TokenService::issuer() const
{
    return m_server ? m_server->baseUrl().toString(QUrl::StripTrailingSlash) : QString();
}

QUrl TokenService::metadataUrl() const
{
    return QUrl(issuer() + QStringLiteral("/.well-known/oauth-authorization-server"));
}

QUrl TokenService::tokenUrl() const
{
    return QUrl(issuer() + QStringLiteral("/token"));
}

QUrl TokenService::jwksUrl() const
{
    return QUrl(issuer() + QStringLiteral("/jwks"));
}

void TokenService::trustIssuer(const TrustedIssuer& trusted)
{
    m_trusted.push_back(trusted);
}

bool TokenService::setServerResource(const QString& serverName, const QString& resource)
{
    TokenServiceServer* server = m_scenario->findServer(serverName);
    if (!server)
        return false;
    server->resource = resource;
    return true;
}

void TokenService::addServer(const TokenServiceServer& server)
{
    if (TokenServiceServer* existing = m_scenario->findServer(server.name))
        *existing = server;
    else
        m_scenario->tokenServiceServers.push_back(server);
}

void TokenService::addClient(const TokenServiceClient& client)
{
    if (TokenServiceClient* existing = m_scenario->findTokenServiceClient(client.clientId))
        *existing = client;
    else
        m_scenario->tokenServiceClients.push_back(client);
}

int TokenService::jwksFetchCount() const
{
    int n = 0;
    for (const RemoteKeySet* k : m_keySets)
        n += k->fetchCount();
    return n;
}

std::optional<QByteArray> TokenService::signClaims(const json& claims, const QString& typ) const
{
    return m_keys.sign(claims, typ);
}

RemoteKeySet* TokenService::keySetFor(const QUrl& jwksUrl)
{
    const QString key = jwksUrl.toString();
    RemoteKeySet* set = m_keySets.value(key);
    if (!set) {
        set = new RemoteKeySet(jwksUrl, m_minRefetchSecs, m_clock, this);
        m_keySets.insert(key, set);
    }
    return set;
}

void TokenService::sendError(const ResponderPtr& responder, const QString& error, const QString& description,
    int status, const HttpHeaders& headers)
{
    HttpHeaders all { { "Cache-Control", "no-store" }, { "Pragma", "no-cache" } };
    all.append(headers);
    json body { { "error", ss(error) }, { "error_description", ss(description) } };
    responder->send(status, dumpJson(body), "application/json; charset=utf-8", all);
    qCInfo(lcLab).noquote() << "sts: answered" << error;
    emit errorReturned(error, description);
}

void TokenService::handleMetadata(const ResponderPtr& responder)
{
    QStringList scopes;
    for (const TokenServiceServer& s : m_scenario->tokenServiceServers) {
        for (const QString& scope : s.scopes) {
            if (!scopes.contains(scope))
                scopes.append(scope);
        }
    }
    json scopeList = json::array();
    for (const QString& s : std::as_const(scopes))
        scopeList.push_back(ss(s));
    json doc = json::object();
    doc["issuer"] = ss(issuer());
    doc["token_endpoint"] = ss(tokenUrl().toString());
    doc["jwks_uri"] = ss(jwksUrl().toString());
    doc["grant_types_supported"] = json::array({ ss(kGrantTokenExchange) });
    doc["token_endpoint_auth_methods_supported"]
        = { "none", "client_secret_basic", "client_secret_post", "private_key_jwt" };
    doc["token_endpoint_auth_signing_alg_values_supported"] = { "RS256", "ES256" };
    doc["response_types_supported"] = json::array();
    doc["scopes_supported"] = scopeList;
    responder->send(200, dumpJson(doc), "application/json; charset=utf-8");
}

void TokenService::handleJwks(const ResponderPtr& responder)
{
    responder->send(200, dumpJson(m_keys.jwksJson()), "application/json; charset=utf-8");
}

bool TokenService::authenticateClient(
    const Request& request, const FormParams& form, std::shared_ptr<Exchange>& exchange, const ResponderPtr& responder)
{
    const QByteArray authorization = request.header("Authorization");
    const bool basic = authorization.startsWith("Basic ");
    const bool assertion
        = form.has(QStringLiteral("client_assertion")) || form.has(QStringLiteral("client_assertion_type"));
    const bool postSecret = form.has(QStringLiteral("client_secret"));
    const HttpHeaders basicChallenge { { "WWW-Authenticate", "Basic realm=\"lanyard-lab-sts\"" } };
    const auto invalidClient = [&](const QString& why) {
        sendError(responder, QStringLiteral("invalid_client"), why, 401, basic ? basicChallenge : HttpHeaders());
        return false;
    };
    if (int(basic) + int(assertion) + int(postSecret) > 1) {
        sendError(responder, QStringLiteral("invalid_request"),
            QStringLiteral("The request uses more than one client authentication method; use exactly one."));
        return false;
    }
    QString clientId = form.value(QStringLiteral("client_id"));
    QString secret;
    ClientAuthMethod presented = ClientAuthMethod::None;
    std::optional<crypto::DecodedJwt> clientAssertion;
    if (basic) {
        presented = ClientAuthMethod::ClientSecretBasic;
        const QByteArray decoded = QByteArray::fromBase64(authorization.mid(6).trimmed());
        const qsizetype colon = decoded.indexOf(':');
        if (colon < 0)
            return invalidClient(QStringLiteral("The Basic credentials are malformed."));
        const QString basicId = QUrl::fromPercentEncoding(decoded.left(colon));
        if (!clientId.isEmpty() && clientId != basicId) {
            sendError(responder, QStringLiteral("invalid_request"),
                QStringLiteral("client_id differs from the client named in the Basic credentials."));
            return false;
        }
        clientId = basicId;
        secret = QUrl::fromPercentEncoding(decoded.mid(colon + 1));
        observeSecret(secret, QStringLiteral("token service client_secret (received, Basic)"));
    } else if (postSecret) {
        presented = ClientAuthMethod::ClientSecretPost;
        secret = form.value(QStringLiteral("client_secret"));
    } else if (assertion) {
        presented = ClientAuthMethod::PrivateKeyJwt;
        if (form.value(QStringLiteral("client_assertion_type")) != kAssertionType)
            return invalidClient(QStringLiteral("client_assertion_type must be %1.").arg(kAssertionType));
        clientAssertion = crypto::decodeJwt(form.value(QStringLiteral("client_assertion")).toUtf8());
        if (!clientAssertion)
            return invalidClient(QStringLiteral("The client assertion is not a well-formed JWT."));
        const QString sub = qs(clientAssertion->payload, "sub");
        if (clientId.isEmpty())
            clientId = sub;
        else if (clientId != sub)
            return invalidClient(QStringLiteral("The client assertion's subject is not the client_id."));
    }
    if (clientId.isEmpty())
        return invalidClient(QStringLiteral("The client is not identified: send client_id (public clients) or "
                                            "authenticate the client."));
    const TokenServiceClient* client = m_scenario->findTokenServiceClient(clientId);
    if (!client)
        return invalidClient(
            QStringLiteral("The client \"%1\" is not registered with this token service.").arg(clientId));
    if (client->auth != presented)
        return invalidClient(QStringLiteral("The client \"%1\" must authenticate with %2, not %3.")
                                 .arg(clientId, clientAuthMethodName(client->auth), clientAuthMethodName(presented)));
    if (presented == ClientAuthMethod::ClientSecretBasic || presented == ClientAuthMethod::ClientSecretPost) {
        if (client->secret.isEmpty() || !constantTimeEquals(secret.toUtf8(), client->secret.toUtf8()))
            return invalidClient(QStringLiteral("The client secret is wrong."));
    } else if (presented == ClientAuthMethod::PrivateKeyJwt) {
        QString why;
        const auto key = crypto::Key::fromJwk(client->jwk, &why);
        if (!key)
            return invalidClient(QStringLiteral("The client's registered key is not usable: %1.").arg(why));
        crypto::VerifyOptions options;
        options.algorithms = { QStringLiteral("RS256"), QStringLiteral("PS256"), QStringLiteral("ES256") };
        options.issuers = { clientId };
        options.audiences = { tokenUrl().toString(), issuer() };
        options.leewaySecs = 60;
        options.clock = m_clock;
        options.requiredClaims = { QStringLiteral("jti") };
        const auto verified = crypto::verifyJwt(form.value(QStringLiteral("client_assertion")).toUtf8(), *key, options);
        if (!verified)
            return invalidClient(QStringLiteral("The client assertion was refused: %1").arg(verified.message));
        const qint64 exp = verified.claims.value("exp", qint64(0));
        if (exp - now() > kMaxAssertionLifetimeSecs)
            return invalidClient(QStringLiteral("The client assertion lives too long (at most %1 seconds).")
                                     .arg(kMaxAssertionLifetimeSecs));
        const QString jti = clientId + QLatin1Char('|') + qs(verified.claims, "jti");
        const qint64 t = now();
        for (auto it = m_seenAssertionIds.begin(); it != m_seenAssertionIds.end();) {
            if (it.value() + 60 < t)
                it = m_seenAssertionIds.erase(it);
            else
                ++it;
        }
        if (m_seenAssertionIds.contains(jti))
            return invalidClient(QStringLiteral("The client assertion was used before (its jti is not new)."));
        m_seenAssertionIds.insert(jti, exp);
    }
    exchange->client = *client;
    return true;
}

void TokenService::handleToken(const Request& request, const ResponderPtr& responder)
{
    if (request.method != "POST") {
        responder->send(405, "Method Not Allowed\n", "text/plain; charset=utf-8", { { "Allow", "POST" } });
        return;
    }
    if (!request.header("Content-Type").toLower().startsWith("application/x-www-form-urlencoded")) {
        sendError(responder, QStringLiteral("invalid_request"),
            QStringLiteral("The request body must be application/x-www-form-urlencoded."));
        return;
    }
    const FormParams form = FormParams::parse(request.body);
    if (m_secretObserver) {
        for (const char* name : { "subject_token", "actor_token", "client_secret", "client_assertion" }) {
            const QString field = QString::fromLatin1(name);
            observeSecret(form.value(field), QStringLiteral("token service %1 (received)").arg(field));
        }
    }
    QSet<QString> seen;
    for (const auto& item : form.items()) {
        if (seen.contains(item.first) && item.first != QLatin1String("resource")
            && item.first != QLatin1String("audience")) {
            sendError(responder, QStringLiteral("invalid_request"),
                QStringLiteral("The parameter \"%1\" is given more than once.").arg(item.first));
            return;
        }
        seen.insert(item.first);
    }
    const QString grantType = form.value(QStringLiteral("grant_type"));
    if (grantType.isEmpty()) {
        sendError(responder, QStringLiteral("invalid_request"), QStringLiteral("grant_type is missing."));
        return;
    }
    if (grantType != kGrantTokenExchange) {
        sendError(responder, QStringLiteral("unsupported_grant_type"),
            QStringLiteral("This token service only does token exchange (%1).").arg(kGrantTokenExchange));
        return;
    }
    auto exchange = std::make_shared<Exchange>();
    exchange->responder = responder;
    if (!authenticateClient(request, form, exchange, responder))
        return;

    const QString subjectToken = form.value(QStringLiteral("subject_token"));
    exchange->subjectTokenType = form.value(QStringLiteral("subject_token_type"));
    if (subjectToken.isEmpty() || exchange->subjectTokenType.isEmpty()) {
        sendError(responder, QStringLiteral("invalid_request"),
            QStringLiteral("subject_token and subject_token_type are required."));
        return;
    }
    if (!isSupportedSubjectType(exchange->subjectTokenType)) {
        sendError(responder, QStringLiteral("invalid_request"),
            QStringLiteral("subject_token_type \"%1\" is not supported (use access_token, id_token or jwt).")
                .arg(exchange->subjectTokenType));
        return;
    }
    exchange->requestedTokenType = form.value(QStringLiteral("requested_token_type"), kTypeAccessToken);
    if (exchange->requestedTokenType != kTypeAccessToken && exchange->requestedTokenType != kTypeJwt) {
        sendError(responder, QStringLiteral("invalid_request"),
            QStringLiteral("requested_token_type \"%1\" cannot be issued (access_token or jwt).")
                .arg(exchange->requestedTokenType));
        return;
    }
    const QString actorToken = form.value(QStringLiteral("actor_token"));
    const QString actorTokenType = form.value(QStringLiteral("actor_token_type"));
    if (actorToken.isEmpty() != actorTokenType.isEmpty()) {
        sendError(responder, QStringLiteral("invalid_request"),
            QStringLiteral("actor_token and actor_token_type go together."));
        return;
    }
    if (!actorToken.isEmpty() && !isSupportedSubjectType(actorTokenType)) {
        sendError(responder, QStringLiteral("invalid_request"),
            QStringLiteral("actor_token_type \"%1\" is not supported.").arg(actorTokenType));
        return;
    }
    exchange->hasActor = !actorToken.isEmpty();

    // The target: exactly one demo server, named by resource (its URL) and/or audience.
    QStringList targets;
    for (const auto& item : form.items()) {
        const bool isResource = item.first == QLatin1String("resource");
        if (!isResource && item.first != QLatin1String("audience"))
            continue;
        if (isResource) {
            const QUrl url(item.second, QUrl::StrictMode);
            if (!url.isValid() || url.isRelative() || url.hasFragment()) {
                sendError(responder, QStringLiteral("invalid_target"),
                    QStringLiteral("resource must be an absolute URI without a fragment."));
                return;
            }
        }
        const TokenServiceServer* server = nullptr;
        for (const TokenServiceServer& s : m_scenario->tokenServiceServers) {
            const bool byResource
                = !s.resource.isEmpty() && withoutTrailingSlash(s.resource) == withoutTrailingSlash(item.second);
            if (byResource || (!isResource && s.name == item.second))
                server = &s;
        }
        if (!server) {
            sendError(responder, QStringLiteral("invalid_target"),
                QStringLiteral("This token service issues no tokens for \"%1\".").arg(item.second));
            return;
        }
        if (!targets.contains(server->name))
            targets.append(server->name);
    }
    if (targets.isEmpty()) {
        sendError(responder, QStringLiteral("invalid_target"),
            QStringLiteral("Name the server the token is for with resource (its URL) or audience."));
        return;
    }
    if (targets.size() > 1) {
        sendError(responder, QStringLiteral("invalid_target"),
            QStringLiteral("One exchange issues a token for one server; this request names %1.")
                .arg(targets.join(QStringLiteral(", "))));
        return;
    }
    exchange->server = *m_scenario->findServer(targets.first());
    if (exchange->server.resource.isEmpty()) {
        sendError(responder, QStringLiteral("invalid_target"),
            QStringLiteral("The server \"%1\" is not running, so there is no resource to issue a token for.")
                .arg(exchange->server.name));
        return;
    }
    if (!exchange->client.servers.contains(QStringLiteral("*"))
        && !exchange->client.servers.contains(exchange->server.name)) {
        sendError(responder, QStringLiteral("unauthorized_client"),
            QStringLiteral("The client \"%1\" may not get tokens for the server \"%2\".")
                .arg(exchange->client.clientId, exchange->server.name));
        return;
    }
    const QStringList requestedScopes = form.value(QStringLiteral("scope")).split(QLatin1Char(' '), Qt::SkipEmptyParts);
    for (const QString& s : requestedScopes) {
        if (!exchange->server.scopes.contains(s)) {
            sendError(responder, QStringLiteral("invalid_scope"),
                QStringLiteral("The server \"%1\" has no scope \"%2\" (it has: %3).")
                    .arg(exchange->server.name, s, exchange->server.scopes.join(QLatin1Char(' '))));
            return;
        }
    }
    exchange->scopes = requestedScopes.isEmpty() ? exchange->server.scopes : requestedScopes;

    QPointer<TokenService> self(this);
    checkToken(subjectToken.toUtf8(), exchange->subjectTokenType, QStringLiteral("subject"), exchange,
        [self, exchange, actorToken, actorTokenType](CheckedToken subject) {
            if (!self)
                return;
            exchange->subject = std::move(subject);
            if (!exchange->subject.ok) {
                self->sendError(exchange->responder, QStringLiteral("invalid_grant"), exchange->subject.description);
                return;
            }
            if (!exchange->hasActor) {
                self->finishExchange(exchange);
                return;
            }
            self->checkToken(actorToken.toUtf8(), actorTokenType, QStringLiteral("actor"), exchange,
                [self, exchange](CheckedToken actor) {
                    if (!self)
                        return;
                    exchange->actor = std::move(actor);
                    if (!exchange->actor.ok) {
                        self->sendError(
                            exchange->responder, QStringLiteral("invalid_grant"), exchange->actor.description);
                        return;
                    }
                    self->finishExchange(exchange);
                });
        });
}

void TokenService::checkToken(const QByteArray& token, const QString& tokenType, const QString& role,
    const std::shared_ptr<Exchange>& exchange, std::function<void(CheckedToken)> next)
{
    const auto refuse = [&](const QString& why) {
        CheckedToken c;
        c.ok = false;
        c.description = why;
        next(c);
    };
    QString why;
    const auto decoded = crypto::decodeJwt(token, &why);
    if (!decoded) {
        refuse(QStringLiteral("The %1 token is not a JWT: %2.").arg(role, why));
        return;
    }
    const QString iss = qs(decoded->payload, "iss");
    const QString tid = qs(decoded->payload, "tid");
    if (iss.isEmpty()) {
        refuse(QStringLiteral("The %1 token names no issuer.").arg(role));
        return;
    }

    // One of this service's own tokens: a server passing the user's token on (a chain).
    if (iss == issuer()) {
        crypto::VerifyOptions options;
        options.algorithms = { m_keys.algorithm() };
        options.issuers = { issuer() };
        options.leewaySecs = m_leewaySecs;
        options.clock = m_clock;
        if (role == QLatin1String("subject")) {
            if (tokenType == kTypeIdToken) {
                refuse(
                    QStringLiteral("This token service issues no ID tokens; pass its tokens as access_token or jwt."));
                return;
            }
            for (const QString& owned : exchange->client.ownsServers) {
                if (const TokenServiceServer* s = m_scenario->findServer(owned); s && !s->resource.isEmpty())
                    options.audiences.append(s->resource);
            }
            if (options.audiences.isEmpty()) {
                refuse(QStringLiteral("The client \"%1\" may not pass on tokens of this token service (it owns no "
                                      "server).")
                           .arg(exchange->client.clientId));
                return;
            }
        }
        const auto verified = crypto::verifyJwt(token, m_keys.publicKeys(), options);
        if (!verified) {
            refuse(QStringLiteral("The %1 token was refused: %2").arg(role, verified.message));
            return;
        }
        CheckedToken c;
        c.ok = true;
        c.claims = verified.claims;
        c.fromSelf = true;
        next(c);
        return;
    }

    const TrustedIssuer* trusted = nullptr;
    for (const TrustedIssuer& t : m_trusted) {
        QString expected = t.issuer;
        if (expected.contains(QLatin1String("{tenantid}"), Qt::CaseInsensitive)) {
            if (tid.isEmpty() || (!t.tenants.isEmpty() && !t.tenants.contains(tid, Qt::CaseInsensitive)))
                continue;
            expected.replace(QLatin1String("{tenantid}"), tid, Qt::CaseInsensitive);
        }
        if (expected == iss) {
            trusted = &t;
            break;
        }
    }
    if (!trusted) {
        refuse(QStringLiteral("The %1 token comes from \"%2\", an issuer this token service does not trust.")
                   .arg(role, iss));
        return;
    }
    crypto::VerifyOptions options;
    options.algorithms = trusted->algorithms;
    options.issuers = { trusted->issuer };
    options.leewaySecs = m_leewaySecs;
    options.clock = m_clock;
    if (role == QLatin1String("subject"))
        options.audiences = tokenType == kTypeIdToken ? QStringList { exchange->client.clientId } : trusted->audiences;
    QPointer<TokenService> self(this);
    keySetFor(trusted->jwksUrl)->verify(token, options, this, [self, role, next](const crypto::VerifyResult& verified) {
        if (!self)
            return;
        CheckedToken c;
        c.ok = verified.ok;
        if (!verified.ok)
            c.description = QStringLiteral("The %1 token was refused: %2").arg(role, verified.message);
        else
            c.claims = verified.claims;
        next(c);
    });
}

void TokenService::finishExchange(const std::shared_ptr<Exchange>& exchange)
{
    const ResponderPtr& responder = exchange->responder;
    const json& subject = exchange->subject.claims;
    const TokenServiceClient& client = exchange->client;
    const QString sub = qs(subject, "sub");
    if (sub.isEmpty()) {
        sendError(
            responder, QStringLiteral("invalid_grant"), QStringLiteral("The subject token names no subject (sub)."));
        return;
    }
    // A public client may only exchange tokens that were issued to it.
    const QString azp = qs(subject, "azp");
    if (client.auth == ClientAuthMethod::None && !exchange->subject.fromSelf && !azp.isEmpty()
        && azp != client.clientId) {
        sendError(responder, QStringLiteral("invalid_grant"),
            QStringLiteral("The subject token was issued to another client (%1), not to \"%2\".")
                .arg(azp, client.clientId));
        return;
    }

    // The current actor: the actor token's subject, or the client itself.
    json act = json::object();
    QString actorSub;
    if (exchange->hasActor) {
        const json& a = exchange->actor.claims;
        actorSub = qs(a, "sub");
        if (actorSub.isEmpty()) {
            sendError(
                responder, QStringLiteral("invalid_grant"), QStringLiteral("The actor token names no subject (sub)."));
            return;
        }
        act["sub"] = ss(actorSub);
        act["iss"] = ss(qs(a, "iss"));
        const QString actorClient = qs(a, "client_id", qs(a, "azp"));
        if (!actorClient.isEmpty())
            act["client_id"] = ss(actorClient);
    } else {
        actorSub = client.clientId;
        act["sub"] = ss(client.clientId);
        act["client_id"] = ss(client.clientId);
    }
    if (auto mayAct = subject.find("may_act"); mayAct != subject.end()) {
        bool allowed = mayAct->is_object();
        if (allowed) {
            if (mayAct->contains("sub"))
                allowed = allowed && (*mayAct)["sub"] == ss(actorSub);
            if (mayAct->contains("client_id"))
                allowed = allowed && (*mayAct)["client_id"] == ss(client.clientId);
            if (mayAct->contains("iss"))
                allowed = allowed && exchange->hasActor && (*mayAct)["iss"] == act.value("iss", std::string());
        }
        if (!allowed) {
            sendError(responder, QStringLiteral("invalid_grant"),
                QStringLiteral("The subject token's may_act claim does not allow \"%1\" to act for its subject.")
                    .arg(actorSub));
            return;
        }
    }
    if (auto prior = subject.find("act"); prior != subject.end() && prior->is_object())
        act["act"] = *prior;

    const qint64 t = now();
    // Never beyond the subject token's life (as far as the allowed clock skew can tell).
    qint64 exp = t + m_scenario->lifetimes.tokenServiceSecs;
    if (auto subjectExp = subject.find("exp"); subjectExp != subject.end() && subjectExp->is_number_integer())
        exp = std::min(exp, subjectExp->get<qint64>() + m_leewaySecs);
    if (exp <= t) {
        sendError(responder, QStringLiteral("invalid_grant"),
            QStringLiteral("The subject token expires now; get a fresh one."));
        return;
    }
    const QString oid = qs(subject, "oid");
    QStringList roles;
    if (!exchange->server.appKey.isEmpty()) {
        const LabUser* user = m_scenario->findUser(oid.isEmpty() ? qs(subject, "preferred_username") : oid);
        if (user) {
            for (const QString& role : m_scenario->rolesFor(user->oid, exchange->server.appKey))
                roles.append(exchange->server.roleMap.value(role, role));
        }
    }

    json claims = json::object();
    claims["iss"] = ss(issuer());
    claims["aud"] = ss(exchange->server.resource);
    claims["sub"] = ss(sub);
    for (const char* name : { "oid", "tid", "name", "preferred_username" }) {
        if (auto it = subject.find(name); it != subject.end() && it->is_string())
            claims[name] = *it;
    }
    if (!roles.isEmpty()) {
        json r = json::array();
        for (const QString& role : std::as_const(roles))
            r.push_back(ss(role));
        claims["roles"] = r;
    }
    claims["scope"] = ss(exchange->scopes.join(QLatin1Char(' ')));
    claims["client_id"] = ss(client.clientId);
    claims["act"] = act;
    if (auto acrs = subject.find("acrs"); acrs != subject.end() && acrs->is_array())
        claims["acrs"] = *acrs;
    claims["iat"] = t;
    claims["nbf"] = t;
    claims["exp"] = exp;
    claims["jti"] = ss(crypto::randomUrlSafe(16));
    const bool accessToken = exchange->requestedTokenType == kTypeAccessToken;
    QString why;
    const auto token
        = m_keys.sign(claims, accessToken ? QStringLiteral("at+jwt") : QStringLiteral("JWT"), json::object(), &why);
    if (!token) {
        sendError(responder, QStringLiteral("server_error"),
            QStringLiteral("The token could not be signed: %1").arg(why), 500);
        return;
    }
    json body = json::object();
    body["access_token"] = token->toStdString();
    observeSecret(QString::fromLatin1(*token), QStringLiteral("token service access token (issued)"));
    body["issued_token_type"] = ss(exchange->requestedTokenType);
    body["token_type"] = accessToken ? "Bearer" : "N_A";
    body["expires_in"] = exp - t;
    body["scope"] = ss(exchange->scopes.join(QLatin1Char(' ')));
    responder->send(200, dumpJson(body), "application/json; charset=utf-8",
        { { "Cache-Control", "no-store" }, { "Pragma", "no-cache" } });
    const QString username = qs(subject, "preferred_username", sub);
    qCInfo(lcLab).noquote() << QStringLiteral("sts: exchanged a token of %1 for server %2 (client %3, token %4)")
                                   .arg(username, exchange->server.name, client.clientId,
                                       crypto::tokenFingerprint(*token));
    emit tokenExchanged(client.clientId, username, exchange->server.name);
}

} // namespace lanyard::lab
