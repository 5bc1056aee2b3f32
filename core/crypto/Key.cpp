// SPDX-License-Identifier: MIT
#include "crypto/Key.h"

#include "crypto/Base64Url.h"
#include "crypto/OpenSsl.h"

#include <QCryptographicHash>

#include <openssl/core_names.h>
#include <openssl/pem.h>

#include <utility>

namespace lanyard::crypto {

using detail::Owned;
using detail::takeOpenSslError;

namespace {

constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 16384;
constexpr qsizetype kMaxPemBytes = 64 * 1024;

struct CurveInfo
{
    const char* jwkName;
    const char* groupName;
    int coordinateBytes;
    const char* defaultAlg;
};

constexpr CurveInfo kCurves[] = {
    { "P-256", "prime256v1", 32, "ES256" },
    { "P-384", "secp384r1", 48, "ES384" },
};

const CurveInfo* curveByJwkName(const QString& name)
{
    for (const CurveInfo& c : kCurves) {
        if (name == QLatin1String(c.jwkName))
            return &c;
    }
    return nullptr;
}

const CurveInfo* curveOf(const EVP_PKEY* pkey)
{
    if (!pkey || EVP_PKEY_is_a(pkey, "EC") != 1)
        return nullptr;
    char name[64] = {};
    size_t len = 0;
    if (EVP_PKEY_get_group_name(pkey, name, sizeof name, &len) != 1) {
        ERR_clear_error();
        return nullptr;
    }
    const QByteArray group(name, static_cast<qsizetype>(len));
    for (const CurveInfo& c : kCurves) {
        // OpenSSL may report either the SEC or the NIST name.
        if (group == c.groupName || group == c.jwkName)
            return &c;
    }
    return nullptr;
}

bool isSupported(const EVP_PKEY* pkey)
{
    if (!pkey)
        return false;
    if (EVP_PKEY_is_a(pkey, "RSA") == 1)
        return true;
    return curveOf(pkey) != nullptr;
}

Owned<BIGNUM> bnParam(const EVP_PKEY* pkey, const char* name)
{
    BIGNUM* bn = nullptr;
    if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) {
        ERR_clear_error();
        return nullptr;
    }
    return Owned<BIGNUM>(bn);
}

QByteArray bnBytes(const BIGNUM* bn, int padTo = 0)
{
    const int size = padTo > 0 ? padTo : BN_num_bytes(bn);
    QByteArray out(size, '\0');
    if (padTo > 0) {
        if (BN_bn2binpad(bn, detail::bytes(out.data()), size) != size)
            return {};
    } else {
        BN_bn2bin(bn, detail::bytes(out.data()));
    }
    return out;
}

QByteArray readBio(BIO* bio)
{
    char* data = nullptr;
    const long len = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &data);
    if (len <= 0 || !data)
        return {};
    return QByteArray(data, static_cast<qsizetype>(len));
}

bool fail(QString* error, const QString& why)
{
    if (error)
        *error = why;
    return false;
}

// Optional string member: absent is fine, present must be a string.
bool optionalString(const json& jwk, const char* name, QString* out, QString* error)
{
    auto it = jwk.find(name);
    if (it == jwk.end())
        return true;
    if (!it->is_string())
        return fail(error, QStringLiteral("the JWK member \"%1\" is not a string").arg(QLatin1String(name)));
    *out = QString::fromStdString(it->get<std::string>());
    return true;
}

std::optional<QByteArray> requiredBase64(const json& jwk, const char* name, QString* error)
{
    auto it = jwk.find(name);
    if (it == jwk.end() || !it->is_string()) {
        fail(error, QStringLiteral("the JWK has no \"%1\" string").arg(QLatin1String(name)));
        return std::nullopt;
    }
    const std::string& text = it->get_ref<const std::string&>();
    auto decoded = base64UrlDecode(QByteArrayView(text.data(), static_cast<qsizetype>(text.size())));
    if (!decoded || decoded->isEmpty()) {
        fail(error, QStringLiteral("the JWK member \"%1\" is not valid base64url").arg(QLatin1String(name)));
        return std::nullopt;
    }
    return decoded;
}

