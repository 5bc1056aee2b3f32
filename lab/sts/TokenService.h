// SPDX-License-Identifier: MIT
#pragma once

#include "http/HttpServer.h"
#include "idp/Scenario.h"
#include "idp/SigningKeyRing.h"
#include "util/Json.h"

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace lanyard {
class Clock;
}

namespace lanyard::lab {

class FormParams;
class RemoteKeySet;

// An OAuth 2.0 Token Exchange service (RFC 8693) for the lab: it trusts the lab IdP (validating
// subject tokens against the IdP's JWKS, fetched over HTTP) and issues short JWTs for one demo
// MCP server at a time, with an `act` claim naming the client (nested for delegation chains).
//   GET  /.well-known/oauth-authorization-server   RFC 8414 metadata
//   GET  /jwks                                     its own keys (ES256)
//   POST /token                                    grant_type=urn:ietf:params:oauth:grant-type:token-exchange
// Clients and target servers come from the scenario (tokenService section); client
// authentication per client: none, client_secret_basic, client_secret_post, private_key_jwt.
class TokenService : public QObject
{
    Q_OBJECT
public:
    // Issuers whose tokens are accepted as subject or actor tokens.
    struct TrustedIssuer
    {
        QString issuer; // may contain {tenantid}
        QStringList tenants; // accepted tid values for a template (empty = any)
        QUrl jwksUrl;
        QStringList audiences; // what access tokens for the token service carry as aud
        QStringList algorithms { QStringLiteral("RS256") };
    };

    explicit TokenService(std::shared_ptr<Scenario> scenario, const Clock* clock = nullptr, QObject* parent = nullptr);
    ~TokenService() override;

    void mount(HttpServer* server);
    HttpServer* server() const { return m_server; }

    QString issuer() const; // http://127.0.0.1:<port> (no trailing slash)
    QUrl metadataUrl() const;
    QUrl tokenUrl() const;
    QUrl jwksUrl() const;

    void trustIssuer(const TrustedIssuer& trusted);
    // Sets the resource URL of a scenario server (when the demo server has started). False if
    // the scenario has no server of that name.
    bool setServerResource(const QString& serverName, const QString& resource);
    void addServer(const TokenServiceServer& server);
    void addClient(const TokenServiceClient& client);

    Scenario& scenario() { return *m_scenario; }
    SigningKeyRing& signingKeys() { return m_keys; }
    // Lifetime of issued tokens (never beyond the subject token's expiry).
    void setTokenLifetime(int secs) { m_scenario->lifetimes.tokenServiceSecs = secs; }
    // Clock skew allowed on the subject token's exp/nbf (default 60 s).
    void setLeewaySecs(int secs) { m_leewaySecs = secs; }
    void setJwksMinRefetchIntervalSecs(qint64 secs) { m_minRefetchSecs = secs; }
    // JWKS fetches made so far for trusted issuers (for tests).
    int jwksFetchCount() const;

    // Lab tool: signs arbitrary claims with the token service's active key.
    std::optional<QByteArray> signClaims(const json& claims, const QString& typ = QStringLiteral("at+jwt")) const;

    // Test hook (leak test): called with every token the service issues and every secret it
    // receives (subject_token, actor_token, client_secret, client_assertion), and with the
    // `kind`. Synchronous. Default none (no cost). The service itself never logs them.
    using SecretObserver = std::function<void(const QByteArray& secret, const QString& kind)>;
    void setSecretObserver(SecretObserver observer) { m_secretObserver = std::move(observer); }

signals:
    void tokenExchanged(const QString& clientId, const QString& username, const QString& server);
    void errorReturned(const QString& error, const QString& description);

private:
    struct Exchange;
    struct CheckedToken;

    void handleMetadata(const ResponderPtr& responder);
    void handleJwks(const ResponderPtr& responder);
    void handleToken(const Request& request, const ResponderPtr& responder);
    void checkToken(const QByteArray& token, const QString& tokenType, const QString& role,
        const std::shared_ptr<Exchange>& exchange, std::function<void(CheckedToken)> next);
    void finishExchange(const std::shared_ptr<Exchange>& exchange);
    void sendError(const ResponderPtr& responder, const QString& error, const QString& description, int status = 400,
        const HttpHeaders& headers = {});
    bool authenticateClient(const Request& request, const FormParams& form, std::shared_ptr<Exchange>& exchange,
        const ResponderPtr& responder);
    RemoteKeySet* keySetFor(const QUrl& jwksUrl);
    qint64 now() const;
    void observeSecret(const QString& secret, const QString& kind) const;

    std::shared_ptr<Scenario> m_scenario;
    const Clock* m_clock;
    SigningKeyRing m_keys;
    QPointer<HttpServer> m_server;
    std::vector<TrustedIssuer> m_trusted;
    QHash<QString, RemoteKeySet*> m_keySets;
    QHash<QString, qint64> m_seenAssertionIds; // private_key_jwt jti -> exp (replay protection)
    int m_leewaySecs = 60;
    qint64 m_minRefetchSecs = 5;
    SecretObserver m_secretObserver;
};

} // namespace lanyard::lab
