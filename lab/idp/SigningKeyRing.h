// SPDX-License-Identifier: MIT
#pragma once

#include "crypto/Jwks.h"
#include "crypto/Key.h"
#include "util/Json.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace lanyard {
class Clock;
}

namespace lanyard::lab {

// The signing keys of one lab issuer, rotated like Entra does it: the key set always publishes
// the active key and a standby key (so relying parties that cached the set already know the
// next key). rotate() makes the standby key active, keeps the old active key published as
// "retired" (tokens it signed stay verifiable) for the retention time, and adds a new standby.
class SigningKeyRing
{
public:
    enum class KeyType { Rsa, Ec };

    // `clock` may be null (system clock) and must outlive the ring.
    explicit SigningKeyRing(KeyType type = KeyType::Rsa, const Clock* clock = nullptr);

    KeyType keyType() const { return m_type; }
    QString algorithm() const; // RS256 or ES256
    const crypto::Key& activeKey() const { return m_active; }
    QString activeKid() const { return m_active.kid(); }
    QString standbyKid() const { return m_standby.kid(); }
    // Kids in the published set (active, standby, then retired ones still in retention).
    QStringList publishedKids() const;

    void rotate();
    // Retired keys are dropped from the published set this long after they were retired.
    void setRetentionSecs(qint64 secs) { m_retentionSecs = secs; }
    qint64 retentionSecs() const { return m_retentionSecs; }
    // Drops every retired key now: tokens signed with them stop verifying.
    void dropRetiredKeys();

    // The published public keys, as a key set and as JSON (each JWK gets the members in
    // `extraMembers` and, if `withAlg` is false, no "alg", like Entra's key documents).
    crypto::Jwks publicKeys() const;
    json jwksJson(const json& extraMembers = json::object(), bool withAlg = true) const;

    // Signs `claims` with the active key; header {"typ": typ, "alg", "kid"} plus `extraHeader`.
    std::optional<QByteArray> sign(const json& claims, const QString& typ = QStringLiteral("JWT"),
        const json& extraHeader = json::object(), QString* error = nullptr) const;

private:
    struct Retired
    {
        crypto::Key key;
        qint64 retiredAt = 0;
    };
    crypto::Key generate() const;
    qint64 now() const;
    std::vector<const crypto::Key*> published() const;

    KeyType m_type;
    const Clock* m_clock;
    crypto::Key m_active;
    crypto::Key m_standby;
    std::vector<Retired> m_retired;
    qint64 m_retentionSecs = 24 * 3600;
};

} // namespace lanyard::lab