// publicCheck: OpenSSL's own public-key validation. Not for RSA: there it includes a Miller-Rabin
// test with random witnesses (SP 800-56B), so an odd modulus with findable factors was accepted by
// one call and refused by the next (found by fuzz_jwks); rsaFromJwk checks deterministically instead.
Owned<EVP_PKEY> pkeyFromParams(const char* type, OSSL_PARAM_BLD* bld, QString* error, bool publicCheck = true)
{
    Owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld));
    Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY* raw = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1
        || EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
        fail(error, QStringLiteral("OpenSSL rejected the key (%1)").arg(takeOpenSslError()));
        return nullptr;
    }
    Owned<EVP_PKEY> pkey(raw);
    if (!publicCheck)
        return pkey;
    Owned<EVP_PKEY_CTX> check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
    if (!check || EVP_PKEY_public_check(check.get()) != 1) {
        fail(error, QStringLiteral("the public key is not valid (%1)").arg(takeOpenSslError()));
        return nullptr;
    }
    return pkey;
}

Owned<EVP_PKEY> rsaFromJwk(const json& jwk, QString* error)
{
    auto n = requiredBase64(jwk, "n", error);
    if (!n)
        return nullptr;
    auto e = requiredBase64(jwk, "e", error);
    if (!e)
        return nullptr;
    if (e->size() > 32) {
        fail(error, QStringLiteral("the RSA public exponent is implausibly large"));
        return nullptr;
    }
    Owned<BIGNUM> bnN(BN_bin2bn(detail::bytes(n->constData()), static_cast<int>(n->size()), nullptr));
    Owned<BIGNUM> bnE(BN_bin2bn(detail::bytes(e->constData()), static_cast<int>(e->size()), nullptr));
    if (!bnN || !bnE) {
        fail(error, QStringLiteral("out of memory"));
        return nullptr;
    }
    const int bits = BN_num_bits(bnN.get());
    if (bits < kMinRsaBits) {
        fail(
            error, QStringLiteral("the RSA key has only %1 bits; at least %2 are required").arg(bits).arg(kMinRsaBits));
        return nullptr;
    }
    if (bits > kMaxRsaBits) {
        fail(error, QStringLiteral("the RSA key has %1 bits, more than the supported %2").arg(bits).arg(kMaxRsaBits));
        return nullptr;
    }
    // The deterministic part of SP 800-56B's public-key checks: an odd modulus, an odd exponent with
    // 3 <= e < n, and no prime factor below 1000.
    if (!BN_is_odd(bnN.get())) {
        fail(error, QStringLiteral("the public key is not valid (the RSA modulus is even)"));
        return nullptr;
    }
    if (!BN_is_odd(bnE.get()) || BN_num_bits(bnE.get()) < 2 || BN_cmp(bnE.get(), bnN.get()) >= 0) {
        fail(error, QStringLiteral("the public key is not valid (the RSA exponent must be odd, at least 3 and below "
                                   "the modulus)"));
        return nullptr;
    }
    for (BN_ULONG p = 3; p < 1000; p += 2) {
        bool prime = true;
        for (BN_ULONG d = 3; d * d <= p && prime; d += 2)
            prime = p % d != 0;
        if (prime && BN_mod_word(bnN.get(), p) == 0) {
            fail(error, QStringLiteral("the public key is not valid (the RSA modulus has the small factor %1)").arg(p));
            return nullptr;
        }
    }
    Owned<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
    if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bnN.get()) != 1
        || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bnE.get()) != 1) {
        fail(error, QStringLiteral("could not build the RSA key (%1)").arg(takeOpenSslError()));
        return nullptr;
    }
    return pkeyFromParams("RSA", bld.get(), error, false);
}

