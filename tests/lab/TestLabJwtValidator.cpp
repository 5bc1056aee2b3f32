// SPDX-License-Identifier: MIT
#include "TestIdpHelpers.h"

#include "crypto/Base64Url.h"
#include "crypto/Key.h"
#include "http/HttpServer.h"
#include "idp/SigningKeyRing.h"
#include "sts/IdentityLab.h"
#include "sts/JwtValidator.h"
#include "sts/RemoteKeySet.h"
#include "sts/TokenService.h"

#include <QMessageAuthenticationCode>
#include <QtTest>

using namespace lanyard;
using namespace lanyard::lab;
using namespace labtest;

namespace {

const QString kIssuer = QStringLiteral("https://issuer.lab.test");
const QString kResource = QStringLiteral("http://127.0.0.1:7000/mcp");
const QString kMetadata = QStringLiteral("http://127.0.0.1:7000/.well-known/oauth-protected-resource/mcp");

QString b64(const QByteArray& bytes)
{
    return QString::fromLatin1(crypto::base64UrlEncode(bytes));
}

} // namespace

class TestLabJwtValidator : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void acceptsTheRightToken();
    void refusals_data();
    void refusals();
    void noOrMalformedCredentials();
    void insufficientScope();
    void unknownKidRefetchesOnceRateLimited();
    void claimsChallenge();
    void cachedValidationForSynchronousHooks();
    void challengeOnTheWire();
    void tenantTemplate();
    void entraAndTokenServiceSetUps();

private:
    json claims(const std::function<void(json&)>& edit = {}) const
    {
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        json c { { "iss", kIssuer.toStdString() }, { "aud", kResource.toStdString() }, { "sub", "user-1" },
            { "iat", now }, { "nbf", now }, { "exp", now + 300 }, { "scope", "HR.Read" },
            { "roles", json::array({ "hr.admin" }) } };
        if (edit)
            edit(c);
        return c;
    }
    QString token(const std::function<void(json&)>& edit = {}) const
    {
        return QString::fromUtf8(m_keys->sign(claims(edit)).value_or(QByteArray()));
    }
    JwtValidatorConfig config() const
    {
        JwtValidatorConfig c;
        c.issuer = kIssuer;
        c.jwksUrl = QUrl(m_server->baseUrl().toString() + QStringLiteral("/keys"));
        c.audiences = { kResource };
        c.algorithms = { QStringLiteral("RS256") };
        c.resourceMetadataUrl = kMetadata;
        c.minRefetchIntervalSecs = 0;
        return c;
    }
    JwtValidation check(JwtValidator& validator, const QByteArray& header, const QStringList& scopes = {})
    {
        std::optional<JwtValidation> result;
        validator.validate(
            header, this, [&result](const JwtValidation& r) { result = r; }, scopes);
        QElapsedTimer timer;
        timer.start();
        while (!result && timer.elapsed() < 10000)
            QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
        return result.value_or(JwtValidation());
    }
    static QByteArray bearer(const QString& token) { return "Bearer " + token.toUtf8(); }

    std::unique_ptr<SigningKeyRing> m_keys;
    std::unique_ptr<HttpServer> m_server;
    int m_keyFetches = 0;
};

void TestLabJwtValidator::initTestCase()
{
    // One issuer key ring for all tests (RSA key generation is slow); tests that rotate it leave
    // it rotated, which the others do not mind: they sign with whatever key is active.
    m_keys = std::make_unique<SigningKeyRing>(SigningKeyRing::KeyType::Rsa);
}

void TestLabJwtValidator::init()
{
    m_server = std::make_unique<HttpServer>();
    m_keyFetches = 0;
    SigningKeyRing* keys = m_keys.get();
    m_server->route("GET", QStringLiteral("/keys"), [this, keys](const Request&, const ResponderPtr& responder) {
        ++m_keyFetches;
        responder->send(200, dumpJson(keys->jwksJson()), "application/json");
    });
    QVERIFY(m_server->listen());
}

void TestLabJwtValidator::cleanup()
{
    m_server.reset();
}

