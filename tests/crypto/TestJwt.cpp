// SPDX-License-Identifier: MIT
#include "crypto/Base64Url.h"
#include "crypto/Jwks.h"
#include "crypto/Jwt.h"
#include "util/Clock.h"

#include "LogCapture.h"

#include <QMessageAuthenticationCode>
#include <QtTest>

using namespace lanyard;
using namespace lanyard::crypto;

Q_DECLARE_METATYPE(lanyard::crypto::VerifyFailure)

namespace {

constexpr qint64 kT0 = 1'700'000'000; // the tests' "now"
const char* const kIssuer = "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0";
const char* const kAudience = "api://lanyard-demo";

// RFC 7515 §A.2 (RS256) and §A.3 (ES256): keys and complete JWS from the RFC itself.
const char* const kA2N = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-"
                         "4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNM"
                         "sD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-"
                         "UTo7WTBEMa2R2CapHg665xsm"
                         "tdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_"
                         "h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
const char* const kA2Token
    = "eyJhbGciOiJSUzI1NiJ9"
      ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
      ".cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_"
      "O8W2Fp5jujGbds9uJdbF9CUAr7t1dn"
      "ZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--"
      "xi12jzDwusC"
      "-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_"
      "IoypGlUPQGe77Rw";
const char* const kA3X = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
const char* const kA3Y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
const char* const kA3Token
    = "eyJhbGciOiJFUzI1NiJ9"
      ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
      ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

QByteArray b64(const QByteArray& bytes)
{
    return base64UrlEncode(bytes);
}
QByteArray b64(const json& j)
{
    return base64UrlEncode(QByteArray::fromStdString(j.dump()));
}

json claims(const json& extra = json::object())
{
    json c = { { "iss", kIssuer }, { "aud", kAudience }, { "sub", "user-1" }, { "iat", kT0 - 60 }, { "nbf", kT0 - 60 },
        { "exp", kT0 + 3600 }, { "tid", "11111111-2222-3333-4444-555555555555" } };
    for (auto it = extra.begin(); it != extra.end(); ++it) {
        if (it.value().is_null())
            c.erase(it.key());
        else
            c[it.key()] = it.value();
    }
    return c;
}

VerifyOptions options()
{
    VerifyOptions o;
    o.now = QDateTime::fromSecsSinceEpoch(kT0, Qt::UTC);
    o.issuers = { QString::fromLatin1(kIssuer) };
    o.audiences = { QString::fromLatin1(kAudience) };
    return o;
}

QByteArray signedToken(const Key& key, const json& payload, const json& header = json::object())
{
    QString error;
    const auto token = signJwt(key, header, payload, &error);
    if (!token)
        qFatal("signJwt failed: %s", qPrintable(error));
    return *token;
}

// Splits a compact token into its three dot-separated texts.
QList<QByteArray> parts(const QByteArray& token)
{
    return token.split('.');
}

} // namespace

class TestJwt : public QObject
{
    Q_OBJECT
private:
    Key m_rsa;
    Key m_ec;
    Key m_ec384;
    Jwks m_jwks; // public halves only, as fetched from an issuer

private slots:
    void initTestCase()
    {
        m_rsa = Key::generateRsa();
        m_ec = Key::generateEc();
        m_ec384 = Key::generateEc(QStringLiteral("P-384"));
        QVERIFY(!m_rsa.isNull() && !m_ec.isNull() && !m_ec384.isNull());
        const json doc = { { "keys", { m_rsa.publicJwk(), m_ec.publicJwk(), m_ec384.publicJwk() } } };
        m_jwks = *Jwks::fromJson(doc);
        QCOMPARE(m_jwks.size(), 3);
    }