Owned<EVP_PKEY> ecFromJwk(const json& jwk, QString* error)
{
    QString crv;
    if (!optionalString(jwk, "crv", &crv, error))
        return nullptr;
    const CurveInfo* curve = curveByJwkName(crv);
    if (!curve) {
        fail(error,
            crv.isEmpty() ? QStringLiteral("the EC JWK has no \"crv\"")
                          : QStringLiteral("the EC curve \"%1\" is not supported (only P-256 and P-384)").arg(crv));
        return nullptr;
    }
    auto x = requiredBase64(jwk, "x", error);
    if (!x)
        return nullptr;
    auto y = requiredBase64(jwk, "y", error);
    if (!y)
        return nullptr;
    if (x->size() != curve->coordinateBytes || y->size() != curve->coordinateBytes) {
        fail(error,
            QStringLiteral("the %1 coordinates must be exactly %2 bytes each").arg(crv).arg(curve->coordinateBytes));
        return nullptr;
    }
    const QByteArray point = QByteArray(1, '\x04') + *x + *y; // uncompressed SEC1 point
    Owned<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
    if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve->groupName, 0) != 1
        || OSSL_PARAM_BLD_push_octet_string(
               bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.constData(), static_cast<size_t>(point.size()))
            != 1) {
        fail(error, QStringLiteral("could not build the EC key (%1)").arg(takeOpenSslError()));
        return nullptr;
    }
    return pkeyFromParams("EC", bld.get(), error);
}

int noPassphrase(char*, int, int, void*)
{
    return -1; // never prompt on a terminal for an encrypted PEM
}

} // namespace

Key::Key(const Key& other)
    : m_pkey(other.m_pkey)
    , m_kid(other.m_kid)
    , m_alg(other.m_alg)
    , m_use(other.m_use)
    , m_keyOps(other.m_keyOps)
{
    if (m_pkey)
        EVP_PKEY_up_ref(m_pkey);
}

Key::Key(Key&& other) noexcept
    : m_pkey(std::exchange(other.m_pkey, nullptr))
    , m_kid(std::move(other.m_kid))
    , m_alg(std::move(other.m_alg))
    , m_use(std::move(other.m_use))
    , m_keyOps(std::move(other.m_keyOps))
{
}

Key& Key::operator=(const Key& other)
{
    if (this != &other) {
        Key copy(other);
        *this = std::move(copy);
    }
    return *this;
}

Key& Key::operator=(Key&& other) noexcept
{
    if (this != &other) {
        EVP_PKEY_free(m_pkey);
        m_pkey = std::exchange(other.m_pkey, nullptr);
        m_kid = std::move(other.m_kid);
        m_alg = std::move(other.m_alg);
        m_use = std::move(other.m_use);
        m_keyOps = std::move(other.m_keyOps);
    }
    return *this;
}

Key::~Key()
{
    EVP_PKEY_free(m_pkey);
}

Key Key::adopt(EVP_PKEY* pkey)
{
    if (!isSupported(pkey)) {
        EVP_PKEY_free(pkey);
        return Key();
    }
    return Key(pkey);
}

namespace {
Key withDefaults(Key key)
{
    if (!key.isNull()) {
        key.setKid(key.thumbprint());
        key.setAlg(key.defaultAlgorithm());
        key.setUse(QStringLiteral("sig"));
    }
    return key;
}
} // namespace

Key Key::generateRsa(int bits)
{
    if (bits < kMinRsaBits || bits > kMaxRsaBits)
        return Key();
    EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits));
    if (!pkey)
        ERR_clear_error();
    return withDefaults(adopt(pkey));
}

Key Key::generateEc(const QString& curve)
{
    const CurveInfo* info = curveByJwkName(curve);
    if (!info)
        return Key();
    EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", info->groupName);
    if (!pkey)
        ERR_clear_error();
    return withDefaults(adopt(pkey));
}

