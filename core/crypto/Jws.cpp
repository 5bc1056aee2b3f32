// SPDX-License-Identifier: MIT
#include "crypto/Jws.h"

#include "crypto/OpenSsl.h"

#include <openssl/rsa.h>

namespace lanyard::crypto {

using detail::Owned;

namespace {

enum class Family { Pkcs1, Pss, Ecdsa };

struct AlgorithmInfo
{
    JwsAlgorithm alg;
    const char* name;
    Family family;
    const char* digest;
    const char* curve; // JWK crv for ECDSA
    int coordinateBytes; // ECDSA
};

constexpr AlgorithmInfo kAlgorithms[] = {
    { JwsAlgorithm::RS256, "RS256", Family::Pkcs1, "SHA256", nullptr, 0 },
    { JwsAlgorithm::RS384, "RS384", Family::Pkcs1, "SHA384", nullptr, 0 },
    { JwsAlgorithm::RS512, "RS512", Family::Pkcs1, "SHA512", nullptr, 0 },
    { JwsAlgorithm::PS256, "PS256", Family::Pss, "SHA256", nullptr, 0 },
    { JwsAlgorithm::ES256, "ES256", Family::Ecdsa, "SHA256", "P-256", 32 },
    { JwsAlgorithm::ES384, "ES384", Family::Ecdsa, "SHA384", "P-384", 48 },
};

const AlgorithmInfo& info(JwsAlgorithm alg)
{
    for (const AlgorithmInfo& a : kAlgorithms) {
        if (a.alg == alg)
            return a;
    }
    return kAlgorithms[0]; // unreachable: every enumerator is in the table
}

bool fail(QString* out, const QString& why)
{
    if (out)
        *out = why;
    return false;
}

// Key type and size/curve against the algorithm; metadata is checked in keyFitsAlgorithm.
bool keyTypeFits(const Key& key, const AlgorithmInfo& a, QString* reason)
{
    if (key.isNull())
        return fail(reason, QStringLiteral("there is no key"));
    if (a.family == Family::Ecdsa) {
        if (key.type() != Key::Type::Ec)
            return fail(reason,
                QStringLiteral("%1 needs an EC key, but this is a %2 key").arg(QLatin1String(a.name), key.kty()));
        if (key.curve() != QLatin1String(a.curve))
            return fail(reason,
                QStringLiteral("%1 needs curve %2, but the key is on %3")
                    .arg(QLatin1String(a.name), QLatin1String(a.curve), key.curve()));
        return true;
    }
    if (key.type() != Key::Type::Rsa)
        return fail(
            reason, QStringLiteral("%1 needs an RSA key, but this is a %2 key").arg(QLatin1String(a.name), key.kty()));
    if (key.bits() < 2048)
        return fail(reason, QStringLiteral("the RSA key has only %1 bits").arg(key.bits()));
    return true;
}

bool configurePadding(EVP_PKEY_CTX* pctx, const AlgorithmInfo& a)
{
    if (a.family == Family::Pkcs1)
        return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
    if (a.family == Family::Pss) {
        // RFC 7518 §3.5: salt as long as the hash, MGF1 with the same hash.
        return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1
            && EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
    }
    return true;
}

} // namespace

std::optional<JwsAlgorithm> jwsAlgorithmFromName(QStringView name)
{
    for (const AlgorithmInfo& a : kAlgorithms) {
        if (name == QLatin1String(a.name))
            return a.alg;
    }
    return std::nullopt;
}

QString jwsAlgorithmName(JwsAlgorithm alg)
{
    return QString::fromLatin1(info(alg).name);
}

bool keyFitsAlgorithm(const Key& key, JwsAlgorithm alg, QString* reason)
{
    const AlgorithmInfo& a = info(alg);
    if (!keyTypeFits(key, a, reason))
        return false;
    if (!key.alg().isEmpty() && key.alg() != QLatin1String(a.name))
        return fail(
            reason, QStringLiteral("the key is registered for %1, not %2").arg(key.alg(), QLatin1String(a.name)));
    if (!key.use().isEmpty() && key.use() != QLatin1String("sig"))
        return fail(reason, QStringLiteral("the key is meant for \"%1\", not for signatures").arg(key.use()));
    if (!key.keyOps().isEmpty() && !key.keyOps().contains(QLatin1String("verify"))
        && !key.keyOps().contains(QLatin1String("sign")))
        return fail(reason, QStringLiteral("the key's key_ops allow neither signing nor verifying"));
    return true;
}

std::optional<QByteArray> signBytes(const Key& key, JwsAlgorithm alg, QByteArrayView data, QString* error)
{
    const AlgorithmInfo& a = info(alg);
    if (!keyTypeFits(key, a, error))
        return std::nullopt;
    if (!key.hasPrivateKey()) {
        fail(error, QStringLiteral("the key has no private part, so it cannot sign"));
        return std::nullopt;
    }
    Owned<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr; // owned by ctx
    size_t len = 0;
    if (!ctx || EVP_DigestSignInit_ex(ctx.get(), &pctx, a.digest, nullptr, nullptr, key.native(), nullptr) != 1
        || !configurePadding(pctx, a)
        || EVP_DigestSign(ctx.get(), nullptr, &len, detail::bytes(data.data()), static_cast<size_t>(data.size()))
            != 1) {
        fail(error, QStringLiteral("signing failed (%1)").arg(detail::takeOpenSslError()));
        return std::nullopt;
    }
    QByteArray sig(static_cast<qsizetype>(len), '\0');
    if (EVP_DigestSign(
            ctx.get(), detail::bytes(sig.data()), &len, detail::bytes(data.data()), static_cast<size_t>(data.size()))
        != 1) {
        fail(error, QStringLiteral("signing failed (%1)").arg(detail::takeOpenSslError()));
        return std::nullopt;
    }
    sig.resize(static_cast<qsizetype>(len));
    if (a.family == Family::Ecdsa) {
        auto raw = ecdsaDerToRaw(sig, a.coordinateBytes);
        if (!raw)
            fail(error, QStringLiteral("OpenSSL produced an unexpected ECDSA signature"));
        return raw;
    }
    return sig;
}

bool verifyBytes(const Key& key, JwsAlgorithm alg, QByteArrayView data, QByteArrayView signature)
{
    const AlgorithmInfo& a = info(alg);
    if (!keyTypeFits(key, a, nullptr))
        return false;
    QByteArray sig;
    if (a.family == Family::Ecdsa) {
        if (signature.size() != 2 * a.coordinateBytes)
            return false;
        auto der = ecdsaRawToDer(signature);
        if (!der)
            return false;
        sig = *der;
    } else {
        sig = signature.toByteArray();
    }
    Owned<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr; // owned by ctx
    if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), &pctx, a.digest, nullptr, nullptr, key.native(), nullptr) != 1
        || !configurePadding(pctx, a)) {
        ERR_clear_error();
        return false;
    }
    const int rc = EVP_DigestVerify(ctx.get(), detail::bytes(sig.constData()), static_cast<size_t>(sig.size()),
        detail::bytes(data.data()), static_cast<size_t>(data.size()));
    ERR_clear_error();
    return rc == 1; // 0 = mismatch, negative = error: both are failures
}