    void signsAndVerifies_data()
    {
        QTest::addColumn<QString>("which");
        QTest::addColumn<QString>("alg");
        QTest::newRow("RS256") << QStringLiteral("rsa") << QStringLiteral("RS256");
        QTest::newRow("ES256") << QStringLiteral("ec") << QStringLiteral("ES256");
        QTest::newRow("ES384") << QStringLiteral("ec384") << QStringLiteral("ES384");
    }
    void signsAndVerifies()
    {
        QFETCH(QString, which);
        QFETCH(QString, alg);
        const Key& key = which == QLatin1String("rsa") ? m_rsa : which == QLatin1String("ec") ? m_ec : m_ec384;
        const QByteArray token = signedToken(key, claims());
        const auto decoded = decodeJwt(token);
        QVERIFY(decoded.has_value());
        QCOMPARE(decoded->algorithm(), alg);
        QCOMPARE(decoded->kid(), key.kid());
        QCOMPARE(qs(decoded->header, "typ"), QStringLiteral("JWT"));
        if (alg == QLatin1String("ES256"))
            QCOMPARE(decoded->signature.size(), 64); // raw r||s, not DER
        if (alg == QLatin1String("ES384"))
            QCOMPARE(decoded->signature.size(), 96);

        VerifyOptions o = options();
        o.algorithms.append(QStringLiteral("ES384"));
        const VerifyResult r = verifyJwt(token, m_jwks, o);
        QVERIFY2(r.ok, qPrintable(r.message));
        QCOMPARE(r.failure, VerifyFailure::None);
        QCOMPARE(r.kid, key.kid());
        QCOMPARE(qs(r.claims, "sub"), QStringLiteral("user-1"));
        QCOMPARE(qs(r.header, "alg"), alg);
        // Single-key overload.
        QVERIFY(verifyJwt(token, key.publicOnly(), o).ok);
        // ES384 is not in the default allow-list.
        if (alg == QLatin1String("ES384"))
            QCOMPARE(verifyJwt(token, m_jwks, options()).failure, VerifyFailure::UnsupportedAlgorithm);
    }

    void rsaVariants_data()
    {
        QTest::addColumn<QString>("alg");
        QTest::newRow("RS384") << QStringLiteral("RS384");
        QTest::newRow("RS512") << QStringLiteral("RS512");
        QTest::newRow("PS256") << QStringLiteral("PS256");
    }
    void rsaVariants()
    {
        QFETCH(QString, alg);
        Key key = Key::generateRsa();
        key.setAlg(QString());
        const QByteArray token = signedToken(key, claims(), { { "alg", alg.toStdString() } });
        VerifyOptions o = options();
        QCOMPARE(verifyJwt(token, key, o).failure, VerifyFailure::UnsupportedAlgorithm);
        o.algorithms = { alg };
        const VerifyResult r = verifyJwt(token, key, o);
        QVERIFY2(r.ok, qPrintable(r.message));
        // Relabelled as RS256 the same signature does not verify.
        QList<QByteArray> p = parts(token);
        p[0] = b64(json { { "alg", "RS256" }, { "kid", key.kid().toStdString() } });
        o.algorithms = { QStringLiteral("RS256") };
        QCOMPARE(verifyJwt(p.join('.'), key, o).failure, VerifyFailure::BadSignature);
    }

    void rfc7515A2Rs256Vector()
    {
        const json jwk = { { "kty", "RSA" }, { "n", kA2N }, { "e", "AQAB" } };
        const auto key = Key::fromJwk(jwk);
        QVERIFY(key.has_value());
        Jwks jwks;
        jwks.addKey(*key);
        VerifyOptions o;
        o.validateLifetime = false; // exp is 1300819380 (2011)
        const VerifyResult r = verifyJwt(QByteArray(kA2Token), jwks, o);
        QVERIFY2(r.ok, qPrintable(r.message));
        QCOMPARE(qs(r.claims, "iss"), QStringLiteral("joe"));
        QCOMPARE(r.claims["exp"].get<qint64>(), qint64(1300819380));
        QVERIFY(r.claims["http://example.com/is_root"].get<bool>());
        // With lifetime checks on, the 2011 token is expired.
        QCOMPARE(verifyJwt(QByteArray(kA2Token), jwks).failure, VerifyFailure::Expired);
        // And it does not verify under another RSA key.
        o.algorithms = { QStringLiteral("RS256") };
        QCOMPARE(verifyJwt(QByteArray(kA2Token), m_rsa.publicOnly(), o).failure, VerifyFailure::BadSignature);
    }

