// SPDX-License-Identifier: MIT
#pragma once

#include "crypto/Jwks.h"
#include "crypto/Key.h"
#include "util/Json.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QDateTime>
#include <QString>
#include <QStringList>

#include <optional>

namespace lanyard {
class Clock;
}

// JSON Web Tokens (RFC 7519) in JWS compact serialization, asymmetric algorithms only.
namespace lanyard::crypto {

// Tokens longer than this are refused unread.
inline constexpr qsizetype kMaxJwtBytes = 256 * 1024;

// A token split into its parts. Nothing here is verified.
struct DecodedJwt
{
    json header; // JSON object
    json payload; // JSON object (the claims)
    QByteArray signingInput; // "<header b64>.<payload b64>"
    QByteArray signature; // decoded signature bytes

    QString algorithm() const { return qs(header, "alg"); }
    QString kid() const { return qs(header, "kid"); }
};

// Strict split: exactly three dot-separated parts, each strict base64url, header and payload
// JSON objects without duplicate member names. On failure *error says what is wrong.
std::optional<DecodedJwt> decodeJwt(QByteArrayView token, QString* error = nullptr);

// Signs `payload` (a JSON object) with `key` (needs the private part). Header members given are
// kept; "alg" defaults to the key's alg or default algorithm, "kid" to the key's kid, "typ" to
// "JWT". Fails if the algorithm does not fit the key.
std::optional<QByteArray> signJwt(const Key& key, json header, const json& payload, QString* error = nullptr);

enum class VerifyFailure {
    None,
    Malformed, // not a well-formed JWT, or a claim has the wrong type
    UnsupportedAlgorithm, // HS*, unknown, or not in the allow-list
    AlgNone, // alg "none"
    UnknownKid, // no key with the token's kid (refetch the key set once, rate-limited)
    BadSignature,
    Expired,
    NotYetValid, // nbf (or iat) in the future beyond the leeway
    WrongIssuer,
    WrongAudience,
    NonceMismatch,
    MissingClaim,
    KeyMismatch, // a key with the kid exists but cannot be used for the alg (kty/crv/alg/use)
};

QString verifyFailureName(VerifyFailure failure);

struct VerifyOptions
{
    // Allow-list. HS* and "none" are refused even if listed; unknown names are ignored.
    QStringList algorithms { QStringLiteral("RS256"), QStringLiteral("ES256") };
    // Accepted issuers; empty = not checked. "{tenantid}" in an entry is replaced with the token's
    // "tid" claim before comparing (Entra multi-tenant metadata).
    QStringList issuers;
    // Accepted audiences; empty = not checked. "aud" may be a string or an array of strings.
    QStringList audiences;
    // Clock skew allowed on exp, nbf and iat.
    int leewaySecs = 300;
    // Check exp/nbf/iat at all (off only for fixed test vectors).
    bool validateLifetime = true;
    // Refuse tokens without "exp".
    bool requireExpiry = true;
    // Claims that must be present (and not null).
    QStringList requiredClaims;
    // Evaluation time: `now` if valid, else `clock`, else the system clock.
    QDateTime now;
    const Clock* clock = nullptr;
    // If not empty, the "nonce" claim must equal it (OpenID Connect id_token).
    QString nonce;
};

struct VerifyResult
{
    bool ok = false;
    VerifyFailure failure = VerifyFailure::Malformed;
    QString message; // plain language: what is wrong and what to do. Never contains the token.
    // Filled whenever the token could be decoded, also on failure (then NOT trustworthy).
    json header;
    json claims;
    QString kid; // kid of the key that verified the signature

    explicit operator bool() const { return ok; }
};

// Verify signature and claims against an issuer's key set. A token with a kid is checked only
// against keys with that kid; a token without one against every key that fits its algorithm.
VerifyResult verifyJwt(QByteArrayView token, const Jwks& keys, const VerifyOptions& options = {});
// Verify against one key. If both the token and the key carry a kid, they must agree.
VerifyResult verifyJwt(QByteArrayView token, const Key& key, const VerifyOptions& options = {});

// Short fingerprint to tell tokens apart in logs and UI (lanyard::Secret::fingerprint).
QString tokenFingerprint(QByteArrayView token);

} // namespace lanyard::crypto
