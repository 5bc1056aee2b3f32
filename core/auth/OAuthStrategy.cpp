// SPDX-License-Identifier: MIT
#include "auth/CredentialStore.h"
#include "auth/HttpClient.h"
#include "auth/Identity.h"
#include "auth/KeySets.h"
#include "auth/Lifecycle.h"
#include "auth/SignIn.h"
#include "auth/Strategies.h"
#include "util/Clock.h"
#include "util/Logging.h"

#include <memory>

namespace lanyard::auth {

struct OAuthStrategy::Discovered
{
    std::optional<ProtectedResourceMetadata> prm;
    AuthServerMetadata md;
    bool legacy = false; // 2025-03-26 server: no protected-resource metadata
    QString resource; // canonical resource of the server
};

namespace {
QString originOf(const QUrl& url)
{
    QUrl o;
    o.setScheme(url.scheme());
    o.setHost(url.host());
    o.setPort(url.port());
    return o.toString(QUrl::StripTrailingSlash);
}

} // namespace

OAuthStrategy::~OAuthStrategy() = default;

bool OAuthStrategy::configure(Error* error)
{
    const QString where = QStringLiteral("servers (\"%1\").auth").arg(m_server.name);
    if (!m_server.url.isValid() || m_server.url.isEmpty()) {
        *error = Error(Error::Kind::Config, tr("%1: the oauth auth type needs an http(s) server.").arg(where));
        return false;
    }
    m_scopes = list("scopes");
    m_scopesConfigured = !m_scopes.isEmpty();
    m_grant = str("grant", QStringLiteral("authorization_code"));
    if (m_grant != QLatin1String("authorization_code") && m_grant != QLatin1String("client_credentials")) {
        *error = Error(
            Error::Kind::Config, tr("%1.grant must be \"authorization_code\" or \"client_credentials\".").arg(where));
        return false;
    }
    if (auto it = authBlock().find("entraCompat"); it != authBlock().end() && it->is_boolean())
        m_entraCompat = it->get<bool>();
    if (auto it = authBlock().find("fetchAuthorizationUrl"); it != authBlock().end() && it->is_boolean())
        m_fetchAuthorizationUrl = it->get<bool>();
    if (m_grant == QLatin1String("client_credentials") && str("clientId").isEmpty()) {
        *error = Error(Error::Kind::Config,
            tr("%1: the client-credentials grant needs \"clientId\" and its secret or key.").arg(where));
        return false;
    }
    return true;
}

QString OAuthStrategy::storeKey() const
{
    return QStringLiteral("oauth/") + canonicalResource(m_server.url);
}

TokenKey OAuthStrategy::cacheKey() const
{
    TokenKey k;
    k.issuer = m_d ? m_d->md.issuer : QStringLiteral("oauth");
    k.clientId = m_client.clientId;
    k.subject = m_grant == QLatin1String("client_credentials") ? QStringLiteral("client") : QStringLiteral("user");
    k.audience = canonicalResource(m_server.url);
    k.scopes = {}; // one token per server; step-up replaces it
    return k;
}

bool OAuthStrategy::isEntraServer() const
{
    if (auto it = authBlock().find("entra"); it != authBlock().end() && it->is_boolean())
        return it->get<bool>();
    if (!m_d)
        return false;
    // Entra's hosts, its multi-tenant issuer template, or its v2 endpoint shape (Entra-compatible IdPs).
    return isEntraHost(m_d->md.authorizationEndpoint) || isEntraHost(m_d->md.tokenEndpoint)
        || m_d->md.issuer.contains(QLatin1String("{tenantid}"))
        || m_d->md.tokenEndpoint.path().endsWith(QLatin1String("/oauth2/v2.0/token"));
}

QString OAuthStrategy::resourceParameter() const
{
    // RFC 8707 on both requests, except to Entra ID (AADSTS901002).
    if (isEntraServer())
        return QString();
    return str("resource", m_d ? m_d->resource : canonicalResource(m_server.url));
}

QStringList OAuthStrategy::expectedAudiences() const
{
    QStringList out;
    if (!str("audience").isEmpty())
        out << str("audience");
    out << str("resource", canonicalResource(m_server.url));
    for (const QString& r : scopeResources(m_scopes))
        out << r;
    return out;
}

bool OAuthStrategy::addScopes(const QStringList& scopes)
{
    const QStringList base = m_scopes;
    const QStringList merged = unionScopes(base, scopes);
    if (merged == base)
        return false;
    m_scopes = merged;
    m_scopesConfigured = true;
    m_refreshToken.wipe(); // more scopes need a new authorization
    return true;
}

void OAuthStrategy::forgetState()
{
    // Keep the discovery and the client: a refused token only means the token is bad.
}

void OAuthStrategy::setChallenge(const AuthChallenge& challenge)
{
    if (challenge.resourceMetadata.isValid())
        m_challengeMetadata = challenge.resourceMetadata;
    if (!challenge.scope.isEmpty())
        m_challengeScope = challenge.scope;
}

void OAuthStrategy::discover(std::function<void(const Error&)> done)
{
    if (m_d) {
        done(Error());
        return;
    }
    HttpClient* http = m_identity->http();
    auto d = std::make_shared<Discovered>();
    d->resource = canonicalResource(m_server.url);
    const QList<QUrl> prmUrls = protectedResourceMetadataUrls(m_server.url, m_challengeMetadata);
    QPointer<OAuthStrategy> self(this);
    auto prmError = std::make_shared<Error>();
    http->getFirst(
        prmUrls, { { "MCP-Protocol-Version", "2025-11-25" } }, this,
        [d, prmError, self](const HttpResponse& r) {
            if (!self || !r.ok() || r.status != 200)
                return false;
            QString why;
            const auto j = parseJson(r.body, &why);
            auto prm = j ? ProtectedResourceMetadata::fromJson(*j, r.url, &why) : std::nullopt;
            if (!prm)
                return false;
            if (!resourceMatchesServer(prm->resource, self->m_server.url)) {
                *prmError = Error(Error::Kind::Auth,
                    tr("Server \"%1\" publishes authorization metadata for another resource (%2, not %3). "
                       "Lanyard stops here: tokens for that resource must not go to this server.")
                        .arg(self->m_server.name, prm->resource.left(200), self->m_server.url.toString()));
                return true;
            }
            d->prm = prm;
            return true;
        },
        [self, d, prmError, done](bool found) {
            if (!self)
                return;
            if (prmError->isError()) {
                done(*prmError);
                return;
            }
            QList<QUrl> candidates;
            if (found && d->prm && !d->prm->authorizationServers.isEmpty()) {
                candidates = authorizationServerMetadataUrls(d->prm->authorizationServers.first());
            } else {
                // 2025-03-26: the server's origin is the authorization server.
                d->legacy = true;
                candidates = authorizationServerMetadataUrls(QUrl(originOf(self->m_server.url)));
            }
            self->m_d = d;
            self->discoverAuthServer(candidates, 0, done);
        });
}

void OAuthStrategy::discoverAuthServer(const QList<QUrl>& candidates, int index, std::function<void(const Error&)> done)
{
    HttpClient* http = m_identity->http();
    auto d = m_d;
    QPointer<OAuthStrategy> self(this);
    http->getFirst(
        candidates.mid(index), { { "MCP-Protocol-Version", "2025-11-25" } }, this,
        [d](const HttpResponse& r) {
            if (!r.ok() || r.status != 200)
                return false;
            const auto j = parseJson(r.body);
            auto md = j ? AuthServerMetadata::fromJson(*j, r.url) : std::nullopt;
            if (!md || !md->tokenEndpoint.isValid())
                return false;
            d->md = *md;
            return true;
        },
        [self, d, done](bool found) {
            if (!self)
                return;
            const QString server = self->m_server.name;
            if (!found) {
                if (!d->legacy) {
                    self->m_d.reset();
                    done(Error(Error::Kind::Auth,
                        tr("The authorization server of \"%1\" publishes no metadata (tried the "
                           "RFC 8414 and OpenID Connect locations).")
                            .arg(server)));
                    return;
                }
                // 2025-03-26 fallback: the default endpoints at the server's origin.
                const QString origin = originOf(self->m_server.url);
                d->md.issuer = origin;
                d->md.authorizationEndpoint = QUrl(origin + QStringLiteral("/authorize"));
                d->md.tokenEndpoint = QUrl(origin + QStringLiteral("/token"));
                d->md.registrationEndpoint = QUrl(origin + QStringLiteral("/register"));
                d->md.codeChallengeMethodsGiven = false;
                self->m_identity->announceNotice(server, self->name(),
                    tr("Server \"%1\" publishes no authorization metadata; using the default "
                       "endpoints /authorize, /token and /register (MCP 2025-03-26).")
                        .arg(server));
            } else if (!d->legacy && d->prm && !issuerMatches(d->md.issuer, d->prm->authorizationServers.first())
                && !d->md.issuer.contains(QLatin1String("{tenantid}"))) {
                self->m_d.reset();
                done(Error(Error::Kind::Auth,
                    tr("The authorization server's metadata names another issuer (%1) than the "
                       "one server \"%2\" names (%3).")
                        .arg(d->md.issuer.left(200), server, d->prm->authorizationServers.first().toString())));
                return;
            }
            // PKCE: S256 must be possible.
            if (self->m_grant == QLatin1String("authorization_code")) {
                if (d->md.codeChallengeMethodsGiven && !d->md.listsS256()) {
                    self->m_d.reset();
                    done(Error(Error::Kind::Auth,
                        tr("The authorization server of \"%1\" does not support PKCE with S256, "
                           "which MCP requires. Lanyard does not sign in there.")
                            .arg(server)));
                    return;
                }
                if (!d->md.codeChallengeMethodsGiven) {
                    if (!self->m_entraCompat) {
                        self->m_d.reset();
                        done(Error(Error::Kind::Auth,
                            tr("The authorization server of \"%1\" does not say that it supports "
                               "PKCE (no code_challenge_methods_supported). Set \"entraCompat\": "
                               "true in its auth block to assume S256 (Entra ID never lists it).")
                                .arg(server)));
                        return;
                    }
                    self->m_identity->announceNotice(server, self->name(),
                        tr("The authorization server of \"%1\" lists no PKCE methods; Lanyard "
                           "assumed S256 (\"entraCompat\").")
                            .arg(server));
                }
            }
            done(Error());
        });
}

void OAuthStrategy::ensureClient(std::function<void(const Error&)> done)
{
    if (m_clientReady) {
        done(Error());
        return;
    }
    QPointer<OAuthStrategy> self(this);
    const AuthServerMetadata& md = m_d->md;
    // 1. Pre-registered.
    if (!str("clientId").isEmpty()) {
        loadClientCredentials(QString(), [self, done](const ClientCredentials& c, const Error& e) {
            if (!self)
                return;
            if (e.isError()) {
                done(e);
                return;
            }
            self->m_client = c;
            if (self->m_client.assertionAudience.isEmpty())
                self->m_client.assertionAudience = self->m_d->md.issuer; // RFC 7523 / SEP-1046: the issuer
            // "auto": a secret and no method named: take what the server supports (Basic by default).
            if (self->str("clientAuth").isEmpty() && !c.secret.isEmpty()) {
                const AuthServerMetadata& m = self->m_d->md;
                self->m_client.method = m.supportsAuthMethod(QStringLiteral("client_secret_basic"))
                    ? ClientAuthMethod::SecretBasic
                    : (m.supportsAuthMethod(QStringLiteral("client_secret_post")) ? ClientAuthMethod::SecretPost
                                                                                  : ClientAuthMethod::SecretBasic);
            }
            self->m_clientReady = true;
            done(Error());
        });
        return;
    }
    // 2. Client ID Metadata Document.
    const QString cimd = str("clientMetadataUrl");
    if (!cimd.isEmpty() && md.clientIdMetadataDocumentSupported) {
        m_client = ClientCredentials();
        m_client.clientId = cimd;
        m_client.method = ClientAuthMethod::None;
        m_clientReady = true;
        done(Error());
        return;
    }
    // 3. A registration from an earlier run, else dynamic registration.
    CredentialStore* store = m_identity->store();
    const QString key = m_identity->storeKey(QStringLiteral("oauth-client/") + md.issuer);
    store->read(key, [self, done, key](const std::optional<QByteArray>& value, const Error&) {
        if (!self)
            return;
        if (value) {
            if (const auto j = parseJson(*value); j && j->is_object() && !qs(*j, "client_id").isEmpty()) {
                self->m_client.clientId = qs(*j, "client_id");
                self->m_client.secret = Secret(qs(*j, "client_secret"));
                self->m_client.method = clientAuthMethodFromName(qs(*j, "method")).value_or(ClientAuthMethod::None);
                self->m_clientReady = true;
                self->m_clientRegistered = true;
                done(Error());
                return;
            }
        }
        const AuthServerMetadata& m = self->m_d->md;
        if (!m.registrationEndpoint.isValid()) {
            done(Error(Error::Kind::Config,
                tr("The authorization server of \"%1\" offers no client registration. Register "
                   "Lanyard there and put \"clientId\" (and the secret's environment variable or "
                   "keychain entry) into the server's auth block.")
                    .arg(self->m_server.name)));
            return;
        }
        QString wantedMethod = QStringLiteral("none");
        if (!m.tokenEndpointAuthMethodsSupported.isEmpty() && !m.supportsAuthMethod(QStringLiteral("none")))
            wantedMethod = m.supportsAuthMethod(QStringLiteral("client_secret_basic"))
                ? QStringLiteral("client_secret_basic")
                : QStringLiteral("client_secret_post");
        json body { { "client_name", "Lanyard" },
            { "redirect_uris", { "http://127.0.0.1/callback", "http://localhost/callback" } },
            { "grant_types", { "authorization_code", "refresh_token" } }, { "response_types", { "code" } },
            { "token_endpoint_auth_method", ss(wantedMethod) }, { "application_type", "native" } };
        if (!self->m_scopes.isEmpty())
            body["scope"] = ss(joinScopes(self->m_scopes));
        self->m_identity->http()->postJson(
            m.registrationEndpoint, body, {}, self, [self, done, key](const HttpResponse& r) {
                if (!self)
                    return;
                const auto j = r.ok() ? parseJson(r.body) : std::nullopt;
                if (!r.ok() || (r.status != 201 && r.status != 200) || !j || !j->is_object()
                    || qs(*j, "client_id").isEmpty()) {
                    Error e = r.ok() ? Error(Error::Kind::Auth,
                                  tr("Registering Lanyard with the authorization server of \"%1\" "
                                     "failed (HTTP %2). Register it by hand and set \"clientId\".")
                                      .arg(self->m_server.name)
                                      .arg(r.status))
                                     : r.error;
                    done(e);
                    return;
                }
                self->m_client = ClientCredentials();
                self->m_client.clientId = qs(*j, "client_id");
                self->m_client.secret = Secret(qs(*j, "client_secret"));
                const QString method = qs(*j, "token_endpoint_auth_method",
                    self->m_client.secret.isEmpty() ? QStringLiteral("none") : QStringLiteral("client_secret_basic"));
                self->m_client.method = clientAuthMethodFromName(method).value_or(ClientAuthMethod::None);
                if (self->m_client.method != ClientAuthMethod::None && self->m_client.secret.isEmpty())
                    self->m_client.method = ClientAuthMethod::None;
                self->m_clientReady = true;
                self->m_clientRegistered = true;
                LifecycleEvent ev;
                ev.kind = LifecycleEvent::Kind::Notice;
                ev.server = self->m_server.name;
                ev.strategy = self->name();
                ev.message = tr("Registered Lanyard with the authorization server (client %1, %2).")
                                 .arg(self->m_client.clientId, clientAuthMethodName(self->m_client.method));
                ev.exchanges = { r.exchange };
                self->lifecycle()->add(ev);
                json saved { { "client_id", ss(self->m_client.clientId) },
                    { "client_secret", ss(self->m_client.secret.revealString()) },
                    { "method", ss(clientAuthMethodName(self->m_client.method)) } };
                self->m_identity->registerStoreKey(key);
                self->m_identity->store()->write(key, dumpJson(saved), [](const Error&) {});
                done(Error());
            });
    });
}

TokenPtr OAuthStrategy::adopt(const TokenResponse& r, const QString& how, const HttpExchange& exchange)
{
    auto t = makeIssuedToken(r.accessToken, r.expiresIn, m_identity->clock());
    t->strategy = name();
    t->obtainedBy = how;
    t->issuer = m_d ? m_d->md.issuer : QString();
    t->audience = resourceParameter();
    t->scopes = r.scopeGiven ? splitScopes(r.scope) : m_scopes;
    if (!r.refreshToken.isEmpty()) {
        m_refreshToken = r.refreshToken;
        // With what sign-out needs to revoke it later, also from another process (lanyard-cli
        // logout): the revocation endpoint and who the client is. Secrets of pre-registered
        // clients stay where the configuration names them; only those names are kept here.
        json record { { "refresh_token", ss(m_refreshToken.revealString()) }, { "server", ss(m_server.name) },
            { "issuer", ss(m_d ? m_d->md.issuer : QString()) }, { "client_id", ss(m_client.clientId) },
            { "client_auth", ss(clientAuthMethodName(m_client.method)) }, { "registered", m_clientRegistered } };
        if (m_d && m_d->md.revocationEndpoint.isValid())
            record["revocation_endpoint"] = ss(m_d->md.revocationEndpoint.toString());
        json references = json::object();
        for (const char* k : { "clientId", "clientAuth", "clientSecretEnv", "clientSecretKeychain", "privateKeyEnv",
                 "privateKeyFile", "keyId", "assertionAudience" }) {
            if (auto it = authBlock().find(k); it != authBlock().end() && it->is_string())
                references[k] = *it;
        }
        record["auth"] = references;
        QByteArray bytes = dumpJson(record);
        record["refresh_token"] = std::string();
        const QString key = m_identity->storeKey(storeKey());
        m_identity->registerStoreKey(key);
        m_identity->store()->write(key, bytes, [](const Error&) {});
        bytes.fill('\0');
    }
    const LifecycleEvent::Kind kind
        = how == QLatin1String("refresh") ? LifecycleEvent::Kind::Refreshed : LifecycleEvent::Kind::TokenIssued;
    lifecycle()->addToken(kind, m_server.name, *t,
        tr("Token for %1 from its authorization server (%2)").arg(m_server.name, how), { exchange });
    return t;
}

void OAuthStrategy::clientCredentials(Done done)
{
    FormFields form { { QStringLiteral("grant_type"), QString::fromLatin1(kGrantClientCredentials) } };
    if (!m_scopes.isEmpty())
        form.append({ QStringLiteral("scope"), joinScopes(m_scopes) });
    if (const QString r = resourceParameter(); !r.isEmpty())
        form.append({ QStringLiteral("resource"), r });
    QPointer<OAuthStrategy> self(this);
    requestToken(m_identity->http(), m_d->md.tokenEndpoint, form, m_client,
        tr("Getting a token for server \"%1\" (client credentials)").arg(m_server.name), m_identity->clock(), this,
        [self, done](const TokenResult& r) {
            if (!self)
                return;
            if (!r.ok()) {
                done(nullptr, r.error);
                return;
            }
            done(self->adopt(*r.response, QStringLiteral("client-credentials"), r.exchange), Error());
        });
}

void OAuthStrategy::refresh(Done done, std::function<void(const Error&)> fallback)
{
    FormFields form { { QStringLiteral("grant_type"), QStringLiteral("refresh_token") },
        { QStringLiteral("refresh_token"), m_refreshToken.revealString() } };
    if (!m_scopes.isEmpty())
        form.append({ QStringLiteral("scope"), joinScopes(m_scopes) });
    if (const QString r = resourceParameter(); !r.isEmpty())
        form.append({ QStringLiteral("resource"), r });
    QPointer<OAuthStrategy> self(this);
    requestToken(m_identity->http(), m_d->md.tokenEndpoint, form, m_client,
        tr("Refreshing the token for server \"%1\"").arg(m_server.name), m_identity->clock(), this,
        [self, done, fallback](const TokenResult& r) {
            if (!self)
                return;
            if (!r.ok()) {
                self->m_refreshToken.wipe();
                fallback(r.error);
                return;
            }
            done(self->adopt(*r.response, QStringLiteral("refresh"), r.exchange), Error());
        });
}

void OAuthStrategy::authorize(const Need& need, Done done)
{
    if (m_identity && !m_identity->isInteractive()) {
        // At the desktop app's start nothing opens the browser by itself (IdentityManager::setInteractive).
        done(nullptr,
            Error(Error::Kind::Auth,
                tr("Server \"%1\" needs you to sign in at its own authorization server. Connect it by hand "
                   "(select it, then Connect) to open the sign-in page.")
                    .arg(m_server.name)));
        return;
    }
    if (m_signIn) {
        done(nullptr,
            Error(Error::Kind::Auth,
                tr("A sign-in for server \"%1\" is already waiting in the browser.").arg(m_server.name)));
        return;
    }
    const AuthServerMetadata& md = m_d->md;
    if (!m_scopesConfigured) {
        m_scopes = selectScopes(m_challengeScope, m_d->prm ? m_d->prm->scopesSupported : QStringList());
    }
    QStringList scopes = m_scopes;
    // A refresh token only where the server offers one.
    if (md.scopesSupported.contains(QStringLiteral("offline_access"))
        && !scopes.contains(QStringLiteral("offline_access")))
        scopes << QStringLiteral("offline_access");

    SignInOptions o;
    o.metadata = md;
    o.client = m_client;
    o.scopes = scopes;
    o.resource = resourceParameter();
    o.entra = isEntraServer();
    o.expectIdToken = scopes.contains(QStringLiteral("openid")) && md.jwksUri.isValid();
    o.claims = need.claims;
    o.loopback = m_identity->settings().loopback;
    if (auto it = authBlock().find("redirectPort"); it != authBlock().end() && it->is_number_integer()) {
        const int port = it->get<int>();
        if (port > 0 && port < 65536)
            o.loopback.port = static_cast<quint16>(port);
    }
    if (!str("redirectPath").isEmpty())
        o.loopback.path = str("redirectPath");
    o.leewaySecs = m_identity->settings().clockSkewSecs;

    auto* s = new AuthorizationCodeSignIn(o, m_identity->http(), m_identity->keys(), m_identity->clock(), this);
    s->setWhat(tr("Signing in for server \"%1\"").arg(m_server.name));
    m_signIn = s;
    QPointer<OAuthStrategy> self(this);
    if (m_fetchAuthorizationUrl) {
        // Headless authorization servers (the MCP conformance suite) answer the authorization URL
        // with a redirect straight back: follow it to the loopback listener ourselves.
        HttpClient* http = m_identity->http();
        s->setBrowserLauncher([http, s](const QUrl& url, QString*) {
            http->get(
                url, {}, s,
                [http, s](const HttpResponse& r) {
                    const QUrl location = r.url.resolved(QUrl(QString::fromUtf8(r.header("Location"))));
                    if ((r.status == 302 || r.status == 303 || r.status == 301 || r.status == 307)
                        && location.isValid())
                        http->get(
                            location, {}, s, [](const HttpResponse&) {}, false);
                },
                false);
            return true;
        });
    } else {
        s->setBrowserLauncher(m_identity->browserLauncher());
    }
    connect(s, &AuthorizationCodeSignIn::authorizationUrlReady, this, [self](const QUrl& url) {
        if (self && self->m_identity && !self->m_fetchAuthorizationUrl)
            self->m_identity->announceSignIn(url);
    });
    connect(s, &AuthorizationCodeSignIn::succeeded, this, [self, s, done](const SignInResult& r) {
        s->deleteLater();
        if (!self)
            return;
        self->m_signIn = nullptr;
        done(self->adopt(r.tokens, QStringLiteral("sign-in"), r.tokenExchange), Error());
    });
    connect(s, &AuthorizationCodeSignIn::failed, this, [self, s, done](const Error& e) {
        s->deleteLater();
        if (!self)
            return;
        self->m_signIn = nullptr;
        done(nullptr, e);
    });
    s->start();
}

void OAuthStrategy::acquire(const Need& need, Done done)
{
    if (!m_identity) {
        done(nullptr, Error(Error::Kind::Internal, tr("No identity service.")));
        return;
    }
    QPointer<OAuthStrategy> self(this);
    discover([self, need, done](const Error& e) {
        if (!self)
            return;
        if (e.isError()) {
            done(nullptr, e);
            return;
        }
        self->ensureClient([self, need, done](const Error& ce) {
            if (!self)
                return;
            if (ce.isError()) {
                done(nullptr, ce);
                return;
            }
            if (self->m_grant == QLatin1String("client_credentials")) {
                self->clientCredentials(done);
                return;
            }
            auto afterLoad = [self, need, done] {
                if (!self)
                    return;
                if (!self->m_refreshToken.isEmpty() && need.claims.isEmpty()) {
                    self->refresh(done, [self, need, done](const Error&) {
                        if (self)
                            self->authorize(need, done);
                    });
                    return;
                }
                self->authorize(need, done);
            };
            if (self->m_refreshLoaded) {
                afterLoad();
                return;
            }
            self->m_refreshLoaded = true;
            self->m_identity->store()->read(self->m_identity->storeKey(self->storeKey()),
                [self, afterLoad](const std::optional<QByteArray>& v, const Error&) {
                    if (!self)
                        return;
                    if (v && !v->isEmpty())
                        self->m_refreshToken = refreshTokenFromRecord(*v);
                    afterLoad();
                });
        });
    });
}

Secret OAuthStrategy::refreshTokenFromRecord(const QByteArray& record)
{
    if (record.startsWith('{')) {
        if (const auto j = parseJson(record); j && j->is_object())
            return Secret(qs(*j, "refresh_token"));
    }
    return Secret(record); // stored by a version that kept the bare token
}

void OAuthStrategy::revokeStoredToken(IdentityManager* identity, const QString& key, QObject* context, RevokeDone done)
{
    QPointer<IdentityManager> id(identity);
    QPointer<QObject> guard(context);
    identity->store()->read(key, [id, guard, done](const std::optional<QByteArray>& value, const Error& readError) {
        if (!id || !guard)
            return;
        const auto j = value && value->startsWith('{') ? parseJson(*value) : std::nullopt;
        if (!j || !j->is_object()) {
            done(false, QString(),
                value ? tr("it was stored without its authorization server (older Lanyard)")
                      : (readError.isError() ? readError.message : tr("nothing is stored")),
                HttpExchange());
            return;
        }
        const QString server = qs(*j, "server");
        const Secret token(qs(*j, "refresh_token"));
        const QUrl endpoint(qs(*j, "revocation_endpoint"));
        const QString issuer = qs(*j, "issuer");
        if (token.isEmpty()) {
            done(false, server, tr("no refresh token is stored"), HttpExchange());
            return;
        }
        if (!endpoint.isValid() || endpoint.isEmpty()) {
            done(false, server, tr("its authorization server offers no revocation endpoint"), HttpExchange());
            return;
        }
        auto post = [id, guard, done, server, token, endpoint](ClientCredentials client) {
            if (!id || !guard)
                return;
            FormFields form { { QStringLiteral("token"), token.revealString() },
                { QStringLiteral("token_type_hint"), QStringLiteral("refresh_token") } };
            HttpHeaders headers;
            Error authError;
            if (!applyClientAuth(client, endpoint, &form, &headers, id->clock(), &authError)) {
                done(false, server, authError.message, HttpExchange());
                return;
            }
            id->http()->postForm(endpoint, form, headers, guard, [done, server](const HttpResponse& r) {
                // RFC 7009 §2.2: 200 also for a token the server no longer knows.
                const bool ok = r.ok() && r.status == 200;
                done(ok, server,
                    ok ? QString() : (r.ok() ? tr("the server answered HTTP %1").arg(r.status) : r.error.message),
                    r.exchange);
            });
        };
        ClientCredentials client;
        client.clientId = qs(*j, "client_id");
        client.method = clientAuthMethodFromName(qs(*j, "client_auth")).value_or(ClientAuthMethod::None);
        client.assertionAudience = issuer;
        if (client.method == ClientAuthMethod::None) {
            post(client);
            return;
        }
        if (j->value("registered", false)) {
            // A dynamically registered client: its secret is in its registration record.
            id->store()->read(id->storeKey(QStringLiteral("oauth-client/") + issuer),
                [client, post](const std::optional<QByteArray>& v, const Error&) mutable {
                    if (const auto r = v ? parseJson(*v) : std::nullopt;
                        r && r->is_object() && qs(*r, "client_id") == client.clientId)
                        client.secret = Secret(qs(*r, "client_secret"));
                    post(client);
                });
            return;
        }
        // A pre-registered client: the secret or key from where the configuration names it.
        ServerConfig s;
        s.name = server;
        s.auth.type = QStringLiteral("oauth");
        s.auth.raw = j->value("auth", json::object());
        auto* loader = new OAuthStrategy(s, id, guard);
        loader->loadClientCredentials(
            client.clientId, [loader, post, client, issuer](const ClientCredentials& c, const Error& e) {
                loader->deleteLater();
                if (e.isError()) {
                    post(client); // without its secret: the server will refuse, and the problem is reported
                    return;
                }
                ClientCredentials loaded = c;
                if (loaded.assertionAudience.isEmpty())
                    loaded.assertionAudience = issuer;
                post(loaded);
            });
    });
}

} // namespace lanyard::auth