    void rfc7515A3Es256Vector()
    {
        const auto key = Key::fromJwk(json { { "kty", "EC" }, { "crv", "P-256" }, { "x", kA3X }, { "y", kA3Y } });
        QVERIFY(key.has_value());
        VerifyOptions o;
        o.validateLifetime = false;
        const VerifyResult r = verifyJwt(QByteArray(kA3Token), *key, o);
        QVERIFY2(r.ok, qPrintable(r.message));
        QCOMPARE(qs(r.claims, "iss"), QStringLiteral("joe"));
        QCOMPARE(verifyJwt(QByteArray(kA3Token), m_ec.publicOnly(), o).failure, VerifyFailure::BadSignature);
    }

    void tamperedPayload()
    {
        const QByteArray token = signedToken(m_rsa, claims());
        QList<QByteArray> p = parts(token);
        p[1] = b64(claims({ { "sub", "admin" } }));
        const VerifyResult r = verifyJwt(p.join('.'), m_jwks, options());
        QCOMPARE(r.failure, VerifyFailure::BadSignature);
        QVERIFY(!r.ok);
        QVERIFY(!r.message.isEmpty());
        // The (untrusted) claims are still shown.
        QCOMPARE(qs(r.claims, "sub"), QStringLiteral("admin"));
    }

    void tamperedSignature_data()
    {
        QTest::addColumn<QString>("which");
        QTest::newRow("RS256") << QStringLiteral("rsa");
        QTest::newRow("ES256") << QStringLiteral("ec");
    }
    void tamperedSignature()
    {
        QFETCH(QString, which);
        const Key& key = which == QLatin1String("rsa") ? m_rsa : m_ec;
        const QByteArray token = signedToken(key, claims());
        QList<QByteArray> p = parts(token);
        QByteArray sig = *base64UrlDecode(p[2]);
        sig[sig.size() / 2] = static_cast<char>(sig[sig.size() / 2] ^ 0x01);
        p[2] = b64(sig);
        QCOMPARE(verifyJwt(p.join('.'), m_jwks, options()).failure, VerifyFailure::BadSignature);
        // Truncated and empty signatures.
        p[2] = b64(sig.left(sig.size() - 1));
        QCOMPARE(verifyJwt(p.join('.'), m_jwks, options()).failure, VerifyFailure::BadSignature);
        p[2] = QByteArray();
        QCOMPARE(verifyJwt(p.join('.'), m_jwks, options()).failure, VerifyFailure::BadSignature);
    }

    void algNone_data()
    {
        QTest::addColumn<QString>("alg");
        QTest::newRow("none") << QStringLiteral("none");
        QTest::newRow("None") << QStringLiteral("None");
        QTest::newRow("NONE") << QStringLiteral("NONE");
    }
    void algNone()
    {
        QFETCH(QString, alg);
        const QByteArray token
            = b64(json { { "alg", alg.toStdString() }, { "typ", "JWT" } }) + '.' + b64(claims()) + '.';
        VerifyOptions o = options();
        o.algorithms.append(alg); // even when someone lists it
        const VerifyResult r = verifyJwt(token, m_jwks, o);
        QCOMPARE(r.failure, VerifyFailure::AlgNone);
        QVERIFY(!r.ok);
        // With a made-up signature too.
        QCOMPARE(verifyJwt(token + "c2ln", m_jwks, o).failure, VerifyFailure::AlgNone);
    }

    void hs256KeyConfusionRejected()
    {
        // Classic attack: sign with HMAC using the server's *public* RSA key as the secret.
        const QByteArray header
            = b64(json { { "alg", "HS256" }, { "typ", "JWT" }, { "kid", m_rsa.kid().toStdString() } });
        const QByteArray input = header + '.' + b64(claims());
        const QByteArray mac
            = QMessageAuthenticationCode::hash(input, m_rsa.publicKeyPem(), QCryptographicHash::Sha256);
        const QByteArray token = input + '.' + b64(mac);
        VerifyOptions o = options();
        QCOMPARE(verifyJwt(token, m_jwks, o).failure, VerifyFailure::UnsupportedAlgorithm);
        QCOMPARE(verifyJwt(token, m_rsa, o).failure, VerifyFailure::UnsupportedAlgorithm);
        o.algorithms.append(QStringLiteral("HS256")); // listing HS256 does not make it acceptable
        const VerifyResult r = verifyJwt(token, m_jwks, o);
        QCOMPARE(r.failure, VerifyFailure::UnsupportedAlgorithm);
        QVERIFY(r.message.contains(QLatin1String("HS256")));
    }

