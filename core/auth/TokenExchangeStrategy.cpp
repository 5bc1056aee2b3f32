// SPDX-License-Identifier: MIT
#include "auth/HttpClient.h"
#include "auth/Identity.h"
#include "auth/Lifecycle.h"
#include "auth/Strategies.h"
#include "util/Clock.h"
#include "util/Logging.h"

#include <memory>

namespace lanyard::auth {

namespace {
QString tokenTypeUrn(const QString& shortName)
{
    if (shortName.startsWith(QLatin1String("urn:")))
        return shortName;
    if (shortName == QLatin1String("id_token"))
        return QString::fromLatin1(kTokenTypeIdToken);
    if (shortName == QLatin1String("jwt"))
        return QString::fromLatin1(kTokenTypeJwt);
    return QString::fromLatin1(kTokenTypeAccessToken);
}
} // namespace

bool TokenExchangeStrategy::configure(Error* error)
{
    const QString where = QStringLiteral("servers (\"%1\").auth").arg(m_server.name);
    const QString endpoint = str("tokenEndpoint");
    if (!endpoint.isEmpty()) {
        const QUrl u(endpoint, QUrl::StrictMode);
        if (!u.isValid() || (u.scheme() != QLatin1String("https") && u.host() != QLatin1String("127.0.0.1")
                             && u.host() != QLatin1String("localhost"))) {
            *error = Error(Error::Kind::Config, tr("%1.tokenEndpoint must be an https URL (http only on 127.0.0.1).").arg(where));
            return false;
        }
        m_configuredEndpoint = u;
        m_tokenEndpoint = u;
    }
    m_subjectTokenType = str("subjectTokenType", QStringLiteral("access_token"));
    if (m_subjectTokenType != QLatin1String("access_token") && m_subjectTokenType != QLatin1String("id_token")) {
        *error = Error(Error::Kind::Config, tr("%1.subjectTokenType must be \"access_token\" or \"id_token\".").arg(where));
        return false;
    }
    m_subjectScopes = list("subjectScopes");
    if (m_subjectScopes.isEmpty())
        m_subjectScopes = list("subjectScope");
    if (m_subjectScopes.isEmpty() && !str("subjectResource").isEmpty())
        m_subjectScopes = {defaultScopeFor(str("subjectResource"))};
    if (m_subjectTokenType == QLatin1String("access_token") && m_subjectScopes.isEmpty()) {
        *error = Error(Error::Kind::Config, tr("%1 needs \"subjectScopes\": the Entra scope of the token service (e.g. "
                                               "[\"api://token-service/.default\"]), so that Lanyard can get the subject "
                                               "token. Or use \"subjectTokenType\": \"id_token\".")
                                                .arg(where));
        return false;
    }
    m_requestedTokenType = tokenTypeUrn(str("requestedTokenType", QStringLiteral("access_token")));
    m_audience = str("audience");
    m_resource = m_server.auth.raw.contains("resource") ? str("resource") : canonicalResource(m_server.url);
    m_scopes = list("scopes");
    if (m_scopes.isEmpty())
        m_scopes = list("scope");
    m_actorTokenEnv = str("actorTokenEnv");
    const QString grant = str("grant", QStringLiteral("token-exchange"));
    if (grant != QLatin1String("token-exchange") && grant != QLatin1String("on-behalf-of")) {
        *error = Error(Error::Kind::Config, tr("%1.grant must be \"token-exchange\" or \"on-behalf-of\".").arg(where));
        return false;
    }
    m_onBehalfOf = grant == QLatin1String("on-behalf-of");
    if (m_onBehalfOf && m_configuredEndpoint.isEmpty()) {
        *error = Error(Error::Kind::Config, tr("%1: the On-Behalf-Of form needs \"tokenEndpoint\" (the Entra token "
                                               "endpoint of the middle tier's tenant).")
                                                .arg(where));
        return false;
    }
    if (m_onBehalfOf && m_scopes.isEmpty()) {
        *error = Error(Error::Kind::Config, tr("%1: the On-Behalf-Of form needs \"scopes\" (the downstream API's scopes).").arg(where));
        return false;
    }
    if (m_onBehalfOf && str("clientAuth", QStringLiteral("none")) == QLatin1String("none")) {
        *error = Error(Error::Kind::Config, tr("%1: On-Behalf-Of needs a confidential client (clientAuth "
                                               "client_secret_post, client_secret_basic or private_key_jwt).")
                                                .arg(where));
        return false;
    }
    return true;
}

TokenKey TokenExchangeStrategy::cacheKey() const
{
    TokenKey k;
    k.issuer = m_issuer.isEmpty() ? m_tokenEndpoint.toString() : m_issuer;
    k.clientId = str("clientId", m_identity ? m_identity->settings().clientId : QString());
    k.subject = m_identity ? m_identity->account().subjectKey() : QString();
    k.audience = m_audience.isEmpty() ? m_resource : m_audience + QLatin1Char('|') + m_resource;
    k.scopes = m_scopes;
    return k;
}

QStringList TokenExchangeStrategy::expectedAudiences() const
{
    QStringList out;
    if (!m_audience.isEmpty())
        out << m_audience;
    if (!m_resource.isEmpty())
        out << m_resource;
    for (const QString& a : list("acceptAudiences"))
        out << a;
    return out;
}

bool TokenExchangeStrategy::addScopes(const QStringList& scopes)
{
    const QStringList merged = unionScopes(m_scopes, scopes);
    if (merged == m_scopes)
        return false;
    m_scopes = merged;
    return true;
}

void TokenExchangeStrategy::withEndpoint(std::function<void(const QUrl&, const QString&, const Error&)> done)
{
    if (m_tokenEndpoint.isValid() && !m_tokenEndpoint.isEmpty()) {
        done(m_tokenEndpoint, m_issuer, Error());
        return;
    }
    // Discover: the server's protected-resource metadata names its authorization server, whose
    // metadata must list the token-exchange grant.
    HttpClient* http = m_identity->http();
    const QList<QUrl> prmUrls = protectedResourceMetadataUrls(m_server.url);
    auto tryPrm = std::make_shared<std::function<void(int)>>();
    std::weak_ptr<std::function<void(int)>> weakTry = tryPrm;
    QPointer<TokenExchangeStrategy> self(this);
    const QString server = m_server.name;
    *tryPrm = [self, http, prmUrls, weakTry, done, server](int i) {
        if (!self)
            return;
        if (i >= prmUrls.size()) {
            done({}, {}, Error(Error::Kind::Config, tr("Server \"%1\" publishes no protected-resource metadata naming its "
                                                       "token service; set \"tokenEndpoint\" in its auth block.")
                                                        .arg(server)));
            return;
        }
        http->get(prmUrls[i], {}, self, [self, i, again = weakTry.lock(), done, server](const HttpResponse& r) {
            if (!self)
                return;
            QString why;
            const auto j = r.ok() && r.status == 200 ? parseJson(r.body, &why) : std::nullopt;
            const auto prm = j ? ProtectedResourceMetadata::fromJson(*j, r.url, &why) : std::nullopt;
            if (!prm || prm->authorizationServers.isEmpty()) {
                if (again)
                    (*again)(i + 1);
                return;
            }
            if (!resourceMatchesServer(prm->resource, self->m_server.url)) {
                done({}, {}, Error(Error::Kind::Auth, tr("Server \"%1\" publishes metadata for another resource (%2); "
                                                         "Lanyard does not send it tokens.")
                                                          .arg(server, prm->resource.left(200))));
                return;
            }
            const QUrl issuer = prm->authorizationServers.first();
            // One fetch per token service for all servers (IdentityManager::issuerMetadata).
            self->m_identity->issuerMetadata(issuer, self, [self, done, server, issuer](const std::optional<AuthServerMetadata>& md) {
                if (!md) {
                    done({}, {}, Error(Error::Kind::Config, tr("The token service %1 of server \"%2\" publishes no metadata; "
                                                               "set \"tokenEndpoint\".")
                                                                .arg(issuer.toString(), server)));
                    return;
                }
                if (!issuerMatches(md->issuer, issuer)) {
                    done({}, {}, Error(Error::Kind::Auth, tr("The token service's metadata names another issuer (%1) "
                                                             "than the one server \"%2\" names.")
                                                              .arg(md->issuer.left(200), server)));
                    return;
                }
                if (!md->supportsGrant(QString::fromLatin1(kGrantTokenExchange)) || !md->tokenEndpoint.isValid()) {
                    done({}, {}, Error(Error::Kind::Auth, tr("The authorization server of server \"%1\" does not offer "
                                                             "token exchange (RFC 8693 grant not listed).")
                                                              .arg(server)));
                    return;
                }
                self->m_tokenEndpoint = md->tokenEndpoint;
                self->m_issuer = md->issuer;
                done(md->tokenEndpoint, md->issuer, Error());
            });
        });
    };
    (*tryPrm)(0);
}

void TokenExchangeStrategy::forgetState()
{
    if (m_tokenEndpoint != m_configuredEndpoint && m_identity && !m_issuer.isEmpty())
        m_identity->forgetIssuerMetadata(QUrl(m_issuer)); // discovered: read it again
    m_tokenEndpoint = m_configuredEndpoint;
}

void TokenExchangeStrategy::acquire(const Need& need, Done done)
{
    if (!m_identity) {
        done(nullptr, Error(Error::Kind::Internal, tr("No identity service.")));
        return;
    }
    QPointer<TokenExchangeStrategy> self(this);
    // The subject token (maybe a sign-in or a refresh) and the token service's endpoint (maybe
    // discovery: the server's and the token service's metadata) are got at the same time; the
    // exchange starts when both are there. An error of the subject token ends it at once; one of
    // the discovery is reported once the subject token is there (or its own error instead).
    struct Progress
    {
        TokenPtr subject;
        bool haveSubject = false;
        QUrl endpoint;
        QString issuer;
        bool haveEndpoint = false;
        Error endpointError; // kept until the subject token is there: its error comes first
        bool over = false;
    };
    auto progress = std::make_shared<Progress>();
    auto fail = [progress, done](const Error& e) {
        if (progress->over)
            return;
        progress->over = true;
        done(nullptr, e);
    };
    auto proceed = [self, progress, done] {
        if (!self || progress->over || !progress->haveSubject || !progress->haveEndpoint)
            return;
        progress->over = true;
        self->loadClientCredentials(self->m_identity->settings().clientId,
            [self, progress, done](const ClientCredentials& c, const Error& ce) {
                if (!self)
                    return;
                if (ce.isError()) {
                    done(nullptr, ce);
                    return;
                }
                self->exchange(progress->subject, progress->endpoint, progress->issuer, c, done);
            });
    };
    auto withSubject = [self, progress, fail, proceed](const TokenPtr& subject, const Error& e) {
        if (!self)
            return;
        if (e.isError() || !subject) {
            fail(e.isError() ? e : Error(Error::Kind::Auth, tr("No subject token could be obtained.")));
            return;
        }
        if (progress->endpointError.isError()) {
            fail(progress->endpointError);
            return;
        }
        progress->subject = subject;
        progress->haveSubject = true;
        proceed();
    };
    withEndpoint([self, progress, fail, proceed](const QUrl& endpoint, const QString& issuer, const Error& ee) {
        if (!self)
            return;
        if (ee.isError()) {
            // "Sign in first" (what the app reconnects on) or a cancelled sign-in says more than a
            // server that cannot be reached; and a sign-in in the browser is not left without its
            // app. So a discovery error waits for the subject token.
            if (progress->haveSubject)
                fail(ee);
            else
                progress->endpointError = ee;
            return;
        }
        progress->endpoint = endpoint;
        progress->issuer = issuer;
        progress->haveEndpoint = true;
        proceed();
    });
    if (m_subjectTokenType == QLatin1String("id_token")) {
        m_identity->idToken(m_server.name, this, withSubject);
        return;
    }
    IdentityManager::EntraTokenRequest r;
    r.scopes = m_subjectScopes;
    r.server = m_server.name;
    r.strategy = QStringLiteral("entra");
    r.claims = need.claims;
    // A refused server token does not mean the subject token is bad: only claims force a new one.
    r.forceRefresh = !need.claims.isEmpty();
    m_identity->entraToken(r, this, withSubject);
}

void TokenExchangeStrategy::exchange(const TokenPtr& subject, const QUrl& endpoint, const QString& issuer,
                                     const ClientCredentials& client, Done done)
{
    FormFields form;
    const QString what = tr("Getting a token for server \"%1\" from the token service").arg(m_server.name);
    if (m_onBehalfOf) {
        form = {{QStringLiteral("grant_type"), QString::fromLatin1(kGrantJwtBearer)},
                {QStringLiteral("assertion"), subject->token.revealString()},
                {QStringLiteral("requested_token_use"), QStringLiteral("on_behalf_of")},
                {QStringLiteral("scope"), joinScopes(m_scopes)}};
    } else {
        form = {{QStringLiteral("grant_type"), QString::fromLatin1(kGrantTokenExchange)},
                {QStringLiteral("subject_token"), subject->token.revealString()},
                {QStringLiteral("subject_token_type"), tokenTypeUrn(m_subjectTokenType)},
                {QStringLiteral("requested_token_type"), m_requestedTokenType}};
        if (!m_audience.isEmpty())
            form.append({QStringLiteral("audience"), m_audience});
        if (!m_resource.isEmpty())
            form.append({QStringLiteral("resource"), m_resource});
        if (!m_scopes.isEmpty())
            form.append({QStringLiteral("scope"), joinScopes(m_scopes)});
        if (!m_actorTokenEnv.isEmpty()) {
            const QByteArray actor = qgetenv(m_actorTokenEnv.toLocal8Bit().constData());
            if (!actor.isEmpty()) {
                form.append({QStringLiteral("actor_token"), QString::fromUtf8(actor)});
                form.append({QStringLiteral("actor_token_type"), QString::fromLatin1(kTokenTypeAccessToken)});
            }
        }
    }
    QPointer<TokenExchangeStrategy> self(this);
    requestToken(m_identity->http(), endpoint, form, client, what, m_identity->clock(), this,
                 [self, subject, issuer, endpoint, done](const TokenResult& r) {
                     if (!self)
                         return;
                     if (!r.ok()) {
                         done(nullptr, r.error);
                         return;
                     }
                     auto t = makeIssuedToken(r.response->accessToken, r.response->expiresIn, self->m_identity->clock());
                     t->strategy = self->name();
                     t->obtainedBy = self->m_onBehalfOf ? QStringLiteral("on-behalf-of") : QStringLiteral("token-exchange");
                     t->issuer = issuer.isEmpty() ? qs(t->claims, "iss", endpoint.host()) : issuer;
                     t->audience = self->m_audience.isEmpty() ? self->m_resource : self->m_audience;
                     t->scopes = r.response->scopeGiven ? splitScopes(r.response->scope) : self->m_scopes;
                     t->subjectToken = subject;
                     self->lifecycle()->addToken(LifecycleEvent::Kind::Exchanged, self->m_server.name, *t,
                                                 tr("Exchanged the %1 (%2) for a token for %3")
                                                     .arg(subject->obtainedBy == QLatin1String("id-token") ? tr("ID token")
                                                                                                           : tr("Entra token"),
                                                          subject->fingerprint(), self->m_server.name),
                                                 {r.exchange});
                     done(t, Error());
                 });
}

} // namespace lanyard::auth
