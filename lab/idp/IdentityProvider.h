// SPDX-License-Identifier: MIT
#pragma once

#include "http/HttpServer.h"
#include "idp/EntraError.h"
#include "idp/Scenario.h"
#include "idp/SigningKeyRing.h"
#include "util/Json.h"

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QUrl>

#include <functional>
#include <memory>
#include <optional>

namespace lanyard {
class Clock;
}

namespace lanyard::lab {

class FormParams;

// An identity provider that behaves like Microsoft Entra ID's v2 endpoints, for the lab:
//   /{tenant}/v2.0/.well-known/openid-configuration   discovery (Entra's shape, no
//                                                      code_challenge_methods_supported)
//   /{tenant}/discovery/v2.0/keys                      JWKS (active + standby key, retired keys)
//   /{tenant}/oauth2/v2.0/authorize                    HTML sign-in, MFA and consent pages
//   /{tenant}/oauth2/v2.0/token                        authorization_code, refresh_token, On-Behalf-Of
//   /{tenant}/oauth2/v2.0/logout                       ends the browser's SSO session
// {tenant} is the scenario's tenant GUID, its domain, "organizations" or "common". Tokens are
// RS256 with a kid; errors have Entra's JSON shape and AADSTS codes. Everything lives in memory.
class IdentityProvider : public QObject
{
    Q_OBJECT
public:
    // The scenario is shared (the token service reads the same directory). `clock` may be null.
    explicit IdentityProvider(
        std::shared_ptr<Scenario> scenario, const Clock* clock = nullptr, QObject* parent = nullptr);
    ~IdentityProvider() override;

    // Serves the endpoints on `server` (catch-all route). The server's base URL names the IdP.
    void mount(HttpServer* server);
    HttpServer* server() const { return m_server; }

    // URLs (valid once the server listens). `tenant` defaults to the tenant GUID.
    QUrl baseUrl() const;
    QString issuer() const; // <base>/<tenant GUID>/v2.0 (what tokens carry)
    QString issuerTemplate() const; // <base>/{tenantid}/v2.0 (what multi-tenant discovery says)
    QUrl authority(const QString& tenant = {}) const; // <base>/<tenant>/v2.0
    QUrl discoveryUrl(const QString& tenant = {}) const;
    QUrl jwksUrl(const QString& tenant = {}) const;
    QUrl authorizeUrl(const QString& tenant = {}) const;
    QUrl tokenUrl(const QString& tenant = {}) const;
    QUrl logoutUrl(const QString& tenant = {}) const;

    Scenario& scenario() { return *m_scenario; }
    const Scenario& scenario() const { return *m_scenario; }
    std::shared_ptr<Scenario> sharedScenario() const { return m_scenario; }
    const Clock* clock() const;

    // ---- Knobs ---------------------------------------------------------------------------------
    void setAccessTokenLifetime(int secs) { m_scenario->lifetimes.accessTokenSecs = secs; }
    void setIdTokenLifetime(int secs) { m_scenario->lifetimes.idTokenSecs = secs; }
    void setRefreshTokenLifetime(qint64 secs) { m_scenario->lifetimes.refreshTokenSecs = secs; }
    void setCodeLifetime(int secs) { m_scenario->lifetimes.codeSecs = secs; }
    // Conditional access: tokens for this resource (app key or id) need MFA (AADSTS50076 on the
    // token endpoint until the user passed MFA interactively). False if there is no such app.
    bool setMfaRequired(const QString& resourceApp, bool required);
    // Revokes every refresh token and SSO session of the user (username or oid): the next
    // refresh fails with AADSTS50173. Returns the number of refresh tokens revoked.
    int revokeUserSessions(const QString& user);
    // Consents (knob for AADSTS65001): grant or withdraw a user's consent for a client.
    void grantConsent(
        const QString& user, const QString& clientApp, const QString& resourceApp, const QStringList& scopes);
    void revokeConsent(const QString& user, const QString& clientApp, const QString& resourceApp = {});