    void unsupportedAlgorithms_data()
    {
        QTest::addColumn<QByteArray>("alg");
        QTest::newRow("HS512") << QByteArray("HS512");
        QTest::newRow("ES512") << QByteArray("ES512");
        QTest::newRow("EdDSA") << QByteArray("EdDSA");
        QTest::newRow("lower-case rs256") << QByteArray("rs256");
        QTest::newRow("RS384 not allowed") << QByteArray("RS384");
    }
    void unsupportedAlgorithms()
    {
        QFETCH(QByteArray, alg);
        QList<QByteArray> p = parts(signedToken(m_rsa, claims()));
        p[0] = b64(json { { "alg", alg.toStdString() }, { "kid", m_rsa.kid().toStdString() } });
        QCOMPARE(verifyJwt(p.join('.'), m_jwks, options()).failure, VerifyFailure::UnsupportedAlgorithm);
    }

    void unknownKid()
    {
        const Key stranger = Key::generateRsa();
        const QByteArray token = signedToken(stranger, claims());
        const VerifyResult r = verifyJwt(token, m_jwks, options());
        QCOMPARE(r.failure, VerifyFailure::UnknownKid);
        QVERIFY(r.message.contains(stranger.kid()));
        // Against an empty key set.
        QCOMPARE(verifyJwt(token, Jwks(), options()).failure, VerifyFailure::UnknownKid);
        QCOMPARE(verifyJwt(signedToken(stranger, claims(), { { "kid", nullptr } }), Jwks(), options()).failure,
            VerifyFailure::Malformed); // kid must be a string when present
        // Single key whose kid differs from the token's.
        QCOMPARE(verifyJwt(token, m_rsa, options()).failure, VerifyFailure::UnknownKid);
        // Once the key set holds the key (after a refetch), it verifies.
        Jwks refreshed = m_jwks;
        refreshed.addKey(stranger.publicOnly());
        QVERIFY(verifyJwt(token, refreshed, options()).ok);
    }

    void tokenWithoutKidTriesFittingKeys()
    {
        Key noKid = m_ec;
        noKid.setKid(QString());
        const QByteArray token = signedToken(noKid, claims());
        QVERIFY(!decodeJwt(token)->header.contains("kid"));
        const VerifyResult r = verifyJwt(token, m_jwks, options());
        QVERIFY2(r.ok, qPrintable(r.message));
        QCOMPARE(r.kid, m_ec.kid());
    }

    void ktyAlgMismatch()
    {
        // Claims RS256 and names the EC key: the key cannot check an RSA signature.
        const QByteArray token = signedToken(m_rsa, claims(), { { "kid", m_ec.kid().toStdString() } });
        const VerifyResult r = verifyJwt(token, m_jwks, options());
        QCOMPARE(r.failure, VerifyFailure::KeyMismatch);
        QVERIFY(r.message.contains(QLatin1String("RSA")));
        // ES256 naming the RSA key.
        const QByteArray es = signedToken(m_ec, claims(), { { "kid", m_rsa.kid().toStdString() } });
        QCOMPARE(verifyJwt(es, m_jwks, options()).failure, VerifyFailure::KeyMismatch);
        // The JWK says alg RS384 but the token is RS256.
        json jwk = m_rsa.publicJwk();
        jwk["alg"] = "RS384";
        Jwks jwks;
        jwks.addKey(*Key::fromJwk(jwk));
        QCOMPARE(verifyJwt(signedToken(m_rsa, claims()), jwks, options()).failure, VerifyFailure::KeyMismatch);
    }

    void encryptionKeyRejected()
    {
        json jwk = m_rsa.publicJwk();
        jwk["use"] = "enc";
        Jwks jwks;
        jwks.addKey(*Key::fromJwk(jwk));
        const VerifyResult r = verifyJwt(signedToken(m_rsa, claims()), jwks, options());
        QCOMPARE(r.failure, VerifyFailure::KeyMismatch);
        QVERIFY(r.message.contains(QLatin1String("enc")));
    }

