// SPDX-License-Identifier: MIT
#include "auth/TokenCache.h"

#include "crypto/Jwt.h"
#include "util/Clock.h"

#include <algorithm>

namespace lanyard::auth {

qint64 IssuedToken::secondsLeft(const Clock* clock) const
{
    const Clock* c = clock ? clock : Clock::system();
    if (!expiresAt.isValid()) {
        const QDateTime assumed = (issuedAt.isValid() ? issuedAt : c->now()).addSecs(3600);
        return c->now().secsTo(assumed);
    }
    return c->now().secsTo(expiresAt);
}

json IssuedToken::mainClaims() const
{
    json out = json::object();
    if (!claims.is_object())
        return out;
    static const char* keys[] = {"iss", "aud", "sub", "oid", "tid", "scp", "scope", "roles", "azp", "appid", "client_id",
                                 "act", "may_act", "exp", "iat", "nbf", "ver", "idtyp", "name", "preferred_username",
                                 "upn", "email", "azpacr", "xms_cc", "acrs", "amr"};
    for (const char* k : keys) {
        if (auto it = claims.find(k); it != claims.end())
            out[k] = *it;
    }
    return out;
}

json IssuedToken::toJson(bool reveal) const
{
    json j{{"fingerprint", ss(fingerprint())},
           {"tokenType", ss(tokenType)},
           {"strategy", ss(strategy)},
           {"obtainedBy", ss(obtainedBy)},
           {"format", isJwt() ? "jwt" : "opaque"}};
    if (issuedAt.isValid())
        j["issuedAt"] = ss(issuedAt.toString(Qt::ISODate));
    if (expiresAt.isValid())
        j["expiresAt"] = ss(expiresAt.toString(Qt::ISODate));
    if (!scopes.isEmpty()) {
        json s = json::array();
        for (const QString& x : scopes)
            s.push_back(ss(x));
        j["scopes"] = s;
    }
    if (!issuer.isEmpty())
        j["issuer"] = ss(issuer);
    if (!audience.isEmpty())
        j["audience"] = ss(audience);
    if (isJwt()) {
        j["header"] = header;
        j["claims"] = claims;
    }
    if (reveal)
        j["token"] = ss(token.revealString());
    return j;
}

std::shared_ptr<IssuedToken> makeIssuedToken(const Secret& token, qint64 expiresIn, const Clock* clock)
{
    const Clock* c = clock ? clock : Clock::system();
    auto t = std::make_shared<IssuedToken>();
    t->token = token;
    t->issuedAt = c->now();
    if (auto decoded = crypto::decodeJwt(token.reveal())) {
        t->header = decoded->header;
        t->claims = decoded->payload;
        if (auto it = t->claims.find("exp"); it != t->claims.end() && it->is_number())
            t->expiresAt = QDateTime::fromSecsSinceEpoch(it->get<qint64>(), Qt::UTC);
    }
    // The token endpoint's expires_in wins when it says the token ends earlier.
    if (expiresIn > 0) {
        const QDateTime fromAnswer = t->issuedAt.addSecs(expiresIn);
        if (!t->expiresAt.isValid() || fromAnswer < t->expiresAt)
            t->expiresAt = fromAnswer;
    }
    return t;
}

QString TokenKey::toString() const
{
    QStringList s = scopes;
    std::sort(s.begin(), s.end());
    s.erase(std::unique(s.begin(), s.end()), s.end());
    return QStringList{issuer, clientId, subject, audience, s.join(QLatin1Char(' '))}.join(QLatin1Char('\x1f'));
}

TokenCache::TokenCache(const Clock* clock) : m_clock(clock ? clock : Clock::system()) {}

TokenPtr TokenCache::find(const TokenKey& key) const
{
    return m_tokens.value(key.toString());
}

bool TokenCache::isFresh(const TokenPtr& token) const
{
    return token && token->secondsLeft(m_clock) > m_leadSecs;
}

TokenPtr TokenCache::findFresh(const TokenKey& key) const
{
    TokenPtr t = find(key);
    return isFresh(t) ? t : nullptr;
}

void TokenCache::put(const TokenKey& key, TokenPtr token)
{
    if (token)
        m_tokens.insert(key.toString(), std::move(token));
}

void TokenCache::remove(const TokenKey& key)
{
    m_tokens.remove(key.toString());
}

void TokenCache::clear()
{
    m_tokens.clear();
}

QList<TokenPtr> TokenCache::all() const
{
    return m_tokens.values();
}

bool TokenCache::join(const TokenKey& key, Waiter waiter)
{
    const QString k = key.toString();
    auto it = m_inFlight.find(k);
    if (it != m_inFlight.end()) {
        it->push_back(std::move(waiter));
        return false;
    }
    m_inFlight[k].push_back(std::move(waiter));
    return true;
}

bool TokenCache::isFetching(const TokenKey& key) const
{
    return m_inFlight.contains(key.toString());
}

void TokenCache::complete(const TokenKey& key, const TokenPtr& token, const Error& error)
{
    const QString k = key.toString();
    if (token && !error.isError())
        put(key, token);
    std::vector<Waiter> waiters = m_inFlight.take(k);
    for (auto& w : waiters)
        w(token, error);
}

} // namespace lanyard::auth