void TestLabJwtValidator::acceptsTheRightToken()
{
    JwtValidator validator(config());
    const JwtValidation r = check(validator, bearer(token()));
    QVERIFY2(r.ok, qPrintable(r.errorDescription));
    QCOMPARE(r.status, 200);
    QCOMPARE(qs(r.claims, "sub"), QStringLiteral("user-1"));
    QCOMPARE(r.scopes, QStringList { QStringLiteral("HR.Read") });
    QCOMPARE(r.roles, QStringList { QStringLiteral("hr.admin") });
    QCOMPARE(m_keyFetches, 1);
    // Entra puts scopes in scp.
    const JwtValidation entra = check(validator, bearer(token([](json& c) {
        c.erase("scope");
        c["scp"] = "HR.Read HR.Write";
    })));
    QVERIFY(entra.ok);
    QCOMPARE(entra.scopes, (QStringList { QStringLiteral("HR.Read"), QStringLiteral("HR.Write") }));
    // An audience list that contains the resource is fine; keys stay cached.
    QVERIFY(check(validator, bearer(token([](json& c) {
        c["aud"] = json::array({ "other", kResource.toStdString() });
    }))).ok);
    QCOMPARE(m_keyFetches, 1);
}

void TestLabJwtValidator::refusals_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<int>("failure");
    QTest::newRow("wrong audience") << "aud" << int(crypto::VerifyFailure::WrongAudience);
    QTest::newRow("wrong issuer") << "iss" << int(crypto::VerifyFailure::WrongIssuer);
    QTest::newRow("expired") << "expired" << int(crypto::VerifyFailure::Expired);
    QTest::newRow("not yet valid") << "nbf" << int(crypto::VerifyFailure::NotYetValid);
    QTest::newRow("tampered") << "tampered" << int(crypto::VerifyFailure::BadSignature);
    QTest::newRow("alg none") << "none" << int(crypto::VerifyFailure::AlgNone);
    QTest::newRow("HS256 with the public key as secret") << "hs256" << int(crypto::VerifyFailure::UnsupportedAlgorithm);
    QTest::newRow("ES256 not allowed") << "es256" << int(crypto::VerifyFailure::UnsupportedAlgorithm);
    QTest::newRow("unknown kid") << "kid" << int(crypto::VerifyFailure::UnknownKid);
    QTest::newRow("garbage") << "garbage" << int(crypto::VerifyFailure::Malformed);
    QTest::newRow("no exp") << "noexp" << int(crypto::VerifyFailure::MissingClaim);
}

void TestLabJwtValidator::refusals()
{
    QFETCH(QString, kind);
    QFETCH(int, failure);
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    QString t;
    if (kind == QLatin1String("aud")) {
        t = token([](json& c) { c["aud"] = "http://127.0.0.1:7001/mcp"; });
    } else if (kind == QLatin1String("iss")) {
        t = token([](json& c) { c["iss"] = "https://evil.test"; });
    } else if (kind == QLatin1String("expired")) {
        t = token([now](json& c) { c["exp"] = now - 61; }); // beyond the 60 s skew
    } else if (kind == QLatin1String("nbf")) {
        t = token([now](json& c) { c["nbf"] = now + 120; });
    } else if (kind == QLatin1String("tampered")) {
        const QStringList parts = token().split(QLatin1Char('.'));
        t = parts[0] + QLatin1Char('.')
            + b64(dumpJson(claims([](json& c) { c["roles"] = json::array({ "hr.owner" }); }))) + QLatin1Char('.')
            + parts[2];
    } else if (kind == QLatin1String("none")) {
        t = b64(R"({"alg":"none","typ":"JWT"})") + QLatin1Char('.') + b64(dumpJson(claims())) + QLatin1Char('.');
    } else if (kind == QLatin1String("hs256")) {
        // The classic confusion: HMAC keyed with the issuer's public key.
        const QString header = b64(
            dumpJson(json { { "alg", "HS256" }, { "typ", "JWT" }, { "kid", m_keys->activeKid().toStdString() } }));
        const QString input = header + QLatin1Char('.') + b64(dumpJson(claims()));
        const QByteArray mac = QMessageAuthenticationCode::hash(
            input.toUtf8(), m_keys->activeKey().publicKeyPem(), QCryptographicHash::Sha256);
        t = input + QLatin1Char('.') + b64(mac);
    } else if (kind == QLatin1String("es256")) {
        SigningKeyRing ec(SigningKeyRing::KeyType::Ec);
        t = QString::fromUtf8(*ec.sign(claims()));
    } else if (kind == QLatin1String("kid")) {
        crypto::Key other = crypto::Key::generateRsa(2048);
        other.setKid(QStringLiteral("not-published"));
        t = QString::fromUtf8(*crypto::signJwt(other, json::object(), claims()));
    } else if (kind == QLatin1String("garbage")) {
        t = QStringLiteral("a.b.c");
    } else if (kind == QLatin1String("noexp")) {
        t = token([](json& c) { c.erase("exp"); });
    }
    JwtValidator validator(config());
    const JwtValidation r = check(validator, bearer(t));
    QVERIFY(!r.ok);
    QCOMPARE(r.status, 401);
    QCOMPARE(r.error, QStringLiteral("invalid_token"));
    QCOMPARE(int(r.failure), failure);
    QVERIFY(!r.errorDescription.isEmpty());
    QVERIFY(!r.errorDescription.contains(t));
    QVERIFY(r.wwwAuthenticate.startsWith("Bearer "));
    QVERIFY(r.wwwAuthenticate.contains("error=\"invalid_token\""));
    QVERIFY(r.wwwAuthenticate.contains("error_description=\""));
    QVERIFY(r.wwwAuthenticate.contains(("resource_metadata=\"" + kMetadata + "\"").toUtf8()));
    QVERIFY(r.claims.is_null() || r.claims.empty());
}