    void lifetime_data()
    {
        QTest::addColumn<qint64>("offset"); // clock position relative to kT0
        QTest::addColumn<QByteArray>("extra");
        QTest::addColumn<VerifyFailure>("expected");
        const json expAtT0 = { { "exp", kT0 } };
        const json nbfLater = { { "nbf", kT0 + 1000 } };
        const json iatLater = { { "iat", kT0 + 1000 }, { "nbf", nullptr } };
        const auto t = [](const json& j) { return QByteArray::fromStdString(j.dump()); };
        QTest::newRow("valid") << qint64(0) << t(json::object()) << VerifyFailure::None;
        QTest::newRow("exp just inside leeway") << qint64(299) << t(expAtT0) << VerifyFailure::None;
        QTest::newRow("exp at leeway edge") << qint64(300) << t(expAtT0) << VerifyFailure::Expired;
        QTest::newRow("exp long ago") << qint64(86400) << t(expAtT0) << VerifyFailure::Expired;
        QTest::newRow("nbf beyond leeway") << qint64(0) << t(nbfLater) << VerifyFailure::NotYetValid;
        QTest::newRow("nbf within leeway") << qint64(700) << t(nbfLater) << VerifyFailure::None;
        QTest::newRow("nbf one second early") << qint64(699) << t(nbfLater) << VerifyFailure::NotYetValid;
        QTest::newRow("iat in the future") << qint64(0) << t(iatLater) << VerifyFailure::NotYetValid;
        QTest::newRow("no exp") << qint64(0) << t({ { "exp", nullptr } }) << VerifyFailure::MissingClaim;
        QTest::newRow("exp not a number") << qint64(0) << t({ { "exp", "tomorrow" } }) << VerifyFailure::Malformed;
        QTest::newRow("exp fractional") << qint64(0) << t({ { "exp", double(kT0) + 0.5 } }) << VerifyFailure::None;
        QTest::newRow("exp huge") << qint64(0) << t({ { "exp", 1e300 } }) << VerifyFailure::None;
        QTest::newRow("exp int64 max") << qint64(0) << t({ { "exp", std::numeric_limits<qint64>::max() } })
                                       << VerifyFailure::None;
        QTest::newRow("nbf int64 min") << qint64(0) << t({ { "nbf", std::numeric_limits<qint64>::min() } })
                                       << VerifyFailure::None;
    }
    void lifetime()
    {
        QFETCH(qint64, offset);
        QFETCH(QByteArray, extra);
        QFETCH(VerifyFailure, expected);
        const QByteArray token = signedToken(m_ec, claims(json::parse(extra.toStdString())));
        ManualClock clock(QDateTime::fromSecsSinceEpoch(kT0 + offset, Qt::UTC));
        VerifyOptions o = options();
        o.now = QDateTime();
        o.clock = &clock;
        const VerifyResult r = verifyJwt(token, m_jwks, o);
        QVERIFY2(r.failure == expected, qPrintable(verifyFailureName(r.failure) + QStringLiteral(": ") + r.message));
        QCOMPARE(r.ok, expected == VerifyFailure::None);
    }

    void lifetimeOptions()
    {
        const QByteArray noExp = signedToken(m_ec, claims({ { "exp", nullptr } }));
        VerifyOptions o = options();
        o.requireExpiry = false;
        QVERIFY(verifyJwt(noExp, m_jwks, o).ok);
        // Leeway is configurable.
        const QByteArray token = signedToken(m_ec, claims({ { "exp", kT0 - 10 } }));
        o = options();
        QVERIFY(verifyJwt(token, m_jwks, o).ok);
        o.leewaySecs = 5;
        const VerifyResult r = verifyJwt(token, m_jwks, o);
        QCOMPARE(r.failure, VerifyFailure::Expired);
        QVERIFY(r.message.contains(QLatin1String("2023-11-14 22:13:10 UTC")));
        // The explicit time wins over the clock.
        ManualClock clock(QDateTime::fromSecsSinceEpoch(kT0 + 100000, Qt::UTC));
        o.clock = &clock;
        o.leewaySecs = 300;
        QVERIFY(verifyJwt(token, m_jwks, o).ok);
        o.now = QDateTime();
        QCOMPARE(verifyJwt(token, m_jwks, o).failure, VerifyFailure::Expired);
    }