    SigningKeyRing& signingKeys() { return m_keys; }
    const SigningKeyRing& signingKeys() const { return m_keys; }
    // Standby key becomes active, the old one stays published (see SigningKeyRing).
    void rotateSigningKeys() { m_keys.rotate(); }

    // Lab tool for tests and trouble-making scenarios: signs arbitrary claims with the IdP's
    // active key (e.g. a token with may_act, or one that expired yesterday).
    std::optional<QByteArray> signClaims(const json& claims, const QString& typ = QStringLiteral("JWT")) const;

    // Number of refresh tokens that can still be used (all users, or one user).
    int activeRefreshTokenCount(const QString& user = {}) const;

    // Test hook (leak test): called with every secret the IdP issues (authorization code, access
    // token, ID token, refresh token) or receives at its token endpoint (code, code_verifier,
    // refresh_token, client_secret, client_assertion, On-Behalf-Of assertion), and with the `kind`.
    // Synchronous, on the IdP's thread. Default none (no cost). The lab itself never logs them.
    using SecretObserver = std::function<void(const QByteArray& secret, const QString& kind)>;
    void setSecretObserver(SecretObserver observer) { m_secretObserver = std::move(observer); }

signals:
    // After a token response (never carries the tokens).
    void tokensIssued(
        const QString& grantType, const QString& username, const QString& clientId, const QString& resourceAppId);
    // After an error answer or error redirect.
    void errorReturned(const QString& endpoint, int aadstsCode, const QString& error);

private:
    struct AuthCode;
    struct RefreshGrant;
    struct SsoSession;
    struct Flow;
    struct AuthorizeParams;
    struct TokenGrant;

    void handle(const Request& request, const ResponderPtr& responder);
    void handleDiscovery(const QString& tenant, const ResponderPtr& responder);
    void handleKeys(const QString& tenant, const ResponderPtr& responder);
    void handleAuthorize(const QString& tenant, const Request& request, const ResponderPtr& responder);
    void handleToken(const QString& tenant, const Request& request, const ResponderPtr& responder);
    void handleLogout(const QString& tenant, const Request& request, const ResponderPtr& responder);
    void handleUserInfo(const Request& request, const ResponderPtr& responder);
    void handleErrorPage(const Request& request, const ResponderPtr& responder);

    // Token endpoint grants. Each returns the response body or sets *error.
    std::optional<json> redeemCode(
        const FormParams& form, const LabApp& client, bool clientAuthenticated, EntraError* error);
    std::optional<json> redeemRefreshToken(
        const FormParams& form, const LabApp& client, bool clientAuthenticated, EntraError* error);
    std::optional<json> onBehalfOf(const FormParams& form, const LabApp& client, EntraError* error);
    std::optional<json> issueTokens(const TokenGrant& grant, EntraError* error);

    bool isKnownTenant(const QString& tenant) const;
    bool redirectUriRegistered(const LabApp& app, const QString& redirectUri) const;
    QString pairwiseSub(const QString& userOid, const QString& appId) const;
    qint64 now() const;
    void observeSecret(const QString& secret, const QString& kind) const;

    void sendJson(const ResponderPtr& responder, int status, const json& body, bool noStore = false);
    void sendError(const ResponderPtr& responder, const QString& endpoint, const EntraError& error,
        const QString& correlationId = {});
    void sendErrorPage(const ResponderPtr& responder, const EntraError& error);

    std::shared_ptr<Scenario> m_scenario;
    const Clock* m_clock;
    SigningKeyRing m_keys;
    QPointer<HttpServer> m_server;
    // Keyed by SHA-256 (hex) of the code / token / cookie value: the values themselves are not kept.
    QHash<QByteArray, std::shared_ptr<AuthCode>> m_codes;
    QHash<QByteArray, std::shared_ptr<RefreshGrant>> m_refreshTokens;
    QHash<QByteArray, std::shared_ptr<SsoSession>> m_sessions;
    QHash<QByteArray, std::shared_ptr<Flow>> m_flows;
    SecretObserver m_secretObserver;
};

} // namespace lanyard::lab
