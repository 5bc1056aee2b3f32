// SPDX-License-Identifier: MIT
#pragma once

#include "auth/SignIn.h"
#include "auth/Strategy.h"

#include <optional>

namespace lanyard::auth {

// auth.type "entra": an Entra access token for the server's own scope, through the one sign-in's
// refresh token (no second browser sign-in per server).
//   {"type":"entra", "scopes":["api://hr/HR.Read"] | "resource":"api://hr", "audience":"<app id>"}
class EntraStrategy : public TokenStrategy
{
    Q_OBJECT
public:
    using TokenStrategy::TokenStrategy;
    QString name() const override { return QStringLiteral("entra"); }
    bool configure(Error* error) override;
    TokenKey cacheKey() const override;
    void acquire(const Need& need, Done done) override;
    QStringList expectedAudiences() const override;
    bool addScopes(const QStringList& scopes) override;
    QStringList currentScopes() const override { return m_scopes; }

private:
    QStringList m_scopes;
    QString m_audience;
};

// auth.type "token-exchange": RFC 8693 at a token service. The subject token is the person's
// Entra access token for the token service (subjectScopes) or their ID token; the answer is a
// token for this server (audience / resource / scope). Also the Entra On-Behalf-Of form
// ("grant": "on-behalf-of": jwt-bearer with requested_token_use=on_behalf_of).
class TokenExchangeStrategy : public TokenStrategy
{
    Q_OBJECT
public:
    using TokenStrategy::TokenStrategy;
    QString name() const override { return QStringLiteral("token-exchange"); }
    bool configure(Error* error) override;
    TokenKey cacheKey() const override;
    void acquire(const Need& need, Done done) override;
    QStringList expectedAudiences() const override;
    bool addScopes(const QStringList& scopes) override;
    QStringList currentScopes() const override { return m_scopes; }
    void forgetState() override; // the endpoint found, and the token service's metadata

private:
    void withEndpoint(std::function<void(const QUrl&, const QString& issuer, const Error&)> done);
    void exchange(const TokenPtr& subject, const QUrl& endpoint, const QString& issuer, const ClientCredentials& client,
        Done done);

    QUrl m_configuredEndpoint;
    QUrl m_tokenEndpoint;
    QString m_issuer;
    QStringList m_subjectScopes;
    QString m_subjectTokenType; // access_token | id_token
    QString m_requestedTokenType;
    QString m_audience;
    QString m_resource;
    QStringList m_scopes;
    QString m_actorTokenEnv;
    bool m_onBehalfOf = false;
};

// auth.type "oauth": the MCP authorization spec with the server's own authorization server:
// discovery (RFC 9728 + RFC 8414/OIDC), PKCE S256, RFC 8707 resource (never to Entra), client
// identity (pre-registered, client ID metadata document, dynamic registration), scope selection,
// step-up, refresh, or the client-credentials grant.
class OAuthStrategy : public TokenStrategy
{
    Q_OBJECT
public:
    using TokenStrategy::TokenStrategy;
    ~OAuthStrategy() override;
    QString name() const override { return QStringLiteral("oauth"); }
    bool configure(Error* error) override;
    TokenKey cacheKey() const override;
    void acquire(const Need& need, Done done) override;
    QStringList expectedAudiences() const override;
    bool addScopes(const QStringList& scopes) override;
    QStringList currentScopes() const override { return m_scopes; }
    void forgetState() override;
    // MCP flow: the first request goes without a token; the 401 challenge starts discovery.
    bool waitsForChallenge() const override { return m_grant != QLatin1String("client_credentials"); }

    // The challenge that made the transport ask (resource_metadata, scope).
    void setChallenge(const AuthChallenge& challenge);
    // Conformance mode: fetch the authorization URL itself (the test AS redirects at once).
    void setFetchAuthorizationUrl(bool fetch) { m_fetchAuthorizationUrl = fetch; }

    // Sign-out: the credential-store entries of this strategy start with this (after the profile).
    static QString storePrefix() { return QStringLiteral("oauth/"); }
    // Sign-out: revokes the refresh token stored under `key` (RFC 7009) when its authorization
    // server listed a revocation endpoint, authenticating as the client that got it. `done` says
    // whether the server confirmed, the server's name and the redacted exchange (if one was sent).
    // Never touches the store entry itself.
    using RevokeDone = std::function<void(
        bool revoked, const QString& server, const QString& problem, const HttpExchange& exchange)>;
    static void revokeStoredToken(IdentityManager* identity, const QString& key, QObject* context, RevokeDone done);
    // The refresh token in a store entry (the JSON record, or the bare token of older versions).
    static Secret refreshTokenFromRecord(const QByteArray& record);

private:
    struct Discovered;
    void discover(std::function<void(const Error&)> done);
    void discoverAuthServer(const QList<QUrl>& candidates, int index, std::function<void(const Error&)> done);
    void ensureClient(std::function<void(const Error&)> done);
    void authorize(const Need& need, Done done);
    void refresh(Done done, std::function<void(const Error&)> fallback);
    void clientCredentials(Done done);
    TokenPtr adopt(const TokenResponse& r, const QString& how, const HttpExchange& exchange);
    bool isEntraServer() const;
    QString resourceParameter() const;
    QString storeKey() const;

    std::shared_ptr<Discovered> m_d;
    QStringList m_scopes;
    bool m_scopesConfigured = false;
    QString m_grant; // authorization_code | client_credentials
    QUrl m_challengeMetadata;
    QString m_challengeScope;
    bool m_fetchAuthorizationUrl = false;
    bool m_entraCompat = true;
    ClientCredentials m_client;
    bool m_clientReady = false;
    Secret m_refreshToken;
    bool m_refreshLoaded = false;
    bool m_clientRegistered = false; // the client came from dynamic registration (its record is in the store)
    QPointer<AuthorizationCodeSignIn> m_signIn;
};

// auth.type "cross-app-access": Identity Assertion JWT Authorization Grant (ID-JAG). RFC 8693 at
// the person's IdP (subject: their ID token; requested: an ID-JAG for the server's authorization
// server), then RFC 7523 jwt-bearer at that authorization server.
class CrossAppAccessStrategy : public TokenStrategy
{
    Q_OBJECT
public:
    using TokenStrategy::TokenStrategy;
    QString name() const override { return QStringLiteral("cross-app-access"); }
    bool configure(Error* error) override;
    TokenKey cacheKey() const override;
    void acquire(const Need& need, Done done) override;
    QStringList expectedAudiences() const override;
    bool addScopes(const QStringList& scopes) override;
    QStringList currentScopes() const override { return m_scopes; }

private:
    void withAuthServer(std::function<void(const Error&)> done);
    QUrl m_idpTokenEndpoint;
    QString m_authServerIssuer;
    QUrl m_authServerTokenEndpoint;
    QString m_resource;
    QStringList m_scopes;
    QString m_subjectTokenType;
};

// auth.type "bearer" with a "keychain" entry: a static token from the OS keychain.
class KeychainBearerStrategy : public TokenStrategy
{
    Q_OBJECT
public:
    using TokenStrategy::TokenStrategy;
    QString name() const override { return QStringLiteral("bearer"); }
    bool configure(Error* error) override;
    TokenKey cacheKey() const override;
    void acquire(const Need& need, Done done) override;
    QStringList expectedAudiences() const override { return {}; }

private:
    QString m_entry;
};

} // namespace lanyard::auth
