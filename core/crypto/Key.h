// SPDX-License-Identifier: MIT
#pragma once

#include "util/Json.h"
#include "util/Secret.h"

#include <QByteArrayView>
#include <QString>
#include <QStringList>

#include <openssl/types.h>

#include <optional>

namespace lanyard::crypto {

// An asymmetric key (RSA, or EC on P-256 / P-384) plus the JWK metadata that travels with it
// (kid, alg, use, key_ops). Wraps an EVP_PKEY; copies share the same immutable OpenSSL key.
// A default-constructed Key is null. Key material never appears in logs or error texts.
class Key
{
public:
    enum class Type { None, Rsa, Ec };

    Key() = default;
    Key(const Key& other);
    Key(Key&& other) noexcept;
    Key& operator=(const Key& other);
    Key& operator=(Key&& other) noexcept;
    ~Key();

    // Takes ownership of `pkey` (RSA or EC only; anything else gives a null Key and is freed).
    static Key adopt(EVP_PKEY* pkey);

    // Fresh key pairs. The kid is set to the RFC 7638 thumbprint, alg to the default algorithm
    // (RS256 / ES256 / ES384) and use to "sig". A null Key if OpenSSL fails.
    static Key generateRsa(int bits = 2048);
    static Key generateEc(const QString& curve = QStringLiteral("P-256"));

    // A public key from a JWK object (RFC 7517/7518): kty "RSA" with n/e (at least 2048 bits), or
    // kty "EC" with crv P-256/P-384 and full-length x/y of a point on the curve. Private members
    // ("d", ...) are ignored. kid/alg/use/key_ops are kept. On failure *error says why.
    static std::optional<Key> fromJwk(const json& jwk, QString* error = nullptr);

    // A private key (PKCS#8 or traditional PEM, unencrypted) or a public key (SubjectPublicKeyInfo).
    static std::optional<Key> fromPem(QByteArrayView pem, QString* error = nullptr);

    bool isNull() const { return m_pkey == nullptr; }
    Type type() const;
    QString kty() const; // "RSA", "EC" or empty
    int bits() const; // modulus / field size
    QString curve() const; // "P-256", "P-384" for EC keys, else empty
    bool hasPrivateKey() const;
    QString defaultAlgorithm() const; // RS256, ES256, ES384 or empty

    // Public JWK: kty, n/e or crv/x/y, plus kid/alg/key_ops when set, and use (default "sig").
    json publicJwk() const;
    // RFC 7638 JWK thumbprint (SHA-256, base64url) of the public key; usable as a kid.
    QString thumbprint() const;
    // SubjectPublicKeyInfo PEM.
    QByteArray publicKeyPem() const;
    // PKCS#8 PEM of the private key (empty if there is none). A Secret: wipe it, never log it.
    Secret privateKeyPem() const;
    // A key holding only the public half (same metadata).
    Key publicOnly() const;
    bool samePublicKey(const Key& other) const;

    QString kid() const { return m_kid; }
    void setKid(const QString& kid) { m_kid = kid; }
    QString alg() const { return m_alg; }
    void setAlg(const QString& alg) { m_alg = alg; }
    QString use() const { return m_use; }
    void setUse(const QString& use) { m_use = use; }
    QStringList keyOps() const { return m_keyOps; }
    void setKeyOps(const QStringList& ops) { m_keyOps = ops; }

    // The OpenSSL key (still owned by this Key), for code that needs to call OpenSSL directly.
    EVP_PKEY* native() const { return m_pkey; }

private:
    explicit Key(EVP_PKEY* pkey)
        : m_pkey(pkey)
    {
    }

    EVP_PKEY* m_pkey = nullptr;
    QString m_kid;
    QString m_alg;
    QString m_use;
    QStringList m_keyOps;
};

} // namespace lanyard::crypto
