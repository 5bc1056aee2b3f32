// SPDX-License-Identifier: MIT
#include "crypto/Jwt.h"

#include "crypto/Base64Url.h"
#include "crypto/Jws.h"
#include "util/Clock.h"
#include "util/Secret.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace lanyard::crypto {

namespace {

constexpr int kMaxJsonDepth = 64;

bool fail(QString* error, const QString& why)
{
    if (error)
        *error = why;
    return false;
}

// A JSON object with no duplicate member names at any level (RFC 7515 §5.2 allows rejecting
// them, and two parsers reading different values from one token is an attack surface).
std::optional<json> parseStrictObject(const QByteArray& bytes, const QString& what, QString* error)
{
    std::vector<std::set<std::string>> seen;
    bool duplicate = false;
    bool tooDeep = false;
    json::parser_callback_t callback = [&](int depth, json::parse_event_t event, json& parsed) {
        if (depth > kMaxJsonDepth)
            tooDeep = true;
        switch (event) {
        case json::parse_event_t::object_start:
            seen.emplace_back();
            break;
        case json::parse_event_t::key:
            if (!seen.empty() && parsed.is_string() && !seen.back().insert(parsed.get_ref<const std::string&>()).second)
                duplicate = true;
            break;
        case json::parse_event_t::object_end:
            if (!seen.empty())
                seen.pop_back();
            break;
        default:
            break;
        }
        return true;
    };
    json value = json::parse(bytes.constBegin(), bytes.constEnd(), callback, false);
    if (value.is_discarded()) {
        fail(error, QStringLiteral("the %1 is not valid JSON").arg(what));
        return std::nullopt;
    }
    if (!value.is_object()) {
        fail(error, QStringLiteral("the %1 is not a JSON object").arg(what));
        return std::nullopt;
    }
    if (duplicate) {
        fail(error, QStringLiteral("the %1 names a member twice").arg(what));
        return std::nullopt;
    }
    if (tooDeep) {
        fail(error, QStringLiteral("the %1 is nested too deeply").arg(what));
        return std::nullopt;
    }
    return value;
}

// NumericDate (RFC 7519 §2): seconds, integer or fractional. *wrongType if present but not a number.
std::optional<qint64> numericDate(const json& claims, const char* name, bool* wrongType)
{
    auto it = claims.find(name);
    if (it == claims.end())
        return std::nullopt;
    if (it->is_number_integer() && !it->is_number_unsigned())
        return it->get<qint64>();
    if (it->is_number_unsigned()) {
        const auto v = it->get<std::uint64_t>();
        return v > static_cast<std::uint64_t>(std::numeric_limits<qint64>::max()) ? std::numeric_limits<qint64>::max()
                                                                                  : static_cast<qint64>(v);
    }
    if (it->is_number_float()) {
        const double v = it->get<double>();
        if (std::isfinite(v)) {
            constexpr double kLimit = 9.0e18; // inside qint64, far beyond any real date
            return static_cast<qint64>(std::floor(std::clamp(v, -kLimit, kLimit)));
        }
    }
    *wrongType = true;
    return std::nullopt;
}

QString utcText(qint64 secs)
{
    return QDateTime::fromSecsSinceEpoch(secs, Qt::UTC).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss 'UTC'"));
}

QString duration(qint64 secs)
{
    if (secs < 120)
        return QStringLiteral("%1 seconds").arg(secs);
    if (secs < 2 * 3600)
        return QStringLiteral("%1 minutes").arg(secs / 60);
    if (secs < 2 * 86400)
        return QStringLiteral("%1 hours").arg(secs / 3600);
    return QStringLiteral("%1 days").arg(secs / 86400);
}

bool isPlainTenantId(const QString& tid)
{
    if (tid.isEmpty() || tid.size() > 64)
        return false;
    for (const QChar c : tid) {
        const char16_t u = c.unicode();
        if (!((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '-' || u == '.'))
            return false;
    }
    return true;
}

VerifyResult failed(VerifyResult r, VerifyFailure failure, const QString& message)
{
    r.ok = false;
    r.failure = failure;
    r.message = message;
    return r;
}

VerifyResult verifyCore(
    QByteArrayView token, const std::vector<const Key*>& pool, bool keyWithoutKidMatchesAny, const VerifyOptions& o)
{
    VerifyResult r;
    QString why;
    auto decoded = decodeJwt(token, &why);
    if (!decoded)
        return failed(r, VerifyFailure::Malformed,
            QStringLiteral("The token is not a well-formed JWT: %1. Check that the whole token was passed "
                           "on unchanged, or sign in again.")
                .arg(why));
    r.header = decoded->header;
    r.claims = decoded->payload;
    const json& header = decoded->header;
    const json& claims = decoded->payload;

    // --- Algorithm --------------------------------------------------------------------------
    auto algIt = header.find("alg");
    if (algIt == header.end() || !algIt->is_string())
        return failed(r, VerifyFailure::Malformed,
            QStringLiteral("The token's header does not name a signature algorithm (\"alg\"). Such tokens "
                           "cannot be checked; sign in again."));
    const QString algName = QString::fromStdString(algIt->get<std::string>());
    if (algName.compare(QLatin1String("none"), Qt::CaseInsensitive) == 0)
        return failed(r, VerifyFailure::AlgNone,
            QStringLiteral("The token is unsigned (algorithm \"none\"). Unsigned tokens are never accepted; "
                           "the issuer or something between it and this app is misbehaving."));
    if (algName.startsWith(QLatin1String("HS"), Qt::CaseInsensitive))
        return failed(r, VerifyFailure::UnsupportedAlgorithm,
            QStringLiteral("The token is signed with %1, a shared-secret algorithm. Only public-key "
                           "signatures are accepted (such as RS256 or ES256); a token like this may be forged.")
                .arg(algName));
    const auto alg = jwsAlgorithmFromName(algName);
    if (!alg)
        return failed(r, VerifyFailure::UnsupportedAlgorithm,
            QStringLiteral("The token is signed with \"%1\", an algorithm this app does not support. Check "
                           "the issuer's token signing settings.")
                .arg(algName));
    if (!o.algorithms.contains(algName))
        return failed(r, VerifyFailure::UnsupportedAlgorithm,
            QStringLiteral("The token is signed with %1, which is not among the accepted algorithms (%2). "
                           "Check the issuer's token signing settings.")
                .arg(algName, o.algorithms.join(QStringLiteral(", "))));
    if (header.contains("crit"))
        return failed(r, VerifyFailure::Malformed,
            QStringLiteral("The token requires header extensions (\"crit\") that this app does not "
                           "understand, so it cannot be accepted."));

    // --- Key selection ---------------------------------------------------------------------
    QString kid;
    if (auto kidIt = header.find("kid"); kidIt != header.end()) {
        if (!kidIt->is_string())
            return failed(r, VerifyFailure::Malformed,
                QStringLiteral("The token's key id (\"kid\") is not a string. Sign in again."));
        kid = QString::fromStdString(kidIt->get<std::string>());
    }
    std::vector<const Key*> sameKid;
    for (const Key* key : pool) {
        if (kid.isEmpty() || key->kid() == kid || (keyWithoutKidMatchesAny && key->kid().isEmpty()))
            sameKid.push_back(key);
    }
    if (sameKid.empty()) {
        if (kid.isEmpty())
            return failed(r, VerifyFailure::UnknownKid,
                QStringLiteral("There is no signing key to check the token with: the issuer's key set is "
                               "empty. Fetch the key set again."));
        return failed(r, VerifyFailure::UnknownKid,
            QStringLiteral("The token was signed with key \"%1\", which is not in the issuer's key set. The "
                           "issuer may have rotated its keys: fetch the key set again. If it still fails, "
                           "the token comes from a different issuer.")
                .arg(kid));
    }
    std::vector<const Key*> usable;
    QString mismatch;
    for (const Key* key : sameKid) {
        QString reason;
        if (keyFitsAlgorithm(*key, *alg, &reason))
            usable.push_back(key);
        else if (mismatch.isEmpty())
            mismatch = reason;
    }
    if (usable.empty())
        return failed(r, VerifyFailure::KeyMismatch,
            QStringLiteral("The issuer's key%1 cannot check a %2 signature: %3. The token and the key set "
                           "disagree; do not use this token.")
                .arg(kid.isEmpty() ? QString() : QStringLiteral(" \"%1\"").arg(kid), algName, mismatch));

    // --- Signature -------------------------------------------------------------------------
    const Key* signer = nullptr;
    for (const Key* key : usable) {
        if (verifyBytes(*key, *alg, decoded->signingInput, decoded->signature)) {
            signer = key;
            break;
        }
    }
    if (!signer)
        return failed(r, VerifyFailure::BadSignature,
            QStringLiteral("The token's signature does not match the issuer's key. The token was altered or "
                           "was not issued by the expected issuer; do not use it, and sign in again."));
    r.kid = signer->kid();

    // --- Lifetime --------------------------------------------------------------------------
    if (o.validateLifetime) {
        const qint64 now
            = o.now.isValid() ? o.now.toSecsSinceEpoch() : (o.clock ? o.clock : Clock::system())->nowSecs();
        const qint64 leeway = std::max(0, o.leewaySecs);
        bool wrongType = false;
        const auto exp = numericDate(claims, "exp", &wrongType);
        const auto nbf = numericDate(claims, "nbf", &wrongType);
        const auto iat = numericDate(claims, "iat", &wrongType);
        if (wrongType)
            return failed(r, VerifyFailure::Malformed,
                QStringLiteral("The token's time claims (exp, nbf, iat) are not numbers. The issuer is "
                               "misbehaving; this token cannot be used."));
        if (!exp && o.requireExpiry)
            return failed(r, VerifyFailure::MissingClaim,
                QStringLiteral("The token has no expiry time (\"exp\"), which is required. Tokens that "
                               "never expire are not accepted."));
        // Comparisons are arranged so that no claim value takes part in arithmetic (no overflow).
        if (exp && now - leeway >= *exp)
            return failed(r, VerifyFailure::Expired,
                QStringLiteral("The token expired at %1 (%2 ago). Refresh it or sign in again; if this keeps "
                               "happening, check this computer's clock.")
                    .arg(utcText(*exp), duration(now - *exp)));
        if (nbf && now + leeway < *nbf)
            return failed(r, VerifyFailure::NotYetValid,
                QStringLiteral("The token is not valid before %1. Check this computer's clock and time zone.")
                    .arg(utcText(*nbf)));
        if (iat && now + leeway < *iat)
            return failed(r, VerifyFailure::NotYetValid,
                QStringLiteral("The token says it was issued at %1, which is in the future. Check this "
                               "computer's clock and time zone.")
                    .arg(utcText(*iat)));
    }

    // --- Issuer ----------------------------------------------------------------------------
    if (!o.issuers.isEmpty()) {
        auto issIt = claims.find("iss");
        if (issIt == claims.end())
            return failed(r, VerifyFailure::MissingClaim,
                QStringLiteral("The token does not name its issuer (\"iss\"), so it cannot be trusted."));
        if (!issIt->is_string())
            return failed(r, VerifyFailure::Malformed, QStringLiteral("The token's issuer (\"iss\") is not a string."));
        const QString iss = QString::fromStdString(issIt->get<std::string>());
        const QString tid = qs(claims, "tid");
        bool match = false;
        bool templateWithoutTid = false;
        for (QString expected : o.issuers) {
            if (expected.contains(QLatin1String("{tenantid}"), Qt::CaseInsensitive)) {
                if (!isPlainTenantId(tid)) {
                    templateWithoutTid = true;
                    continue;
                }
                expected.replace(QLatin1String("{tenantid}"), tid, Qt::CaseInsensitive);
            }
            if (expected == iss) {
                match = true;
                break;
            }
        }
        if (!match)
            return failed(r, VerifyFailure::WrongIssuer,
                QStringLiteral("The token was issued by \"%1\", but %2 was expected%3. Check the tenant and "
                               "authority in the settings.")
                    .arg(iss, QStringLiteral("\"%1\"").arg(o.issuers.join(QStringLiteral("\" or \""))),
                        templateWithoutTid ? QStringLiteral(" (the token has no usable tenant id \"tid\")")
                                           : QString()));
    }

    // --- Audience --------------------------------------------------------------------------
    if (!o.audiences.isEmpty()) {
        auto audIt = claims.find("aud");
        if (audIt == claims.end())
            return failed(r, VerifyFailure::MissingClaim,
                QStringLiteral("The token does not say who it is for (\"aud\"), so it cannot be accepted."));
        QStringList audiences;
        if (audIt->is_string()) {
            audiences.append(QString::fromStdString(audIt->get<std::string>()));
        } else if (audIt->is_array()) {
            for (const json& a : *audIt) {
                if (!a.is_string())
                    return failed(r, VerifyFailure::Malformed,
                        QStringLiteral("The token's audience (\"aud\") list holds a non-string."));
                audiences.append(QString::fromStdString(a.get<std::string>()));
            }
        } else {
            return failed(r, VerifyFailure::Malformed,
                QStringLiteral("The token's audience (\"aud\") is neither a string nor a list of strings."));
        }
        bool match = false;
        for (const QString& a : std::as_const(audiences))
            match = match || o.audiences.contains(a);
        if (!match)
            return failed(r, VerifyFailure::WrongAudience,
                QStringLiteral("The token is meant for \"%1\", not for \"%2\". Check the application ID URI "
                               "or scope configured for this server.")
                    .arg(audiences.join(QStringLiteral("\", \"")), o.audiences.join(QStringLiteral("\" or \""))));
    }

    // --- Nonce -----------------------------------------------------------------------------
    if (!o.nonce.isEmpty()) {
        auto nonceIt = claims.find("nonce");
        const bool match = nonceIt != claims.end() && nonceIt->is_string()
            && constantTimeEquals(QByteArray::fromStdString(nonceIt->get<std::string>()), o.nonce.toUtf8());
        if (!match)
            return failed(r, VerifyFailure::NonceMismatch,
                QStringLiteral("The token's nonce does not belong to this sign-in; it may be replayed from "
                               "another one. Start the sign-in again."));
    }

    // --- Required claims -------------------------------------------------------------------
    for (const QString& name : o.requiredClaims) {
        auto it = claims.find(name.toStdString());
        if (it == claims.end() || it->is_null())
            return failed(r, VerifyFailure::MissingClaim,
                QStringLiteral("The token has no \"%1\" claim, which is required here. Check the app "
                               "registration's token configuration.")
                    .arg(name));
    }

    r.ok = true;
    r.failure = VerifyFailure::None;
    r.message = QStringLiteral("The token's signature and claims are valid.");
    return r;
}

} // namespace

std::optional<DecodedJwt> decodeJwt(QByteArrayView token, QString* error)
{
    if (token.isEmpty()) {
        fail(error, QStringLiteral("the token is empty"));
        return std::nullopt;
    }
    if (token.size() > kMaxJwtBytes) {
        fail(error, QStringLiteral("the token is larger than %1 KiB").arg(kMaxJwtBytes / 1024));
        return std::nullopt;
    }
    qsizetype dots[2] = { -1, -1 };
    int count = 0;
    for (qsizetype i = 0; i < token.size(); ++i) {
        if (token[i] == '.') {
            if (count < 2)
                dots[count] = i;
            ++count;
        }
    }
    if (count != 2) {
        fail(error,
            count == 4 ? QStringLiteral("it has five parts, like an encrypted token (JWE), which cannot be read")
                       : QStringLiteral("a JWT has three parts separated by dots, this one has %1").arg(count + 1));
        return std::nullopt;
    }
    const QByteArrayView headerText = token.first(dots[0]);
    const QByteArrayView payloadText = token.sliced(dots[0] + 1, dots[1] - dots[0] - 1);
    const QByteArrayView signatureText = token.sliced(dots[1] + 1);
    const auto headerBytes = base64UrlDecode(headerText);
    const auto payloadBytes = base64UrlDecode(payloadText);
    const auto signature = base64UrlDecode(signatureText);
    if (!headerBytes || headerBytes->isEmpty()) {
        fail(error, QStringLiteral("the header is not valid base64url"));
        return std::nullopt;
    }
    if (!payloadBytes || payloadBytes->isEmpty()) {
        fail(error, QStringLiteral("the payload is not valid base64url"));
        return std::nullopt;
    }
    if (!signature) {
        fail(error, QStringLiteral("the signature is not valid base64url"));
        return std::nullopt;
    }
    auto header = parseStrictObject(*headerBytes, QStringLiteral("header"), error);
    if (!header)
        return std::nullopt;
    auto payload = parseStrictObject(*payloadBytes, QStringLiteral("payload"), error);
    if (!payload)
        return std::nullopt;
    DecodedJwt out;
    out.header = std::move(*header);
    out.payload = std::move(*payload);
    out.signingInput = token.first(dots[1]).toByteArray();
    out.signature = *signature;
    return out;
}

std::optional<QByteArray> signJwt(const Key& key, json header, const json& payload, QString* error)
{
    if (key.isNull()) {
        fail(error, QStringLiteral("there is no signing key"));
        return std::nullopt;
    }
    if (header.is_null())
        header = json::object();
    if (!header.is_object() || !payload.is_object()) {
        fail(error, QStringLiteral("the JWT header and payload must be JSON objects"));
        return std::nullopt;
    }
    QString algName = qs(header, "alg");
    if (algName.isEmpty())
        algName = key.alg().isEmpty() ? key.defaultAlgorithm() : key.alg();
    const auto alg = jwsAlgorithmFromName(algName);
    if (!alg) {
        fail(error, QStringLiteral("the algorithm \"%1\" is not supported for signing").arg(algName));
        return std::nullopt;
    }
    QString reason;
    if (!keyFitsAlgorithm(key, *alg, &reason)) {
        fail(error, QStringLiteral("the key cannot sign %1: %2").arg(algName, reason));
        return std::nullopt;
    }
    header["alg"] = algName.toStdString();
    if (!header.contains("kid") && !key.kid().isEmpty())
        header["kid"] = key.kid().toStdString();
    if (!header.contains("typ"))
        header["typ"] = "JWT";
    const QByteArray signingInput = base64UrlEncode(dumpJson(header)) + '.' + base64UrlEncode(dumpJson(payload));
    auto signature = signBytes(key, *alg, signingInput, error);
    if (!signature)
        return std::nullopt;
    return signingInput + '.' + base64UrlEncode(*signature);
}

QString verifyFailureName(VerifyFailure failure)
{
    switch (failure) {
    case VerifyFailure::None:
        return QStringLiteral("None");
    case VerifyFailure::Malformed:
        return QStringLiteral("Malformed");
    case VerifyFailure::UnsupportedAlgorithm:
        return QStringLiteral("UnsupportedAlgorithm");
    case VerifyFailure::AlgNone:
        return QStringLiteral("AlgNone");
    case VerifyFailure::UnknownKid:
        return QStringLiteral("UnknownKid");
    case VerifyFailure::BadSignature:
        return QStringLiteral("BadSignature");
    case VerifyFailure::Expired:
        return QStringLiteral("Expired");
    case VerifyFailure::NotYetValid:
        return QStringLiteral("NotYetValid");
    case VerifyFailure::WrongIssuer:
        return QStringLiteral("WrongIssuer");
    case VerifyFailure::WrongAudience:
        return QStringLiteral("WrongAudience");
    case VerifyFailure::NonceMismatch:
        return QStringLiteral("NonceMismatch");
    case VerifyFailure::MissingClaim:
        return QStringLiteral("MissingClaim");
    case VerifyFailure::KeyMismatch:
        return QStringLiteral("KeyMismatch");
    }
    return QStringLiteral("Unknown");
}

VerifyResult verifyJwt(QByteArrayView token, const Jwks& keys, const VerifyOptions& options)
{
    std::vector<const Key*> pool;
    for (const Key& key : keys.keys())
        pool.push_back(&key);
    return verifyCore(token, pool, false, options);
}

VerifyResult verifyJwt(QByteArrayView token, const Key& key, const VerifyOptions& options)
{
    std::vector<const Key*> pool;
    if (!key.isNull())
        pool.push_back(&key);
    return verifyCore(token, pool, true, options);
}

QString tokenFingerprint(QByteArrayView token)
{
    return Secret(token.toByteArray()).fingerprint();
}

} // namespace lanyard::crypto
