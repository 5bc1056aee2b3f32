// SPDX-License-Identifier: MIT
#include "idp/SigningKeyRing.h"

#include "crypto/Jwt.h"
#include "util/Clock.h"

namespace lanyard::lab {

SigningKeyRing::SigningKeyRing(KeyType type, const Clock* clock)
    : m_type(type)
    , m_clock(clock)
{
    m_active = generate();
    m_standby = generate();
}

QString SigningKeyRing::algorithm() const
{
    return m_type == KeyType::Rsa ? QStringLiteral("RS256") : QStringLiteral("ES256");
}

crypto::Key SigningKeyRing::generate() const
{
    crypto::Key key = m_type == KeyType::Rsa ? crypto::Key::generateRsa(2048) : crypto::Key::generateEc();
    key.setAlg(algorithm());
    key.setUse(QStringLiteral("sig"));
    return key;
}

qint64 SigningKeyRing::now() const
{
    return (m_clock ? m_clock : Clock::system())->nowSecs();
}

std::vector<const crypto::Key*> SigningKeyRing::published() const
{
    std::vector<const crypto::Key*> out { &m_active, &m_standby };
    const qint64 t = now();
    for (const Retired& r : m_retired) {
        if (t - r.retiredAt < m_retentionSecs)
            out.push_back(&r.key);
    }
    return out;
}

QStringList SigningKeyRing::publishedKids() const
{
    QStringList kids;
    for (const crypto::Key* k : published())
        kids.append(k->kid());
    return kids;
}

void SigningKeyRing::rotate()
{
    m_retired.insert(m_retired.begin(), Retired { m_active, now() });
    m_active = m_standby;
    m_standby = generate();
    const qint64 t = now();
    std::erase_if(m_retired, [&](const Retired& r) { return t - r.retiredAt >= m_retentionSecs; });
}

void SigningKeyRing::dropRetiredKeys()
{
    m_retired.clear();
}

crypto::Jwks SigningKeyRing::publicKeys() const
{
    crypto::Jwks set;
    for (const crypto::Key* k : published())
        set.addKey(k->publicOnly());
    return set;
}

json SigningKeyRing::jwksJson(const json& extraMembers, bool withAlg) const
{
    json keys = json::array();
    for (const crypto::Key* k : published()) {
        json jwk = k->publicJwk();
        if (!withAlg)
            jwk.erase("alg");
        jwk.erase("key_ops");
        for (auto it = extraMembers.begin(); it != extraMembers.end(); ++it)
            jwk[it.key()] = it.value();
        keys.push_back(jwk);
    }
    return json { { "keys", keys } };
}

std::optional<QByteArray> SigningKeyRing::sign(
    const json& claims, const QString& typ, const json& extraHeader, QString* error) const
{
    json header = json::object();
    header["typ"] = ss(typ);
    header["alg"] = ss(algorithm());
    header["kid"] = ss(m_active.kid());
    for (auto it = extraHeader.begin(); it != extraHeader.end(); ++it)
        header[it.key()] = it.value();
    return crypto::signJwt(m_active, header, claims, error);
}

} // namespace lanyard::lab