std::optional<Key> Key::fromJwk(const json& jwk, QString* error)
{
    if (!jwk.is_object()) {
        fail(error, QStringLiteral("the JWK is not a JSON object"));
        return std::nullopt;
    }
    QString kty;
    if (!optionalString(jwk, "kty", &kty, error))
        return std::nullopt;
    Key key;
    if (!optionalString(jwk, "kid", &key.m_kid, error) || !optionalString(jwk, "alg", &key.m_alg, error)
        || !optionalString(jwk, "use", &key.m_use, error))
        return std::nullopt;
    if (auto ops = jwk.find("key_ops"); ops != jwk.end()) {
        if (!ops->is_array()) {
            fail(error, QStringLiteral("the JWK member \"key_ops\" is not an array"));
            return std::nullopt;
        }
        for (const json& op : *ops) {
            if (!op.is_string()) {
                fail(error, QStringLiteral("the JWK member \"key_ops\" holds a non-string"));
                return std::nullopt;
            }
            key.m_keyOps.append(QString::fromStdString(op.get<std::string>()));
        }
    }

    Owned<EVP_PKEY> pkey;
    if (kty == QLatin1String("RSA")) {
        pkey = rsaFromJwk(jwk, error);
    } else if (kty == QLatin1String("EC")) {
        pkey = ecFromJwk(jwk, error);
    } else {
        fail(error,
            kty.isEmpty() ? QStringLiteral("the JWK has no \"kty\"")
                          : QStringLiteral("the key type \"%1\" is not supported (only RSA and EC)").arg(kty));
        return std::nullopt;
    }
    if (!pkey)
        return std::nullopt;
    key.m_pkey = pkey.release();
    return key;
}

std::optional<Key> Key::fromPem(QByteArrayView pem, QString* error)
{
    if (pem.isEmpty() || pem.size() > kMaxPemBytes) {
        fail(error, QStringLiteral("the PEM text is empty or too large"));
        return std::nullopt;
    }
    const int len = static_cast<int>(pem.size());
    EVP_PKEY* raw = nullptr;
    {
        Owned<BIO> bio(BIO_new_mem_buf(pem.data(), len));
        if (bio)
            raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, noPassphrase, nullptr);
    }
    if (!raw) {
        ERR_clear_error();
        Owned<BIO> bio(BIO_new_mem_buf(pem.data(), len));
        if (bio)
            raw = PEM_read_bio_PUBKEY(bio.get(), nullptr, noPassphrase, nullptr);
    }
    if (!raw) {
        ERR_clear_error();
        fail(error, QStringLiteral("no unencrypted PEM private key or public key was found"));
        return std::nullopt;
    }
    Key key = adopt(raw);
    if (key.isNull()) {
        fail(error, QStringLiteral("the PEM key is not an RSA or P-256/P-384 EC key"));
        return std::nullopt;
    }
    if (key.type() == Type::Rsa && key.bits() < kMinRsaBits) {
        fail(error,
            QStringLiteral("the RSA key has only %1 bits; at least %2 are required").arg(key.bits()).arg(kMinRsaBits));
        return std::nullopt;
    }
    return withDefaults(std::move(key));
}

Key::Type Key::type() const
{
    if (!m_pkey)
        return Type::None;
    if (EVP_PKEY_is_a(m_pkey, "RSA") == 1)
        return Type::Rsa;
    if (EVP_PKEY_is_a(m_pkey, "EC") == 1)
        return Type::Ec;
    return Type::None;
}

QString Key::kty() const
{
    switch (type()) {
    case Type::Rsa:
        return QStringLiteral("RSA");
    case Type::Ec:
        return QStringLiteral("EC");
    case Type::None:
        break;
    }
    return {};
}

int Key::bits() const
{
    return m_pkey ? EVP_PKEY_get_bits(m_pkey) : 0;
}

QString Key::curve() const
{
    const CurveInfo* c = curveOf(m_pkey);
    return c ? QString::fromLatin1(c->jwkName) : QString();
}

bool Key::hasPrivateKey() const
{
    switch (type()) {
    case Type::Rsa:
        return bnParam(m_pkey, OSSL_PKEY_PARAM_RSA_D) != nullptr;
    case Type::Ec:
        return bnParam(m_pkey, OSSL_PKEY_PARAM_PRIV_KEY) != nullptr;
    case Type::None:
        break;
    }
    return false;
}

QString Key::defaultAlgorithm() const
{
    switch (type()) {
    case Type::Rsa:
        return QStringLiteral("RS256");
    case Type::Ec:
        if (const CurveInfo* c = curveOf(m_pkey))
            return QString::fromLatin1(c->defaultAlg);
        break;
    case Type::None:
        break;
    }
    return {};
}