void TestLabJwtValidator::noOrMalformedCredentials()
{
    JwtValidator validator(config());
    JwtValidation r = check(validator, QByteArray());
    QCOMPARE(r.status, 401);
    QVERIFY(r.error.isEmpty());
    QCOMPARE(r.wwwAuthenticate, ("Bearer resource_metadata=\"" + kMetadata + "\"").toUtf8());
    r = check(validator, "Basic dXNlcjpwYXNz");
    QCOMPARE(r.error, QStringLiteral("invalid_request"));
    r = check(validator, "Bearer ");
    QCOMPARE(r.error, QStringLiteral("invalid_request"));
    r = check(validator, "Bearer a b");
    QCOMPARE(r.error, QStringLiteral("invalid_request"));
    QCOMPARE(m_keyFetches, 0); // nothing to check, nothing fetched
    // The scheme name is case-insensitive.
    QVERIFY(check(validator, "bearer " + token().toUtf8()).ok);
}

void TestLabJwtValidator::insufficientScope()
{
    JwtValidatorConfig c = config();
    c.requiredScopes = { QStringLiteral("HR.Read") };
    JwtValidator validator(c);
    QVERIFY(check(validator, bearer(token())).ok);
    const JwtValidation r = check(validator, bearer(token()), { QStringLiteral("HR.Write") });
    QVERIFY(!r.ok);
    QCOMPARE(r.status, 403);
    QCOMPARE(r.error, QStringLiteral("insufficient_scope"));
    QVERIFY(r.wwwAuthenticate.contains("error=\"insufficient_scope\""));
    QVERIFY(r.wwwAuthenticate.contains("scope=\"HR.Read HR.Write\""));
    QCOMPARE(qs(r.claims, "sub"), QStringLiteral("user-1")); // verified, just not enough
    const QString both = token([](json& x) { x["scope"] = "HR.Read HR.Write"; });
    QVERIFY(check(validator, bearer(both), { QStringLiteral("HR.Write") }).ok);
}

void TestLabJwtValidator::unknownKidRefetchesOnceRateLimited()
{
    JwtValidatorConfig c = config();
    c.minRefetchIntervalSecs = 300;
    JwtValidator validator(c);
    QVERIFY(check(validator, bearer(token())).ok);
    QCOMPARE(m_keyFetches, 1);
    // The issuer rotates twice: the second new key was never published before.
    m_keys->rotate();
    QVERIFY(check(validator, bearer(token())).ok); // the standby key was already known
    QCOMPARE(m_keyFetches, 1);
    m_keys->rotate();
    // Rate limit: the first fetch was just now, so no refetch yet; the token is refused.
    JwtValidation r = check(validator, bearer(token()));
    QCOMPARE(r.failure, crypto::VerifyFailure::UnknownKid);
    QCOMPARE(m_keyFetches, 1);

    // Without the rate limit: exactly one refetch, then it verifies.
    JwtValidator eager(config());
    QVERIFY(check(eager, bearer(token())).ok);
    QCOMPARE(m_keyFetches, 2);
    m_keys->rotate();
    m_keys->rotate();
    const int before = m_keyFetches;
    QVERIFY(check(eager, bearer(token())).ok);
    QCOMPARE(m_keyFetches, before + 1);
    // A kid nobody publishes: one refetch per token, then a refusal.
    crypto::Key stranger = crypto::Key::generateRsa(2048);
    stranger.setKid(QStringLiteral("nobody-publishes-this"));
    r = check(eager, bearer(QString::fromUtf8(*crypto::signJwt(stranger, json::object(), claims()))));
    QCOMPARE(r.failure, crypto::VerifyFailure::UnknownKid);
    QCOMPARE(m_keyFetches, before + 2);
}

