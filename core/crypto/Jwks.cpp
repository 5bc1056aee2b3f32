// SPDX-License-Identifier: MIT
#include "crypto/Jwks.h"

#include "util/Clock.h"

#include <algorithm>

namespace lanyard::crypto {

std::optional<Jwks> Jwks::fromJson(const json& document, QString* error)
{
    if (!document.is_object()) {
        if (error)
            *error = QStringLiteral("the key set is not a JSON object");
        return std::nullopt;
    }
    auto keys = document.find("keys");
    if (keys == document.end() || !keys->is_array()) {
        if (error)
            *error = QStringLiteral("the key set has no \"keys\" array");
        return std::nullopt;
    }
    Jwks jwks;
    int index = 0;
    for (const json& entry : *keys) {
        QString why;
        if (auto key = Key::fromJwk(entry, &why)) {
            jwks.m_keys.push_back(std::move(*key));
        } else {
            const QString kid = qs(entry, "kid");
            jwks.m_skipped.append(kid.isEmpty() ? QStringLiteral("key %1: %2").arg(index).arg(why)
                                                : QStringLiteral("key %1 (kid \"%2\"): %3").arg(index).arg(kid, why));
        }
        ++index;
    }
    return jwks;
}

std::optional<Jwks> Jwks::fromBytes(const QByteArray& bytes, QString* error)
{
    QString why;
    auto doc = parseJson(bytes, &why);
    if (!doc) {
        if (error)
            *error = QStringLiteral("the key set is not valid JSON (%1)").arg(why);
        return std::nullopt;
    }
    return fromJson(*doc, error);
}

const Key* Jwks::findByKid(const QString& kid) const
{
    for (const Key& key : m_keys) {
        if (key.kid() == kid)
            return &key;
    }
    return nullptr;
}

std::vector<const Key*> Jwks::find(
    const QString& kid, std::optional<JwsAlgorithm> alg, const QString& kty, const QString& use) const
{
    std::vector<const Key*> out;
    for (const Key& key : m_keys) {
        if (!kid.isEmpty() && key.kid() != kid)
            continue;
        if (!kty.isEmpty() && key.kty() != kty)
            continue;
        if (!use.isEmpty() && !key.use().isEmpty() && key.use() != use)
            continue;
        if (alg && !keyFitsAlgorithm(key, *alg))
            continue;
        out.push_back(&key);
    }
    return out;
}

json Jwks::toJson() const
{
    json keys = json::array();
    for (const Key& key : m_keys)
        keys.push_back(key.publicJwk());
    return json { { "keys", keys } };
}

JwksCache::JwksCache(qint64 minRefetchIntervalSecs, const Clock* clock)
    : m_minInterval(minRefetchIntervalSecs)
    , m_clock(clock ? clock : Clock::system())
{
}

qint64 JwksCache::now() const
{
    return m_clock->nowSecs();
}

void JwksCache::setKeys(Jwks keys)
{
    m_keys = std::move(keys);
    m_fetched = true;
    m_lastStored = now();
    m_lastAttempt = m_lastStored;
}

qint64 JwksCache::secondsUntilRefetchAllowed() const
{
    if (!m_lastAttempt)
        return 0;
    const qint64 wait = *m_lastAttempt + m_minInterval - now();
    // A clock that jumped backwards must not block refetching for longer than one interval.
    return std::clamp<qint64>(wait, 0, m_minInterval);
}

bool JwksCache::mayRefetch() const
{
    return secondsUntilRefetchAllowed() == 0;
}

bool JwksCache::tryBeginRefetch()
{
    if (!mayRefetch())
        return false;
    m_lastAttempt = now();
    return true;
}

qint64 JwksCache::ageSecs() const
{
    return m_lastStored ? now() - *m_lastStored : -1;
}

} // namespace lanyard::crypto