    void issuer_data()
    {
        QTest::addColumn<QString>("expectedIssuer");
        QTest::addColumn<QByteArray>("extra");
        QTest::addColumn<VerifyFailure>("expected");
        const auto t = [](const json& j) { return QByteArray::fromStdString(j.dump()); };
        const QString tmpl = QStringLiteral("https://login.microsoftonline.com/{tenantid}/v2.0");
        const std::string other = "99999999-2222-3333-4444-555555555555";
        QTest::newRow("exact") << QString::fromLatin1(kIssuer) << t(json::object()) << VerifyFailure::None;
        QTest::newRow("template") << tmpl << t(json::object()) << VerifyFailure::None;
        QTest::newRow("template, upper-case placeholder")
            << QStringLiteral("https://login.microsoftonline.com/{TenantId}/v2.0") << t(json::object())
            << VerifyFailure::None;
        QTest::newRow("template, other tid") << tmpl << t({ { "tid", other } }) << VerifyFailure::WrongIssuer;
        QTest::newRow("template, no tid") << tmpl << t({ { "tid", nullptr } }) << VerifyFailure::WrongIssuer;
        QTest::newRow("template, tid with path")
            << tmpl << t({ { "iss", "https://login.microsoftonline.com/a/b/v2.0" }, { "tid", "a/b" } })
            << VerifyFailure::WrongIssuer;
        QTest::newRow("template, consistent other tenant")
            << tmpl << t({ { "iss", "https://login.microsoftonline.com/" + other + "/v2.0" }, { "tid", other } })
            << VerifyFailure::None;
        QTest::newRow("v1 issuer") << QString::fromLatin1(kIssuer)
                                   << t({ { "iss", "https://sts.windows.net/11111111-2222-3333-4444-555555555555/" } })
                                   << VerifyFailure::WrongIssuer;
        QTest::newRow("trailing slash differs")
            << QString::fromLatin1(kIssuer) + QLatin1Char('/') << t(json::object()) << VerifyFailure::WrongIssuer;
        QTest::newRow("missing iss") << QString::fromLatin1(kIssuer) << t({ { "iss", nullptr } })
                                     << VerifyFailure::MissingClaim;
        QTest::newRow("iss not string") << QString::fromLatin1(kIssuer) << t({ { "iss", 5 } })
                                        << VerifyFailure::Malformed;
    }
    void issuer()
    {
        QFETCH(QString, expectedIssuer);
        QFETCH(QByteArray, extra);
        QFETCH(VerifyFailure, expected);
        const QByteArray token = signedToken(m_rsa, claims(json::parse(extra.toStdString())));
        VerifyOptions o = options();
        o.issuers = { expectedIssuer };
        const VerifyResult r = verifyJwt(token, m_jwks, o);
        QVERIFY2(r.failure == expected, qPrintable(verifyFailureName(r.failure) + QStringLiteral(": ") + r.message));
    }

    void audience_data()
    {
        QTest::addColumn<QByteArray>("aud"); // JSON value, or empty for "absent"
        QTest::addColumn<VerifyFailure>("expected");
        QTest::newRow("string") << QByteArray("\"api://lanyard-demo\"") << VerifyFailure::None;
        QTest::newRow("array with it") << QByteArray("[\"other\",\"api://lanyard-demo\"]") << VerifyFailure::None;
        QTest::newRow("array without it") << QByteArray("[\"other\",\"api://x\"]") << VerifyFailure::WrongAudience;
        QTest::newRow("empty array") << QByteArray("[]") << VerifyFailure::WrongAudience;
        QTest::newRow("other string") << QByteArray("\"api://lanyard-demo/\"") << VerifyFailure::WrongAudience;
        QTest::newRow("absent") << QByteArray() << VerifyFailure::MissingClaim;
        QTest::newRow("number") << QByteArray("42") << VerifyFailure::Malformed;
        QTest::newRow("array with number") << QByteArray("[\"api://lanyard-demo\",1]") << VerifyFailure::Malformed;
    }
    void audience()
    {
        QFETCH(QByteArray, aud);
        QFETCH(VerifyFailure, expected);
        json c = claims();
        if (aud.isEmpty())
            c.erase("aud");
        else
            c["aud"] = json::parse(aud.toStdString());
        VerifyOptions o = options();
        o.audiences = { QStringLiteral("api://lanyard-demo"), QStringLiteral("00000000-aaaa-bbbb-cccc-000000000000") };
        const VerifyResult r = verifyJwt(signedToken(m_ec, c), m_jwks, o);
        QVERIFY2(r.failure == expected, qPrintable(verifyFailureName(r.failure) + QStringLiteral(": ") + r.message));
        // Without an expected audience, aud is not checked.
        o.audiences.clear();
        if (expected == VerifyFailure::WrongAudience || expected == VerifyFailure::MissingClaim)
            QVERIFY(verifyJwt(signedToken(m_ec, c), m_jwks, o).ok);
    }