void TestLabJwtValidator::claimsChallenge()
{
    JwtValidatorConfig c = config();
    c.requiredAcrs = QStringLiteral("c1");
    JwtValidator validator(c);
    const JwtValidation r = check(validator, bearer(token()));
    QVERIFY(!r.ok);
    QCOMPARE(r.status, 401);
    QCOMPARE(r.error, QStringLiteral("insufficient_claims"));
    QVERIFY(r.wwwAuthenticate.contains("error=\"insufficient_claims\""));
    static const QRegularExpression claimsRe(QStringLiteral("claims=\"([A-Za-z0-9+/=]+)\""));
    const auto m = claimsRe.match(QString::fromUtf8(r.wwwAuthenticate));
    QVERIFY(m.hasMatch());
    const json requested = json::parse(QByteArray::fromBase64(m.captured(1).toLatin1()).toStdString());
    QCOMPARE(requested, JwtValidator::acrsClaimsRequest(QStringLiteral("c1")));
    QCOMPARE(requested["access_token"]["acrs"]["value"], json("c1"));
    QVERIFY(check(validator, bearer(token([](json& x) { x["acrs"] = json::array({ "c1" }); }))).ok);
}

void TestLabJwtValidator::cachedValidationForSynchronousHooks()
{
    JwtValidator validator(config());
    JwtValidation r = validator.validateCached(bearer(token()));
    QVERIFY(!r.ok); // keys not fetched yet: "try again"
    QCOMPARE(r.error, QStringLiteral("invalid_token"));
    QTRY_VERIFY(validator.keySet()->hasKeys()); // the refusal started the fetch
    QVERIFY(validator.validateCached(bearer(token())).ok);
    QCOMPARE(validator.validateCached(bearer(token([](json& c) { c["aud"] = "x"; }))).failure,
        crypto::VerifyFailure::WrongAudience);
    QCOMPARE(validator.validateCached(QByteArray()).status, 401);

    JwtValidator prefetched(config());
    prefetched.prefetchKeys();
    QTRY_VERIFY(prefetched.keySet()->hasKeys());
    QVERIFY(prefetched.validateCached(bearer(token())).ok);
    // Two rotations: the new key is unknown; the first request is refused and starts a refetch.
    m_keys->rotate();
    m_keys->rotate();
    const int before = m_keyFetches;
    QCOMPARE(prefetched.validateCached(bearer(token())).failure, crypto::VerifyFailure::UnknownKid);
    QTRY_COMPARE(m_keyFetches, before + 1);
    QTRY_VERIFY(prefetched.validateCached(bearer(token())).ok);
}

void TestLabJwtValidator::challengeOnTheWire()
{
    JwtValidatorConfig c = config();
    c.requiredScopes = { QStringLiteral("HR.Read") };
    c.realm = QStringLiteral("hr");
    JwtValidator validator(c);
    HttpServer resource;
    resource.route(
        "GET", QStringLiteral("/mcp"), [&validator, &resource](const Request& request, const ResponderPtr& responder) {
            validator.validate(request.header("Authorization"), &resource, [responder](const JwtValidation& r) {
                if (r.ok)
                    responder->send(200, "hello " + qs(r.claims, "sub").toUtf8());
                else
                    JwtValidator::sendChallenge(responder, r);
            });
        });
    QVERIFY(resource.listen());
    QNetworkAccessManager nam;
    const QUrl url(resource.baseUrl().toString() + QStringLiteral("/mcp"));
    HttpResult r = get(nam, url, { { "Authorization", bearer(token()) } });
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body, QByteArray("hello user-1"));
    r = get(nam, url, { { "Authorization", bearer(token([](json& x) { x["aud"] = "elsewhere"; })) } });
    QCOMPARE(r.status, 401);
    QVERIFY(r.header("WWW-Authenticate").startsWith("Bearer realm=\"hr\", error=\"invalid_token\""));
    QCOMPARE(qs(r.object(), "error"), QStringLiteral("invalid_token"));
    r = get(nam, url, { { "Authorization", bearer(token([](json& x) { x["scope"] = "Other"; })) } });
    QCOMPARE(r.status, 403);
    QVERIFY(r.header("WWW-Authenticate").contains("scope=\"HR.Read\""));
    r = get(nam, url);
    QCOMPARE(r.status, 401);
    QCOMPARE(r.header("WWW-Authenticate"), ("Bearer realm=\"hr\", resource_metadata=\"" + kMetadata + "\"").toUtf8());
}