std::optional<QByteArray> ecdsaDerToRaw(QByteArrayView der, int coordinateBytes)
{
    if (coordinateBytes <= 0 || der.isEmpty())
        return std::nullopt;
    const unsigned char* p = detail::bytes(der.data());
    Owned<ECDSA_SIG> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
    if (!sig || p != detail::bytes(der.data()) + der.size()) { // trailing bytes are not allowed
        ERR_clear_error();
        return std::nullopt;
    }
    const BIGNUM* r = ECDSA_SIG_get0_r(sig.get());
    const BIGNUM* s = ECDSA_SIG_get0_s(sig.get());
    QByteArray raw(2 * coordinateBytes, '\0');
    if (BN_bn2binpad(r, detail::bytes(raw.data()), coordinateBytes) != coordinateBytes
        || BN_bn2binpad(s, detail::bytes(raw.data()) + coordinateBytes, coordinateBytes) != coordinateBytes) {
        ERR_clear_error();
        return std::nullopt;
    }
    return raw;
}

std::optional<QByteArray> ecdsaRawToDer(QByteArrayView raw)
{
    if (raw.isEmpty() || raw.size() % 2 != 0)
        return std::nullopt;
    const int half = static_cast<int>(raw.size() / 2);
    Owned<ECDSA_SIG> sig(ECDSA_SIG_new());
    BIGNUM* r = BN_bin2bn(detail::bytes(raw.data()), half, nullptr);
    BIGNUM* s = BN_bin2bn(detail::bytes(raw.data()) + half, half, nullptr);
    if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) { // set0 takes r and s on success
        BN_free(r);
        BN_free(s);
        ERR_clear_error();
        return std::nullopt;
    }
    const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
    if (len <= 0)
        return std::nullopt;
    QByteArray der(len, '\0');
    unsigned char* out = detail::bytes(der.data());
    if (i2d_ECDSA_SIG(sig.get(), &out) != len)
        return std::nullopt;
    return der;
}

} // namespace lanyard::crypto
