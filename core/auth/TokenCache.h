// SPDX-License-Identifier: MIT
#pragma once

#include "util/Error.h"
#include "util/Json.h"
#include "util/Secret.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <vector>

namespace lanyard {
class Clock;
}

namespace lanyard::auth {

struct IssuedToken;
using TokenPtr = std::shared_ptr<const IssuedToken>;

// A token Lanyard holds, with what it knows about it. `claims` is the decoded payload when the
// token is a JWT (decoded, not verified: the server verifies its own tokens); empty for opaque
// tokens (Microsoft Graph tokens must be treated as opaque).
struct IssuedToken
{
    Secret token;
    QString tokenType = QStringLiteral("Bearer");
    QDateTime issuedAt;
    QDateTime expiresAt;          // invalid = unknown (treated as valid for one hour)
    QStringList scopes;           // granted (or requested when the server did not say)
    QString issuer;               // who issued it (token endpoint's issuer)
    QString audience;             // what it is for (resource / audience / scope resource)
    QString strategy;             // entra, token-exchange, oauth, cross-app-access, bearer
    QString obtainedBy;           // sign-in, refresh, token-exchange, on-behalf-of, client-credentials, id-jag, ...
    json header = json::object();
    json claims = json::object();
    TokenPtr subjectToken;        // the token this one was exchanged for (the chain)

    QString fingerprint() const { return token.fingerprint(); }
    bool isJwt() const { return !claims.empty(); }
    // Seconds until expiry (may be negative); a large number if unknown.
    qint64 secondsLeft(const Clock* clock) const;
    // The main claims for display and the lifecycle log: iss, aud, sub, oid, tid, scp/scope,
    // roles, azp/appid/client_id, act (delegation), exp, iat, nbf, ver, idtyp, name, preferred_username.
    json mainClaims() const;
    // JSON for `lanyard-cli token` and the GUI: everything above; the token itself only when
    // `reveal` is true.
    json toJson(bool reveal = false) const;
};

// Decodes a JWT-shaped token (without verifying) into a new IssuedToken.
std::shared_ptr<IssuedToken> makeIssuedToken(const Secret& token, qint64 expiresIn, const Clock* clock);

// The key of one cached token: issuer, client, subject (the signed-in account), audience or
// resource, and scopes (order-independent).
struct TokenKey
{
    QString issuer;
    QString clientId;
    QString subject;
    QString audience;
    QStringList scopes;

    QString toString() const;
};

// Tokens by key, with refresh-ahead freshness and single-flight: concurrent needs for the same
// key make one network call; every waiter gets its result.
class TokenCache
{
public:
    explicit TokenCache(const Clock* clock = nullptr);

    using Waiter = std::function<void(const TokenPtr& token, const Error& error)>;

    // The refresh lead: a token that expires within this many seconds is not fresh (default 60).
    void setRefreshLeadSecs(qint64 secs) { m_leadSecs = secs; }
    qint64 refreshLeadSecs() const { return m_leadSecs; }

    TokenPtr find(const TokenKey& key) const;
    // The token if present and fresh (more than the lead left), else null.
    TokenPtr findFresh(const TokenKey& key) const;
    bool isFresh(const TokenPtr& token) const;
    void put(const TokenKey& key, TokenPtr token);
    void remove(const TokenKey& key);
    // Drops every token whose key contains this subject / audience (empty = all).
    void clear();
    int size() const { return static_cast<int>(m_tokens.size()); }
    QList<TokenPtr> all() const;

    // Single flight. Returns true when the caller must fetch (it is the first); false when a fetch
    // for this key is already running (then `waiter` is called when it completes).
    bool join(const TokenKey& key, Waiter waiter);
    // Ends the fetch: stores the token (if any) and calls every waiter once, in order.
    void complete(const TokenKey& key, const TokenPtr& token, const Error& error);
    bool isFetching(const TokenKey& key) const;

private:
    const Clock* m_clock;
    qint64 m_leadSecs = 60;
    QHash<QString, TokenPtr> m_tokens;
    QHash<QString, std::vector<Waiter>> m_inFlight;
};

} // namespace lanyard::auth