namespace {
// The required public members of the JWK, as base64url text; empty map on failure.
bool publicMembers(const EVP_PKEY* pkey, Key::Type type, json* out)
{
    if (type == Key::Type::Rsa) {
        auto n = bnParam(pkey, OSSL_PKEY_PARAM_RSA_N);
        auto e = bnParam(pkey, OSSL_PKEY_PARAM_RSA_E);
        if (!n || !e)
            return false;
        (*out)["kty"] = "RSA";
        (*out)["n"] = base64UrlEncode(bnBytes(n.get())).toStdString();
        (*out)["e"] = base64UrlEncode(bnBytes(e.get())).toStdString();
        return true;
    }
    if (type == Key::Type::Ec) {
        const CurveInfo* curve = curveOf(pkey);
        auto x = bnParam(pkey, OSSL_PKEY_PARAM_EC_PUB_X);
        auto y = bnParam(pkey, OSSL_PKEY_PARAM_EC_PUB_Y);
        if (!curve || !x || !y)
            return false;
        const QByteArray xb = bnBytes(x.get(), curve->coordinateBytes);
        const QByteArray yb = bnBytes(y.get(), curve->coordinateBytes);
        if (xb.isEmpty() || yb.isEmpty())
            return false;
        (*out)["kty"] = "EC";
        (*out)["crv"] = curve->jwkName;
        (*out)["x"] = base64UrlEncode(xb).toStdString();
        (*out)["y"] = base64UrlEncode(yb).toStdString();
        return true;
    }
    return false;
}
} // namespace

json Key::publicJwk() const
{
    json jwk = json::object();
    if (!publicMembers(m_pkey, type(), &jwk))
        return json();
    if (!m_kid.isEmpty())
        jwk["kid"] = m_kid.toStdString();
    if (!m_alg.isEmpty())
        jwk["alg"] = m_alg.toStdString();
    jwk["use"] = m_use.isEmpty() ? std::string("sig") : m_use.toStdString();
    if (!m_keyOps.isEmpty()) {
        json ops = json::array();
        for (const QString& op : m_keyOps)
            ops.push_back(op.toStdString());
        jwk["key_ops"] = ops;
    }
    return jwk;
}

QString Key::thumbprint() const
{
    json members = json::object();
    if (!publicMembers(m_pkey, type(), &members))
        return {};
    // RFC 7638 §3: required members only, sorted by name, no whitespace. nlohmann::json keeps
    // object keys sorted and the values are plain base64url/ASCII, so dump() is canonical.
    const QByteArray canonical = dumpJson(members);
    return QString::fromLatin1(base64UrlEncode(QCryptographicHash::hash(canonical, QCryptographicHash::Sha256)));
}

QByteArray Key::publicKeyPem() const
{
    if (!m_pkey)
        return {};
    Owned<BIO> bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), m_pkey) != 1) {
        ERR_clear_error();
        return {};
    }
    return readBio(bio.get());
}

Secret Key::privateKeyPem() const
{
    if (!m_pkey || !hasPrivateKey())
        return {};
    Owned<BIO> bio(BIO_new(BIO_s_mem())); // BUF_MEM is cleared when freed
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), m_pkey, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        ERR_clear_error();
        return {};
    }
    return Secret(readBio(bio.get()));
}

Key Key::publicOnly() const
{
    if (!m_pkey)
        return Key();
    OSSL_PARAM* params = nullptr;
    if (EVP_PKEY_todata(m_pkey, EVP_PKEY_PUBLIC_KEY, &params) != 1) {
        ERR_clear_error();
        return Key();
    }
    Owned<OSSL_PARAM> owned(params);
    Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type() == Type::Rsa ? "RSA" : "EC", nullptr));
    EVP_PKEY* raw = nullptr;
    if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1
        || EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, owned.get()) != 1) {
        ERR_clear_error();
        return Key();
    }
    Key key = adopt(raw);
    key.m_kid = m_kid;
    key.m_alg = m_alg;
    key.m_use = m_use;
    key.m_keyOps = m_keyOps;
    return key;
}

bool Key::samePublicKey(const Key& other) const
{
    if (!m_pkey || !other.m_pkey)
        return false;
    const bool same = EVP_PKEY_eq(m_pkey, other.m_pkey) == 1;
    ERR_clear_error();
    return same;
}

} // namespace lanyard::crypto
