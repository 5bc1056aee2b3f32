// SPDX-License-Identifier: MIT
#pragma once

#include "crypto/Key.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QStringView>

#include <optional>

// JWS signature algorithms (RFC 7518 §3) over OpenSSL 3. Asymmetric only: there is no HS*.
namespace lanyard::crypto {

enum class JwsAlgorithm { RS256, RS384, RS512, PS256, ES256, ES384 };

// "RS256" -> RS256 etc. Unknown names (including "none" and HS*) give nullopt.
std::optional<JwsAlgorithm> jwsAlgorithmFromName(QStringView name);
QString jwsAlgorithmName(JwsAlgorithm alg);

// Can `key` be used to verify/sign with `alg`? The key type must match the algorithm (RSA of at
// least 2048 bits for RS*/PS*, EC P-256 for ES256, EC P-384 for ES384); a JWK "alg" must equal the
// algorithm; a JWK "use" must be "sig"; a JWK "key_ops" must contain "verify" or "sign".
// On false, *reason says why in plain words.
bool keyFitsAlgorithm(const Key& key, JwsAlgorithm alg, QString* reason = nullptr);

// Sign `data` as JWS algorithm `alg` requires (ES*: raw r||s, not DER). Needs a private key.
std::optional<QByteArray> signBytes(const Key& key, JwsAlgorithm alg, QByteArrayView data, QString* error = nullptr);

// Verify a JWS signature (ES*: raw r||s of exactly twice the coordinate size). Checks the key
// type against the algorithm (not the JWK metadata: see keyFitsAlgorithm). Only an OpenSSL
// verification result of exactly 1 counts as success.
bool verifyBytes(const Key& key, JwsAlgorithm alg, QByteArrayView data, QByteArrayView signature);

// ECDSA signature encodings: DER (what OpenSSL produces) <-> raw r||s (what JWS carries).
std::optional<QByteArray> ecdsaDerToRaw(QByteArrayView der, int coordinateBytes);
std::optional<QByteArray> ecdsaRawToDer(QByteArrayView raw);

} // namespace lanyard::crypto
