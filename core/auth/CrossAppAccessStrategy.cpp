// SPDX-License-Identifier: MIT
#include "auth/HttpClient.h"
#include "auth/Identity.h"
#include "auth/Lifecycle.h"
#include "auth/Strategies.h"
#include "util/Clock.h"

namespace lanyard::auth {

bool CrossAppAccessStrategy::configure(Error* error)
{
    const QString where = QStringLiteral("servers (\"%1\").auth").arg(m_server.name);
    const QString idp = str("idpTokenEndpoint");
    if (!idp.isEmpty()) {
        const QUrl u(idp, QUrl::StrictMode);
        if (!u.isValid() || u.host().isEmpty()) {
            *error = Error(Error::Kind::Config, tr("%1.idpTokenEndpoint is not a URL.").arg(where));
            return false;
        }
        m_idpTokenEndpoint = u;
    }
    m_resource = str("resource", canonicalResource(m_server.url));
    m_scopes = list("scopes");
    m_authServerIssuer = str("authorizationServer");
    return true;
}

TokenKey CrossAppAccessStrategy::cacheKey() const
{
    TokenKey k;
    k.issuer = m_authServerIssuer.isEmpty() ? QStringLiteral("cross-app-access") : m_authServerIssuer;
    k.clientId = str("clientId");
    k.subject = m_identity ? m_identity->account().subjectKey() : QString();
    k.audience = m_resource;
    k.scopes = m_scopes;
    return k;
}

QStringList CrossAppAccessStrategy::expectedAudiences() const
{
    QStringList out{m_resource};
    if (!str("audience").isEmpty())
        out << str("audience");
    return out;
}

bool CrossAppAccessStrategy::addScopes(const QStringList& scopes)
{
    const QStringList merged = unionScopes(m_scopes, scopes);
    if (merged == m_scopes)
        return false;
    m_scopes = merged;
    return true;
}

void CrossAppAccessStrategy::withAuthServer(std::function<void(const Error&)> done)
{
    if (m_authServerTokenEndpoint.isValid() && !m_authServerTokenEndpoint.isEmpty()) {
        done(Error());
        return;
    }
    HttpClient* http = m_identity->http();
    QPointer<CrossAppAccessStrategy> self(this);
    auto found = std::make_shared<QUrl>();
    auto mismatch = std::make_shared<Error>();
    auto lookUpAs = [self, http, done](const QUrl& issuer) {
        auto md = std::make_shared<std::optional<AuthServerMetadata>>();
        http->getFirst(
            authorizationServerMetadataUrls(issuer), {}, self,
            [md](const HttpResponse& r) {
                if (!r.ok() || r.status != 200)
                    return false;
                const auto j = parseJson(r.body);
                *md = j ? AuthServerMetadata::fromJson(*j, r.url) : std::nullopt;
                return md->has_value() && (*md)->tokenEndpoint.isValid();
            },
            [self, md, issuer, done](bool ok) {
                if (!self)
                    return;
                if (!ok) {
                    done(Error(Error::Kind::Auth, tr("The authorization server %1 of server \"%2\" publishes no metadata.")
                                                      .arg(issuer.toString(), self->m_server.name)));
                    return;
                }
                if (!(*md)->supportsGrant(QString::fromLatin1(kGrantJwtBearer))) {
                    done(Error(Error::Kind::Auth, tr("The authorization server of server \"%1\" does not accept identity "
                                                     "assertions (the jwt-bearer grant is not listed).")
                                                      .arg(self->m_server.name)));
                    return;
                }
                self->m_authServerIssuer = (*md)->issuer;
                self->m_authServerTokenEndpoint = (*md)->tokenEndpoint;
                done(Error());
            });
    };
    if (!m_authServerIssuer.isEmpty()) {
        lookUpAs(QUrl(m_authServerIssuer));
        return;
    }
    http->getFirst(
        protectedResourceMetadataUrls(m_server.url), {}, this,
        [self, found, mismatch](const HttpResponse& r) {
            if (!self || !r.ok() || r.status != 200)
                return false;
            const auto j = parseJson(r.body);
            const auto prm = j ? ProtectedResourceMetadata::fromJson(*j, r.url) : std::nullopt;
            if (!prm || prm->authorizationServers.isEmpty())
                return false;
            if (!resourceMatchesServer(prm->resource, self->m_server.url)) {
                *mismatch = Error(Error::Kind::Auth, tr("Server \"%1\" publishes metadata for another resource (%2).")
                                                         .arg(self->m_server.name, prm->resource.left(200)));
                return true;
            }
            *found = prm->authorizationServers.first();
            return true;
        },
        [self, found, mismatch, lookUpAs, done](bool ok) {
            if (!self)
                return;
            if (mismatch->isError()) {
                done(*mismatch);
                return;
            }
            if (!ok) {
                done(Error(Error::Kind::Config, tr("Server \"%1\" names no authorization server; set \"authorizationServer\" "
                                                   "in its auth block.")
                                                    .arg(self->m_server.name)));
                return;
            }
            lookUpAs(*found);
        });
}

void CrossAppAccessStrategy::acquire(const Need& need, Done done)
{
    Q_UNUSED(need);
    if (!m_identity) {
        done(nullptr, Error(Error::Kind::Internal, tr("No identity service.")));
        return;
    }
    QPointer<CrossAppAccessStrategy> self(this);
    // The person's ID token: from the sign-in, or (automation) from an environment variable.
    auto withIdToken = [self, done](const TokenPtr& idToken, const Error& e) {
        if (!self)
            return;
        if (e.isError() || !idToken) {
            done(nullptr, e);
            return;
        }
        self->withAuthServer([self, idToken, done](const Error& ae) {
            if (!self)
                return;
            if (ae.isError()) {
                done(nullptr, ae);
                return;
            }
            auto withIdpEndpoint = [self, idToken, done](const QUrl& idpEndpoint) {
                // Step 1: RFC 8693 at the IdP: ID token -> identity assertion (ID-JAG) for the AS.
                FormFields form{{QStringLiteral("grant_type"), QString::fromLatin1(kGrantTokenExchange)},
                                {QStringLiteral("requested_token_type"), QString::fromLatin1(kTokenTypeIdJag)},
                                {QStringLiteral("audience"), self->m_authServerIssuer},
                                {QStringLiteral("resource"), self->m_resource},
                                {QStringLiteral("subject_token"), idToken->token.revealString()},
                                {QStringLiteral("subject_token_type"), QString::fromLatin1(kTokenTypeIdToken)}};
                if (!self->m_scopes.isEmpty())
                    form.append({QStringLiteral("scope"), joinScopes(self->m_scopes)});
                ClientCredentials idpClient;
                idpClient.clientId = self->str("idpClientId", self->m_identity->settings().clientId);
                requestToken(self->m_identity->http(), idpEndpoint, form, idpClient,
                             tr("Getting an identity assertion for server \"%1\" from the identity provider").arg(self->m_server.name),
                             self->m_identity->clock(), self, [self, idToken, done, idpEndpoint](const TokenResult& r) {
                                 if (!self)
                                     return;
                                 if (!r.ok()) {
                                     done(nullptr, r.error);
                                     return;
                                 }
                                 auto jag = makeIssuedToken(r.response->accessToken, r.response->expiresIn, self->m_identity->clock());
                                 jag->strategy = self->name();
                                 jag->obtainedBy = QStringLiteral("id-jag");
                                 jag->issuer = idpEndpoint.toString();
                                 jag->audience = self->m_authServerIssuer;
                                 jag->subjectToken = idToken;
                                 self->lifecycle()->addToken(LifecycleEvent::Kind::Exchanged, self->m_server.name, *jag,
                                                             tr("ID token exchanged for an identity assertion (ID-JAG) for %1")
                                                                 .arg(self->m_authServerIssuer),
                                                             {r.exchange});
                                 // Step 2: RFC 7523 jwt-bearer at the server's authorization server.
                                 self->loadClientCredentials(QString(), [self, jag, done](const ClientCredentials& c0, const Error& ce) {
                                     if (!self)
                                         return;
                                     if (ce.isError()) {
                                         done(nullptr, ce);
                                         return;
                                     }
                                     ClientCredentials c = c0;
                                     if (self->str("clientAuth").isEmpty() && !c.secret.isEmpty())
                                         c.method = ClientAuthMethod::SecretBasic;
                                     FormFields grant{{QStringLiteral("grant_type"), QString::fromLatin1(kGrantJwtBearer)},
                                                      {QStringLiteral("assertion"), jag->token.revealString()}};
                                     if (!self->m_scopes.isEmpty())
                                         grant.append({QStringLiteral("scope"), joinScopes(self->m_scopes)});
                                     requestToken(self->m_identity->http(), self->m_authServerTokenEndpoint, grant, c,
                                                  tr("Getting a token for server \"%1\" with the identity assertion").arg(self->m_server.name),
                                                  self->m_identity->clock(), self, [self, jag, done](const TokenResult& tr2) {
                                                      if (!self)
                                                          return;
                                                      if (!tr2.ok()) {
                                                          done(nullptr, tr2.error);
                                                          return;
                                                      }
                                                      auto t = makeIssuedToken(tr2.response->accessToken, tr2.response->expiresIn,
                                                                               self->m_identity->clock());
                                                      t->strategy = self->name();
                                                      t->obtainedBy = QStringLiteral("jwt-bearer");
                                                      t->issuer = self->m_authServerIssuer;
                                                      t->audience = self->m_resource;
                                                      t->scopes = tr2.response->scopeGiven ? splitScopes(tr2.response->scope) : self->m_scopes;
                                                      t->subjectToken = jag;
                                                      self->lifecycle()->addToken(LifecycleEvent::Kind::TokenIssued, self->m_server.name, *t,
                                                                                  tr("Token for %1 issued for the identity assertion").arg(self->m_server.name),
                                                                                  {tr2.exchange});
                                                      done(t, Error());
                                                  });
                                 });
                             });
            };
            if (self->m_idpTokenEndpoint.isValid() && !self->m_idpTokenEndpoint.isEmpty()) {
                withIdpEndpoint(self->m_idpTokenEndpoint);
                return;
            }
            self->m_identity->metadata(self, [withIdpEndpoint, done](const AuthServerMetadata& md, const Error& me) {
                if (me.isError()) {
                    done(nullptr, me);
                    return;
                }
                withIdpEndpoint(md.tokenEndpoint);
            });
        });
    };
    const QString env = str("idTokenEnv");
    if (!env.isEmpty()) {
        const QByteArray value = qgetenv(env.toLocal8Bit().constData());
        if (value.isEmpty()) {
            done(nullptr, Error(Error::Kind::Config, tr("The environment variable %1 (the ID token) is not set.").arg(env)));
            return;
        }
        auto t = makeIssuedToken(Secret(value), -1, m_identity->clock());
        t->strategy = QStringLiteral("sign-in");
        t->obtainedBy = QStringLiteral("id-token");
        withIdToken(t, Error());
        return;
    }
    m_identity->idToken(m_server.name, this, withIdToken);
}

} // namespace lanyard::auth