    void nonce()
    {
        VerifyOptions o = options();
        o.nonce = QStringLiteral("n-0S6_WzA2Mj");
        QVERIFY(verifyJwt(signedToken(m_rsa, claims({ { "nonce", "n-0S6_WzA2Mj" } })), m_jwks, o).ok);
        QCOMPARE(verifyJwt(signedToken(m_rsa, claims({ { "nonce", "n-0S6_WzA2Mk" } })), m_jwks, o).failure,
            VerifyFailure::NonceMismatch);
        QCOMPARE(verifyJwt(signedToken(m_rsa, claims()), m_jwks, o).failure, VerifyFailure::NonceMismatch);
        QCOMPARE(
            verifyJwt(signedToken(m_rsa, claims({ { "nonce", 1 } })), m_jwks, o).failure, VerifyFailure::NonceMismatch);
    }

    void requiredClaims()
    {
        VerifyOptions o = options();
        o.requiredClaims = { QStringLiteral("sub"), QStringLiteral("oid") };
        const VerifyResult r = verifyJwt(signedToken(m_rsa, claims()), m_jwks, o);
        QCOMPARE(r.failure, VerifyFailure::MissingClaim);
        QVERIFY(r.message.contains(QLatin1String("\"oid\"")));
        QVERIFY(verifyJwt(signedToken(m_rsa, claims({ { "oid", "o-1" } })), m_jwks, o).ok);
    }

    void malformed_data()
    {
        QTest::addColumn<QByteArray>("token");
        const QByteArray good = signedToken(m_rsa, claims());
        const QList<QByteArray> p = parts(good);
        const QByteArray rsaHeader = b64(json { { "alg", "RS256" }, { "kid", m_rsa.kid().toStdString() } });
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("one part") << p[0];
        QTest::newRow("two parts") << p[0] + '.' + p[1];
        QTest::newRow("four parts") << good + '.' + p[2];
        QTest::newRow("five parts (JWE)") << p[0] + ".." + p[1] + '.' + p[2] + ".tag";
        QTest::newRow("empty header") << '.' + p[1] + '.' + p[2];
        QTest::newRow("empty payload") << p[0] + ".." + p[2];
        QTest::newRow("padded header") << p[0] + "==." + p[1] + '.' + p[2];
        QTest::newRow("standard base64 signature") << p[0] + '.' + p[1] + '.' + base64UrlDecode(p[2])->toBase64();
        QTest::newRow("space in payload") << p[0] + '.' + p[1].left(8) + ' ' + p[1].mid(8) + '.' + p[2];
        QTest::newRow("trailing newline") << good + '\n';
        QTest::newRow("leading space") << ' ' + good;
        QTest::newRow("header not json") << b64(QByteArray("alg=RS256")) + '.' + p[1] + '.' + p[2];
        QTest::newRow("header is array") << b64(QByteArray("[\"RS256\"]")) + '.' + p[1] + '.' + p[2];
        QTest::newRow("payload not an object") << rsaHeader + '.' + b64(QByteArray("[1,2,3]")) + '.' + p[2];
        QTest::newRow("payload is a string") << rsaHeader + '.' + b64(QByteArray("\"hello\"")) + '.' + p[2];
        QTest::newRow("payload trailing garbage") << rsaHeader + '.' + b64(QByteArray("{}x")) + '.' + p[2];
        QTest::newRow("payload invalid utf-8") << rsaHeader + '.' + b64(QByteArray("{\"sub\":\"\xff\"}")) + '.' + p[2];
        QTest::newRow("duplicate claim") << rsaHeader + '.' + b64(QByteArray("{\"sub\":\"a\",\"sub\":\"b\"}")) + '.'
                + p[2];
        QTest::newRow("duplicate alg") << b64(QByteArray("{\"alg\":\"none\",\"alg\":\"RS256\"}")) + '.' + p[1] + '.'
                + p[2];
        QTest::newRow("no alg") << b64(json { { "typ", "JWT" } }) + '.' + p[1] + '.' + p[2];
        QTest::newRow("alg not a string") << b64(json { { "alg", 256 } }) + '.' + p[1] + '.' + p[2];
        QTest::newRow("crit") << b64(json { { "alg", "RS256" }, { "crit", { "exp" } }, { "exp", 1 } }) + '.' + p[1]
                + '.' + p[2];
        QTest::newRow("deep nesting") << rsaHeader + '.'
                + b64(QByteArray("{\"a\":") + QByteArray(100, '[') + QByteArray(100, ']') + '}') + '.' + p[2];
        // A correctly signed but huge token is refused before any parsing.
        QTest::newRow("huge") << signedToken(m_rsa, claims({ { "pad", std::string(300 * 1024, 'x') } }));
        QTest::newRow("dots only") << QByteArray("..");
    }
    void malformed()
    {
        QFETCH(QByteArray, token);
        const VerifyResult r = verifyJwt(token, m_jwks, options());
        QVERIFY2(r.failure == VerifyFailure::Malformed,
            qPrintable(verifyFailureName(r.failure) + QStringLiteral(": ") + r.message));
        QVERIFY(!r.ok);
        QVERIFY(!r.message.isEmpty());
    }