void TestLabJwtValidator::tenantTemplate()
{
    JwtValidatorConfig c = config();
    c.issuer = QStringLiteral("https://login.lab.test/{tenantid}/v2.0");
    c.tenants = { QStringLiteral("aaaaaaaa-0000-0000-0000-000000000001") };
    JwtValidator validator(c);
    const auto forTenant = [this](const QString& tid) {
        return token([tid](json& x) {
            x["tid"] = tid.toStdString();
            x["iss"] = QStringLiteral("https://login.lab.test/%1/v2.0").arg(tid).toStdString();
        });
    };
    QVERIFY(check(validator, bearer(forTenant(QStringLiteral("aaaaaaaa-0000-0000-0000-000000000001")))).ok);
    const JwtValidation other
        = check(validator, bearer(forTenant(QStringLiteral("bbbbbbbb-0000-0000-0000-000000000002"))));
    QVERIFY(!other.ok);
    QCOMPARE(other.failure, crypto::VerifyFailure::WrongIssuer);
}

void TestLabJwtValidator::entraAndTokenServiceSetUps()
{
    IdentityLab lab;
    QVERIFY(lab.start());
    QVERIFY(lab.registerServer(QStringLiteral("hr"), kResource));
    QNetworkAccessManager nam;
    // A token straight from the IdP for the HR API, and one from the token service for the HR server.
    const Tokens entra = signIn(nam, *lab.idp(), QStringLiteral("ada@lanyardlab.onmicrosoft.com"),
        QStringLiteral("openid offline_access api://lab-hr/.default"));
    QVERIFY(entra.ok());
    const Tokens forSts = refresh(nam, *lab.idp(), lab.lanyardClientId(), entra.refreshToken, lab.tokenServiceScope());
    QVERIFY(forSts.ok());
    const HttpResult exchanged = postForm(nam, lab.tokenServiceTokenUrl(),
        FormParams {
            { QStringLiteral("grant_type"), QStringLiteral("urn:ietf:params:oauth:grant-type:token-exchange") },
            { QStringLiteral("client_id"), lab.lanyardClientId() },
            { QStringLiteral("subject_token"), forSts.accessToken },
            { QStringLiteral("subject_token_type"), QStringLiteral("urn:ietf:params:oauth:token-type:access_token") },
            { QStringLiteral("resource"), kResource } });
    QCOMPARE(exchanged.status, 200);
    const QString stsToken = qs(exchanged.object(), "access_token");

    JwtValidator direct(lab.entraValidatorConfig(QStringLiteral("lab-hr"), kMetadata));
    JwtValidator viaSts(lab.tokenServiceValidatorConfig(kResource, kMetadata));
    const JwtValidation a = check(direct, bearer(entra.accessToken), { QStringLiteral("HR.Read") });
    QVERIFY2(a.ok, qPrintable(a.errorDescription));
    QCOMPARE(a.roles, QStringList { QStringLiteral("HR.Admin") });
    QVERIFY(!check(direct, bearer(stsToken)).ok);
    QVERIFY(!check(direct, bearer(forSts.accessToken)).ok); // a token for the token service is not for HR
    const JwtValidation b = check(viaSts, bearer(stsToken), { QStringLiteral("HR.Write") });
    QVERIFY2(b.ok, qPrintable(b.errorDescription));
    QCOMPARE(b.roles, QStringList { QStringLiteral("hr.admin") });
    QCOMPARE(qs(b.claims["act"], "sub"), lab.lanyardClientId());
    QVERIFY(!check(viaSts, bearer(entra.accessToken)).ok);

    // Protected resource metadata for both set-ups.
    json prm = lab.protectedResourceMetadata(kResource, QStringLiteral("lab-hr"), false);
    QCOMPARE(prm["authorization_servers"], json::array({ lab.authority().toString().toStdString() }));
    QCOMPARE(prm["scopes_supported"], json::array({ "api://lab-hr/HR.Read", "api://lab-hr/HR.Write" }));
    prm = lab.protectedResourceMetadata(kResource, QStringLiteral("hr"), true);
    QCOMPARE(prm["authorization_servers"], json::array({ lab.tokenServiceIssuer().toStdString() }));
    QCOMPARE(prm["resource"], json(kResource.toStdString()));
}

QTEST_GUILESS_MAIN(TestLabJwtValidator)
#include "TestLabJwtValidator.moc"
