// SPDX-License-Identifier: MIT
#pragma once

#include "crypto/Jws.h"
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

namespace lanyard::crypto {

// A JSON Web Key Set (RFC 7517 §5): the public keys an issuer signs with.
class Jwks
{
public:
    Jwks() = default;

    // Reads {"keys":[...]}. Keys that cannot be used (unknown kty, unsupported curve, short RSA,
    // malformed members) are skipped; skippedKeys() says which and why. Only a document that is
    // not an object with a "keys" array fails (nullopt, *error says why).
    static std::optional<Jwks> fromJson(const json& document, QString* error = nullptr);
    static std::optional<Jwks> fromBytes(const QByteArray& bytes, QString* error = nullptr);

    void addKey(Key key) { m_keys.push_back(std::move(key)); }
    const std::vector<Key>& keys() const { return m_keys; }
    bool isEmpty() const { return m_keys.empty(); }
    int size() const { return static_cast<int>(m_keys.size()); }
    QStringList skippedKeys() const { return m_skipped; }

    // First key with this kid, or nullptr.
    const Key* findByKid(const QString& kid) const;
    // Keys matching all given criteria; an empty kid / kty / use or no alg matches any.
    // `alg` selects keys that fit the algorithm (see keyFitsAlgorithm).
    std::vector<const Key*> find(const QString& kid, std::optional<JwsAlgorithm> alg = std::nullopt,
        const QString& kty = {}, const QString& use = {}) const;

    // {"keys":[public JWKs]}: never contains private key material.
    json toJson() const;

private:
    std::vector<Key> m_keys;
    QStringList m_skipped;
};

// Holds the current key set of one issuer and rate-limits refetching it. No networking: the
// owner fetches. On UnknownKid the owner asks tryBeginRefetch(); if it says yes, it fetches once
// and calls setKeys() (or lets the attempt stand on failure), then verifies again.
class JwksCache
{
public:
    // `clock` may be null (system clock). It must outlive the cache.
    explicit JwksCache(qint64 minRefetchIntervalSecs = 300, const Clock* clock = nullptr);

    const Jwks& keys() const { return m_keys; }
    bool hasKeys() const { return m_fetched; }
    // Stores a freshly fetched key set and counts as a fetch attempt.
    void setKeys(Jwks keys);

    // True if never fetched, or the minimum interval since the last attempt has passed.
    bool mayRefetch() const;
    // mayRefetch() and, if so, records the attempt now (so concurrent callers fetch once).
    bool tryBeginRefetch();
    qint64 secondsUntilRefetchAllowed() const;
    // Seconds since the keys were last stored (-1 if never).
    qint64 ageSecs() const;

private:
    qint64 now() const;

    Jwks m_keys;
    bool m_fetched = false;
    qint64 m_minInterval;
    const Clock* m_clock;
    std::optional<qint64> m_lastAttempt;
    std::optional<qint64> m_lastStored;
};

} // namespace lanyard::crypto