    void decodeWithoutVerifying()
    {
        const QByteArray token = signedToken(m_rsa, claims());
        QString error;
        const auto d = decodeJwt(token, &error);
        QVERIFY2(d.has_value(), qPrintable(error));
        QCOMPARE(d->signingInput, token.left(token.lastIndexOf('.')));
        QCOMPARE(d->signature.size(), 256);
        QCOMPARE(qs(d->payload, "iss"), QString::fromLatin1(kIssuer));
        QVERIFY(!decodeJwt(QByteArray("a.b"), &error).has_value());
        QVERIFY(error.contains(QLatin1String("three parts")));
        QVERIFY(!decodeJwt(QByteArray(kMaxJwtBytes + 1, 'a'), &error).has_value());
        QVERIFY(error.contains(QLatin1String("larger")));
    }

    void signRejectsUnfitKey()
    {
        QString error;
        QVERIFY(!signJwt(m_ec, { { "alg", "RS256" } }, claims(), &error).has_value());
        QVERIFY(!error.isEmpty());
        QVERIFY(!signJwt(m_rsa, { { "alg", "HS256" } }, claims(), &error).has_value());
        QVERIFY(!signJwt(m_rsa, { { "alg", "none" } }, claims(), &error).has_value());
        QVERIFY(!signJwt(m_rsa.publicOnly(), json::object(), claims(), &error).has_value());
        QVERIFY(!signJwt(m_rsa, json::object(), json::array(), &error).has_value());
        QVERIFY(!signJwt(Key(), json::object(), claims(), &error).has_value());
    }

    void neverLeaksTheToken()
    {
        test::LogCapture capture;
        const QByteArray token = signedToken(m_rsa, claims());
        const QList<QByteArray> p = parts(token);
        QList<VerifyResult> results;
        results << verifyJwt(token, m_jwks, options());
        results << verifyJwt(token, Jwks(), options());
        results << verifyJwt(p[0] + '.' + p[1] + '.' + b64(QByteArray(256, 'x')), m_jwks, options());
        results << verifyJwt(token + "=", m_jwks, options());
        for (const VerifyResult& r : results) {
            QVERIFY(!r.message.contains(QString::fromLatin1(p[2])));
            QVERIFY(!r.message.contains(QString::fromLatin1(p[1])));
        }
        QVERIFY(!capture.contains(QString::fromLatin1(p[2])));
        QVERIFY(!capture.contains(QString::fromLatin1(p[1])));
        QCOMPARE(tokenFingerprint(token).size(), 12);
        QCOMPARE(tokenFingerprint(token), Secret(token).fingerprint());
    }

    void failureNames()
    {
        QCOMPARE(verifyFailureName(VerifyFailure::AlgNone), QStringLiteral("AlgNone"));
        QCOMPARE(verifyFailureName(VerifyFailure::KeyMismatch), QStringLiteral("KeyMismatch"));
    }
};

QTEST_GUILESS_MAIN(TestJwt)
#include "TestJwt.moc"
