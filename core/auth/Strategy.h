// SPDX-License-Identifier: MIT
#pragma once

#include "auth/Discovery.h"
#include "auth/Identity.h"
#include "auth/TokenCache.h"
#include "auth/TokenEndpoint.h"
#include "config/Config.h"
#include "protocol/TokenProvider.h"
#include "util/Error.h"

#include <QObject>
#include <QPointer>

#include <optional>
#include <QStringList>

#include <functional>
#include <memory>

namespace lanyard::auth {

class CredentialStore;
class LifecycleLog;

// One way of getting a token for one MCP server (the `auth.type` of its configuration). The
// provider below does caching, refresh-ahead, single-flight, the audience check and the 401/403
// handling; a strategy only knows how to get a new token.
class TokenStrategy : public QObject
{
    Q_OBJECT
public:
    TokenStrategy(ServerConfig server, IdentityManager* identity, QObject* parent = nullptr);
    ~TokenStrategy() override;

    virtual QString name() const = 0;
    // Reads the server's auth block; on failure *error (Config) names the key and what to do.
    virtual bool configure(Error* error) = 0;
    // Where the server's token lives in the cache.
    virtual TokenKey cacheKey() const = 0;

    struct Need
    {
        bool force = false; // the cached token was refused: get a new one
        QString claims; // claims challenge to satisfy (Entra CAE)
    };
    using Done = std::function<void(const TokenPtr& token, const Error& error)>;
    virtual void acquire(const Need& need, Done done) = 0;

    // What the token's "aud" must name for this server. Empty: cannot be checked.
    virtual QStringList expectedAudiences() const = 0;
    // 403 insufficient_scope: take these scopes in (union). False when that is not possible.
    virtual bool addScopes(const QStringList& scopes);
    virtual QStringList currentScopes() const { return {}; }
    // A 401 with a fresh token: forget what might be stale (metadata, client registration...).
    virtual void forgetState() { }
    // True: send the first request without a token and start from the server's 401 challenge
    // (the MCP authorization flow), instead of getting a token before the first request.
    virtual bool waitsForChallenge() const { return false; }

    const ServerConfig& server() const { return m_server; }
    IdentityManager* identity() const { return m_identity; }
    LifecycleLog* lifecycle() const;
    const json& authBlock() const { return m_server.auth.raw; }

    // Where keychain entries named in a configuration are read (bearer tokens, client secrets):
    // by default a KeychainStore for the service "lanyard". Tests put a MemoryStore here. The
    // factory makes one store per read; the caller owns it.
    using KeychainFactory = std::function<CredentialStore*(QObject* parent)>;
    static void setKeychainFactory(KeychainFactory factory);

protected:
    CredentialStore* openKeychain();
    // Small readers for the auth block.
    QString str(const char* key, const QString& fallback = {}) const;
    QStringList list(const char* key) const;
    // Client credentials from the auth block: clientId, clientAuth, clientSecretEnv /
    // clientSecretKeychain, privateKeyFile / privateKeyEnv. Secrets never come from the file.
    // Asynchronous because the keychain is.
    void loadClientCredentials(
        const QString& defaultClientId, std::function<void(const ClientCredentials&, const Error&)> done);

    ServerConfig m_server;
    QPointer<IdentityManager> m_identity;
};

// The TokenProvider the HTTP transport talks to for servers with an identity auth type.
class ServerTokenProvider : public TokenProvider
{
    Q_OBJECT
public:
    // Takes ownership of the strategy.
    ServerTokenProvider(TokenStrategy* strategy, IdentityManager* identity, QObject* parent = nullptr);
    ~ServerTokenProvider() override;

    void headersFor(const QUrl& requestUrl, HeadersCallback callback) override;
    void handleChallenge(
        const AuthChallenge& challenge, std::function<void(bool retry, const Error& error)> callback) override;
    QString strategyName() const override;

    TokenStrategy* strategy() const { return m_strategy; }
    // The token the server gets (fresh or newly obtained), without sending anything.
    void currentToken(std::function<void(const TokenPtr& token, const Error& error)> done);
    // Maximum step-ups on 403 insufficient_scope per provider (default 2).
    void setMaxStepUps(int n) { m_maxStepUps = n; }

    // Does the token's "aud" name one of `expected`? (URLs compared in canonical form.)
    static bool audienceMatches(const json& claims, const QStringList& expected);

private:
    void obtain(const TokenStrategy::Need& need, std::function<void(const TokenPtr&, const Error&)> done);
    Error checkAudience(const TokenPtr& token);
    Error checkLifetime(const TokenPtr& token);
    void recordRefusal(const TokenPtr& token, const Error& refusal);

    TokenStrategy* m_strategy;
    QPointer<IdentityManager> m_identity;
    int m_stepUps = 0;
    int m_maxStepUps = 2;
    qint64 m_lastForcedAtMs = -1;
    bool m_audienceNoticeGiven = false;
    // The cache key this provider is getting a token for (others may be waiting on it). If the
    // provider goes away first (a reconnect), the destructor hands the key back so the waiters
    // start their own acquisition instead of waiting forever.
    std::optional<TokenKey> m_acquiring;
    bool m_dying = false;
};

// Builds the provider for a server with an identity auth type (entra, token-exchange, oauth,
// cross-app-access, bearer from the keychain). nullptr with *error when the block is not usable.
TokenProvider* createTokenProvider(
    const ServerConfig& server, IdentityManager* identity, QObject* parent, Error* error);

} // namespace lanyard::auth
