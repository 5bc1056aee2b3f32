// SPDX-License-Identifier: MIT
#include "TestIdpHelpers.h"

#include "crypto/Jwks.h"
#include "idp/IdentityProvider.h"
#include "sts/IdentityLab.h"
#include "util/Clock.h"

#include <QtTest>

using namespace lanyard;
using namespace lanyard::lab;
using namespace labtest;

namespace {

const QString kAda = QStringLiteral("ada@lanyardlab.onmicrosoft.com");
const QString kOlli = QStringLiteral("olli@lanyardlab.onmicrosoft.com");
const QString kChris = QStringLiteral("chris@lanyardlab.onmicrosoft.com");
const QString kLanyard = QString::fromLatin1(builtin::kLanyardClientId);
const QString kHrScopes = QStringLiteral("openid profile offline_access api://lab-hr/.default");
const QString kDocsDefault = QStringLiteral("api://lab-docs/.default");

} // namespace

class TestIdpTokens : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void idTokenClaims();
    void accessTokenClaims();
    void pairwiseSubjects();
    void clientCapabilities();
    void graphOnlyScopes();
    void refreshForAnotherResource();
    void refreshTokenRotation();
    void revokeUserSessions();
    void lifetimes();
    void refreshTokenAndCodeExpiry();
    void keyRotation();
    void mfaKnob();
    void consentKnob();
    void onBehalfOf();
    void onBehalfOfRejections();

private:
    crypto::VerifyResult verify(const QString& token, const QString& audience, const Clock* clock = nullptr)
    {
        const auto keys = crypto::Jwks::fromBytes(get(*m_nam, m_lab->idp()->jwksUrl()).body);
        if (!keys)
            return {};
        crypto::VerifyOptions o;
        o.algorithms = { QStringLiteral("RS256") };
        o.issuers = { m_lab->idp()->issuerTemplate() };
        o.audiences = { audience };
        o.leewaySecs = 0;
        o.clock = clock;
        return crypto::verifyJwt(token.toUtf8(), *keys, o);
    }
    Tokens signInAs(const QString& user, const QString& scope, CodeRequest req = {})
    {
        QNetworkAccessManager browser; // each sign-in in its own browser
        return signIn(browser, *m_lab->idp(), user, scope, std::move(req));
    }
    // A lab of this test's own (left changed: the next test gets a new one).
    void freshLab(const Clock* clock = nullptr)
    {
        m_lab = std::make_unique<IdentityLab>(Scenario::builtIn(), clock);
        QVERIFY(m_lab->start());
        m_dirty = true;
    }
    // Tests that change the lab call this first. The others share one lab: key generation makes
    // each lab cost a few hundred milliseconds.
    void changesLab() { m_dirty = true; }

    ManualClock m_clock; // outlives every lab of a test (labs made in a test are reset in cleanup)
    std::unique_ptr<IdentityLab> m_lab;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    bool m_dirty = true;
};

void TestIdpTokens::init()
{
    m_clock.set(QDateTime::currentDateTimeUtc());
    m_nam = std::make_unique<QNetworkAccessManager>();
    if (m_dirty || !m_lab)
        freshLab();
    m_dirty = false;
}

void TestIdpTokens::cleanup()
{
    m_nam.reset();
    if (m_dirty)
        m_lab.reset(); // it may hold a pointer to m_clock
}

void TestIdpTokens::idTokenClaims()
{
    CodeRequest req;
    const Tokens t = signInAs(kAda, kHrScopes, req);
    QVERIFY2(t.ok(), t.http.body.constData());
    QVERIFY(!t.idToken.isEmpty());
    const auto verified = verify(t.idToken, kLanyard);
    QVERIFY2(verified.ok, qPrintable(verified.message));
    const json header = decodeHeader(t.idToken);
    QCOMPARE(qs(header, "alg"), QStringLiteral("RS256"));
    QCOMPARE(qs(header, "typ"), QStringLiteral("JWT"));
    QCOMPARE(qs(header, "kid"), m_lab->idp()->signingKeys().activeKid());
    json id = verified.claims;
    QCOMPARE(qs(id, "aud"), kLanyard);
    QCOMPARE(qs(id, "iss"), m_lab->idpIssuer());
    QCOMPARE(qs(id, "tid"), m_lab->tenantId());
    QCOMPARE(qs(id, "oid"), QString::fromLatin1(builtin::kAdaOid));
    QCOMPARE(qs(id, "name"), QStringLiteral("Ada Admin"));
    QCOMPARE(qs(id, "preferred_username"), kAda);
    QCOMPARE(qs(id, "ver"), QStringLiteral("2.0"));
    QVERIFY(!qs(id, "nonce").isEmpty());
    QCOMPARE(qs(id, "sub").size(), 43);
    QVERIFY(id["iat"].is_number_integer() && id["nbf"].is_number_integer() && id["exp"].is_number_integer());
    QCOMPARE(id["exp"].get<qint64>() - id["iat"].get<qint64>(), qint64(m_lab->scenario().lifetimes.idTokenSecs));
    QVERIFY(!id.contains("scp")); // an ID token is no access token
}

void TestIdpTokens::accessTokenClaims()
{
    const Tokens t = signInAs(kAda, kHrScopes);
    QVERIFY2(t.ok(), t.http.body.constData());
    QCOMPARE(qs(t.body, "scope"),
        QStringLiteral("api://lab-hr/HR.Read api://lab-hr/HR.Write openid profile offline_access"));
    QCOMPARE(t.body["expires_in"].get<int>(), 3600);
    QVERIFY(t.body.contains("ext_expires_in"));
    const auto verified = verify(t.accessToken, QString::fromLatin1(builtin::kHrAppId));
    QVERIFY2(verified.ok, qPrintable(verified.message));
    json at = verified.claims;
    QCOMPARE(qs(at, "aud"), QString::fromLatin1(builtin::kHrAppId));
    QCOMPARE(qs(at, "iss"), m_lab->idpIssuer());
    QCOMPARE(qs(at, "scp"), QStringLiteral("HR.Read HR.Write"));
    QCOMPARE(at["roles"], json::array({ "HR.Admin" }));
    QCOMPARE(qs(at, "azp"), kLanyard);
    QCOMPARE(qs(at, "azpacr"), QStringLiteral("0"));
    QCOMPARE(qs(at, "oid"), QString::fromLatin1(builtin::kAdaOid));
    QCOMPARE(qs(at, "tid"), m_lab->tenantId());
    QCOMPARE(qs(at, "ver"), QStringLiteral("2.0"));
    QCOMPARE(qs(at, "preferred_username"), kAda);
    QVERIFY(!qs(at, "uti").isEmpty());
    QVERIFY(!at.contains("xms_cc"));
    QVERIFY(!at.contains("acrs"));
    QCOMPARE(at["exp"].get<qint64>() - at["iat"].get<qint64>(), qint64(3600));

    // Olli has no app roles: no roles claim at all. A named scope still yields every consented scope.
    const Tokens olli = signInAs(kOlli, QStringLiteral("openid offline_access api://lab-hr/HR.Read"));
    QVERIFY(olli.ok());
    json o = decodePayload(olli.accessToken);
    QVERIFY(!o.contains("roles"));
    QCOMPARE(qs(o, "scp"), QStringLiteral("HR.Read HR.Write"));
    // No openid: no ID token. No offline_access: no refresh token.
    const Tokens bare = signInAs(kOlli, QStringLiteral("api://lab-hr/HR.Read"));
    QVERIFY(bare.ok());
    QVERIFY(bare.idToken.isEmpty());
    QVERIFY(bare.refreshToken.isEmpty());
}

void TestIdpTokens::pairwiseSubjects()
{
    const Tokens ada1 = signInAs(kAda, kHrScopes);
    const Tokens ada2 = signInAs(kAda, kHrScopes);
    const Tokens olli = signInAs(kOlli, kHrScopes);
    QVERIFY(ada1.ok() && ada2.ok() && olli.ok());
    const QString adaSub = qs(decodePayload(ada1.idToken), "sub");
    QCOMPARE(qs(decodePayload(ada2.idToken), "sub"), adaSub); // stable
    QVERIFY(qs(decodePayload(olli.idToken), "sub") != adaSub); // per user
    QVERIFY(qs(decodePayload(ada1.accessToken), "sub") != adaSub); // per app (resource vs client)
    QCOMPARE(qs(decodePayload(ada1.accessToken), "oid"), qs(decodePayload(ada1.idToken), "oid")); // oid is not pairwise
}

void TestIdpTokens::clientCapabilities()
{
    CodeRequest req;
    req.extra.append(QStringLiteral("claims"), QStringLiteral(R"({"access_token":{"xms_cc":{"values":["cp1"]}}})"));
    const Tokens t = signInAs(kOlli, kHrScopes, req);
    QVERIFY2(t.ok(), t.http.body.constData());
    QCOMPARE(decodePayload(t.accessToken)["xms_cc"], json::array({ "cp1" }));
    // The capability stays with the refresh token.
    const Tokens r = refresh(*m_nam, *m_lab->idp(), kLanyard, t.refreshToken, kDocsDefault);
    QVERIFY(r.ok());
    QCOMPARE(decodePayload(r.accessToken)["xms_cc"], json::array({ "cp1" }));
}

void TestIdpTokens::graphOnlyScopes()
{
    const Tokens t = signInAs(kOlli, QStringLiteral("openid profile offline_access"));
    QVERIFY2(t.ok(), t.http.body.constData());
    json at = decodePayload(t.accessToken);
    QCOMPARE(qs(at, "aud"), QString::fromLatin1(kGraphAppId));
    QVERIFY(qs(at, "scp").contains(QStringLiteral("User.Read")));
    const HttpResult info = get(*m_nam, QUrl(m_lab->idpBaseUrl().toString() + QStringLiteral("/oidc/userinfo")),
        { { "Authorization", "Bearer " + t.accessToken.toUtf8() } });
    QCOMPARE(info.status, 200);
    QCOMPARE(qs(info.object(), "name"), QStringLiteral("Olli User"));
    QCOMPARE(qs(info.object(), "sub"), qs(decodePayload(t.idToken), "sub"));
    // An API token is no Graph token.
    const Tokens hr = signInAs(kOlli, kHrScopes);
    QCOMPARE(get(*m_nam, QUrl(m_lab->idpBaseUrl().toString() + QStringLiteral("/oidc/userinfo")),
                 { { "Authorization", "Bearer " + hr.accessToken.toUtf8() } })
                 .status,
        401);
}

void TestIdpTokens::refreshForAnotherResource()
{
    const Tokens t = signInAs(kAda, kHrScopes);
    QVERIFY(t.ok());
    QSignalSpy issued(m_lab->idp(), &IdentityProvider::tokensIssued);
    const Tokens docs
        = refresh(*m_nam, *m_lab->idp(), kLanyard, t.refreshToken, QStringLiteral("openid ") + kDocsDefault);
    QVERIFY2(docs.ok(), docs.http.body.constData());
    const auto verified = verify(docs.accessToken, QString::fromLatin1(builtin::kDocsAppId));
    QVERIFY2(verified.ok, qPrintable(verified.message));
    QCOMPARE(qs(verified.claims, "scp"), QStringLiteral("Docs.Read Docs.Write"));
    QCOMPARE(verified.claims["roles"], json::array({ "Docs.Editor" }));
    QVERIFY(!docs.refreshToken.isEmpty());
    QVERIFY(docs.refreshToken != t.refreshToken);
    QVERIFY(!docs.idToken.isEmpty());
    QCOMPARE(issued.size(), 1);
    QCOMPARE(issued.first().at(0).toString(), QStringLiteral("refresh_token"));
    QCOMPARE(issued.first().at(3).toString(), QString::fromLatin1(builtin::kDocsAppId));

    // Without scope, a refresh stays with the resource it was last used for.
    const Tokens same = refresh(*m_nam, *m_lab->idp(), kLanyard, docs.refreshToken, QString());
    QVERIFY(same.ok());
    QCOMPARE(qs(decodePayload(same.accessToken), "aud"), QString::fromLatin1(builtin::kDocsAppId));
    // And to the token service's app, the subject token for RFC 8693.
    const Tokens sts = refresh(*m_nam, *m_lab->idp(), kLanyard, same.refreshToken, m_lab->tokenServiceScope());
    QVERIFY(sts.ok());
    QCOMPARE(qs(decodePayload(sts.accessToken), "aud"), QString::fromLatin1(builtin::kTokenServiceAppId));
    QCOMPARE(qs(decodePayload(sts.accessToken), "scp"), QStringLiteral("user_impersonation"));
    // Two resources in one refresh are refused like on authorize.
    const Tokens two = refresh(*m_nam, *m_lab->idp(), kLanyard, sts.refreshToken,
        QStringLiteral("api://lab-hr/HR.Read api://lab-docs/Docs.Read"));
    QCOMPARE(aadsts(two.body), 700022);
    // Another client may not use it.
    const Tokens other = refresh(*m_nam, *m_lab->idp(), QString::fromLatin1(builtin::kGatewayAppId), sts.refreshToken,
        QString(), FormParams { { QStringLiteral("client_secret"), QString::fromLatin1(builtin::kGatewaySecret) } });
    QCOMPARE(other.http.status, 400);
    QCOMPARE(qs(other.body, "error"), QStringLiteral("invalid_grant"));
}

void TestIdpTokens::refreshTokenRotation()
{
    const int before = m_lab->idp()->activeRefreshTokenCount(kOlli);
    const Tokens t = signInAs(kOlli, kHrScopes);
    QVERIFY(t.ok());
    QCOMPARE(m_lab->idp()->activeRefreshTokenCount(kOlli), before + 1);
    const Tokens second = refresh(*m_nam, *m_lab->idp(), kLanyard, t.refreshToken, QString());
    QVERIFY(second.ok());
    // The used one is refused from now on.
    const Tokens reused = refresh(*m_nam, *m_lab->idp(), kLanyard, t.refreshToken, QString());
    QCOMPARE(reused.http.status, 400);
    QCOMPARE(qs(reused.body, "error"), QStringLiteral("invalid_grant"));
    QCOMPARE(aadsts(reused.body), 70000);
    QVERIFY(reused.accessToken.isEmpty());
    const Tokens third = refresh(*m_nam, *m_lab->idp(), kLanyard, second.refreshToken, QString());
    QVERIFY(third.ok());
    QVERIFY(third.refreshToken != second.refreshToken);
    QCOMPARE(m_lab->idp()->activeRefreshTokenCount(kOlli), before + 1); // each use replaces, never adds
}

void TestIdpTokens::revokeUserSessions()
{
    freshLab(); // counts every refresh token of the user
    const Tokens ada = signInAs(kAda, kHrScopes);
    const Tokens ada2 = signInAs(kAda, kHrScopes);
    const Tokens olli = signInAs(kOlli, kHrScopes);
    QVERIFY(ada.ok() && ada2.ok() && olli.ok());
    QCOMPARE(m_lab->idp()->revokeUserSessions(kAda), 2);
    for (const QString& rt : { ada.refreshToken, ada2.refreshToken }) {
        const Tokens r = refresh(*m_nam, *m_lab->idp(), kLanyard, rt, QString());
        QCOMPARE(r.http.status, 400);
        QCOMPARE(aadsts(r.body), 50173);
    }
    QVERIFY(refresh(*m_nam, *m_lab->idp(), kLanyard, olli.refreshToken, QString()).ok());
    // Signing in again works.
    QVERIFY(signInAs(kAda, kHrScopes).ok());
}

void TestIdpTokens::lifetimes()
{
    changesLab();
    m_lab->idp()->setAccessTokenLifetime(60);
    m_lab->idp()->setIdTokenLifetime(120);
    const Tokens t = signInAs(kOlli, kHrScopes);
    QVERIFY(t.ok());
    QCOMPARE(t.body["expires_in"].get<int>(), 60);
    json at = decodePayload(t.accessToken);
    QCOMPARE(at["exp"].get<qint64>() - at["iat"].get<qint64>(), qint64(60));
    json id = decodePayload(t.idToken);
    QCOMPARE(id["exp"].get<qint64>() - id["iat"].get<qint64>(), qint64(120));

    // A scenario file sets them too.
    json doc = Scenario::builtIn().toJson();
    doc["lifetimes"]["accessTokenSecs"] = 90;
    const auto scenario = Scenario::fromJson(doc);
    QVERIFY(scenario);
    IdentityLab lab(*scenario);
    QVERIFY(lab.start());
    QNetworkAccessManager browser;
    const Tokens fromFile = signIn(browser, *lab.idp(), kOlli, kHrScopes);
    QVERIFY(fromFile.ok());
    QCOMPARE(fromFile.body["expires_in"].get<int>(), 90);
}

void TestIdpTokens::refreshTokenAndCodeExpiry()
{
    ManualClock& clock = m_clock;
    freshLab(&clock);
    m_lab->idp()->setRefreshTokenLifetime(600);
    m_lab->idp()->setCodeLifetime(30);
    const Tokens t = signInAs(kOlli, kHrScopes);
    QVERIFY(t.ok());
    // The token carries the lab clock's time and verifies against it.
    QVERIFY(verify(t.accessToken, QString::fromLatin1(builtin::kHrAppId), &clock).ok);
    clock.advance(3601);
    QCOMPARE(
        verify(t.accessToken, QString::fromLatin1(builtin::kHrAppId), &clock).failure, crypto::VerifyFailure::Expired);
    // Still inside the refresh token's lifetime? No: 3601 s > 600 s of inactivity.
    const Tokens late = refresh(*m_nam, *m_lab->idp(), kLanyard, t.refreshToken, QString());
    QCOMPARE(aadsts(late.body), 700082);

    const Tokens fresh = signInAs(kOlli, kHrScopes);
    clock.advance(599);
    const Tokens inTime = refresh(*m_nam, *m_lab->idp(), kLanyard, fresh.refreshToken, QString());
    QVERIFY(inTime.ok()); // each use starts a new lifetime
    clock.advance(599);
    QVERIFY(refresh(*m_nam, *m_lab->idp(), kLanyard, inTime.refreshToken, QString()).ok());

    // A code redeemed after its lifetime: AADSTS70008.
    CodeRequest req;
    req.scope = kHrScopes;
    QNetworkAccessManager browser;
    const SignInResult r = browse(browser, req.authorizeUrl(*m_lab->idp()), BrowserChoices { kOlli });
    QVERIFY(r.ok);
    clock.advance(31);
    QCOMPARE(aadsts(redeemCode(browser, *m_lab->idp(), req, r.param(QStringLiteral("code"))).body), 70008);
}

void TestIdpTokens::keyRotation()
{
    const Tokens before = signInAs(kOlli, kHrScopes);
    QVERIFY(before.ok());
    const QString oldKid = qs(decodeHeader(before.accessToken), "kid");
    QCOMPARE(oldKid, m_lab->idp()->signingKeys().activeKid());
    m_lab->idp()->rotateSigningKeys();
    const Tokens after = refresh(*m_nam, *m_lab->idp(), kLanyard, before.refreshToken, QString());
    QVERIFY(after.ok());
    const QString newKid = qs(decodeHeader(after.accessToken), "kid");
    QVERIFY(newKid != oldKid);
    QCOMPARE(newKid, m_lab->idp()->signingKeys().activeKid());
    // Both verify while the old key is still published.
    QVERIFY(verify(before.accessToken, QString::fromLatin1(builtin::kHrAppId)).ok);
    QVERIFY(verify(after.accessToken, QString::fromLatin1(builtin::kHrAppId)).ok);
    // Once it is gone, tokens it signed no longer verify.
    m_lab->idp()->signingKeys().dropRetiredKeys();
    QCOMPARE(
        verify(before.accessToken, QString::fromLatin1(builtin::kHrAppId)).failure, crypto::VerifyFailure::UnknownKid);
    QVERIFY(verify(after.accessToken, QString::fromLatin1(builtin::kHrAppId)).ok);
    // The retention time drops retired keys by itself.
    ManualClock& clock = m_clock;
    freshLab(&clock);
    m_lab->idp()->signingKeys().setRetentionSecs(100);
    const QString first = m_lab->idp()->signingKeys().activeKid();
    m_lab->idp()->rotateSigningKeys();
    QVERIFY(m_lab->idp()->signingKeys().publishedKids().contains(first));
    clock.advance(101);
    QVERIFY(!m_lab->idp()->signingKeys().publishedKids().contains(first));
}

void TestIdpTokens::mfaKnob()
{
    changesLab();
    const Tokens t = signInAs(kOlli, kHrScopes);
    QVERIFY(t.ok());
    QVERIFY(m_lab->idp()->setMfaRequired(QStringLiteral("lab-docs"), true));
    const Tokens docs = refresh(*m_nam, *m_lab->idp(), kLanyard, t.refreshToken, kDocsDefault);
    QCOMPARE(docs.http.status, 400);
    QCOMPARE(qs(docs.body, "error"), QStringLiteral("invalid_grant"));
    QCOMPARE(aadsts(docs.body), 50076);
    QVERIFY(qs(docs.body, "error_description").startsWith(QStringLiteral("AADSTS50076: ")));
    // The answer carries the claims challenge to re-authorize with.
    const QString claims = qs(docs.body, "claims");
    QVERIFY(!claims.isEmpty());
    // The refresh token was not spent by the failed attempt: other resources still work.
    const Tokens hr = refresh(*m_nam, *m_lab->idp(), kLanyard, t.refreshToken, QString());
    QVERIFY(hr.ok());

    // Interactive sign-in with the claims: MFA page, then tokens for docs, with the auth context.
    CodeRequest req;
    req.extra.append(QStringLiteral("claims"), claims);
    QNetworkAccessManager browser;
    req.scope = QStringLiteral("openid offline_access ") + kDocsDefault;
    const SignInResult r = browse(browser, req.authorizeUrl(*m_lab->idp()), BrowserChoices { kOlli });
    QVERIFY(r.ok);
    QVERIFY(r.pages.contains(QStringLiteral("mfa")));
    const Tokens stepped = redeemCode(browser, *m_lab->idp(), req, r.param(QStringLiteral("code")));
    QVERIFY2(stepped.ok(), stepped.http.body.constData());
    QCOMPARE(decodePayload(stepped.accessToken)["acrs"], json::array({ "c1" }));
    // The refresh token from an MFA sign-in satisfies the policy later.
    const Tokens again = refresh(*m_nam, *m_lab->idp(), kLanyard, stepped.refreshToken, kDocsDefault);
    QVERIFY(again.ok());
}

void TestIdpTokens::consentKnob()
{
    changesLab();
    const Tokens t = signInAs(kOlli, kHrScopes);
    QVERIFY(t.ok());
    m_lab->idp()->revokeConsent(kOlli, QStringLiteral("lanyard"), QStringLiteral("lab-docs"));
    const Tokens docs = refresh(*m_nam, *m_lab->idp(), kLanyard, t.refreshToken, kDocsDefault);
    QCOMPARE(docs.http.status, 400);
    QCOMPARE(qs(docs.body, "error"), QStringLiteral("invalid_grant"));
    QCOMPARE(aadsts(docs.body), 65001);
    // Chris consented to HR only (on the consent page): a refresh for docs needs consent first.
    const Tokens chris = signInAs(kChris, kHrScopes);
    QVERIFY2(chris.ok(), chris.http.body.constData());
    QCOMPARE(
        aadsts(refresh(*m_nam, *m_lab->idp(), kLanyard, chris.refreshToken, QStringLiteral("api://lab-docs/Docs.Read"))
                   .body),
        65001);
    // Granting consent (the knob) fixes it.
    m_lab->idp()->grantConsent(
        kChris, QStringLiteral("lanyard"), QStringLiteral("lab-docs"), { QStringLiteral("Docs.Read") });
    const Tokens granted
        = refresh(*m_nam, *m_lab->idp(), kLanyard, chris.refreshToken, QStringLiteral("api://lab-docs/Docs.Read"));
    QVERIFY(granted.ok());
    QCOMPARE(qs(decodePayload(granted.accessToken), "scp"), QStringLiteral("Docs.Read"));
}

void TestIdpTokens::onBehalfOf()
{
    // Ada calls the gateway API through Lanyard; the gateway calls HR on her behalf.
    const Tokens gatewayToken = signInAs(kAda, QStringLiteral("openid offline_access api://lab-gateway/Gateway.Use"));
    QVERIFY2(gatewayToken.ok(), gatewayToken.http.body.constData());
    QCOMPARE(qs(decodePayload(gatewayToken.accessToken), "aud"), QString::fromLatin1(builtin::kGatewayAppId));
    const FormParams obo { { QStringLiteral("grant_type"),
                               QStringLiteral("urn:ietf:params:oauth:grant-type:jwt-bearer") },
        { QStringLiteral("client_id"), QString::fromLatin1(builtin::kGatewayAppId) },
        { QStringLiteral("client_secret"), QString::fromLatin1(builtin::kGatewaySecret) },
        { QStringLiteral("assertion"), gatewayToken.accessToken },
        { QStringLiteral("requested_token_use"), QStringLiteral("on_behalf_of") },
        { QStringLiteral("scope"), QStringLiteral("api://lab-hr/.default offline_access") } };
    const Tokens hr = toTokens(postForm(*m_nam, m_lab->idp()->tokenUrl(), obo));
    QVERIFY2(hr.ok(), hr.http.body.constData());
    const auto verified = verify(hr.accessToken, QString::fromLatin1(builtin::kHrAppId));
    QVERIFY2(verified.ok, qPrintable(verified.message));
    json at = verified.claims;
    QCOMPARE(qs(at, "azp"), QString::fromLatin1(builtin::kGatewayAppId));
    QCOMPARE(qs(at, "azpacr"), QStringLiteral("1"));
    QCOMPARE(qs(at, "oid"), QString::fromLatin1(builtin::kAdaOid));
    QCOMPARE(qs(at, "scp"), QStringLiteral("HR.Read")); // admin consent for the gateway
    QCOMPARE(at["roles"], json::array({ "HR.Admin" }));
    QVERIFY(hr.idToken.isEmpty());
    QVERIFY(!hr.refreshToken.isEmpty());
    // The middle tier refreshes with its secret (Basic this time).
    const QByteArray basic
        = "Basic " + (QByteArray(builtin::kGatewayAppId) + ':' + QByteArray(builtin::kGatewaySecret)).toBase64();
    const HttpResult refreshed = postForm(*m_nam, m_lab->idp()->tokenUrl(),
        FormParams { { QStringLiteral("grant_type"), QStringLiteral("refresh_token") },
            { QStringLiteral("refresh_token"), hr.refreshToken } },
        { { "Authorization", basic } });
    QCOMPARE(refreshed.status, 200);
    // Without a secret the refresh is refused (a confidential client must authenticate).
    QCOMPARE(aadsts(refresh(*m_nam, *m_lab->idp(), QString::fromLatin1(builtin::kGatewayAppId),
                 qs(refreshed.object(), "refresh_token"), QString())
                        .body),
        7000218);
}

void TestIdpTokens::onBehalfOfRejections()
{
    changesLab();
    const Tokens gatewayToken = signInAs(kAda, QStringLiteral("openid api://lab-gateway/Gateway.Use"));
    const Tokens hrToken = signInAs(kAda, kHrScopes);
    QVERIFY(gatewayToken.ok() && hrToken.ok());
    const auto obo = [&](const QString& assertion, const QString& scope, bool withSecret = true) {
        FormParams form { { QStringLiteral("grant_type"),
                              QStringLiteral("urn:ietf:params:oauth:grant-type:jwt-bearer") },
            { QStringLiteral("client_id"), QString::fromLatin1(builtin::kGatewayAppId) },
            { QStringLiteral("assertion"), assertion },
            { QStringLiteral("requested_token_use"), QStringLiteral("on_behalf_of") },
            { QStringLiteral("scope"), scope } };
        if (withSecret)
            form.append(QStringLiteral("client_secret"), QString::fromLatin1(builtin::kGatewaySecret));
        return postForm(*m_nam, m_lab->idp()->tokenUrl(), form);
    };
    // A token meant for another API is no assertion for the gateway.
    HttpResult r = obo(hrToken.accessToken, QStringLiteral("api://lab-hr/.default"));
    QCOMPARE(r.status, 400);
    QCOMPARE(aadsts(r.object()), 50013);
    // Tampered.
    QString tampered = gatewayToken.accessToken;
    tampered[tampered.size() - 5]
        = tampered[tampered.size() - 5] == QLatin1Char('A') ? QLatin1Char('B') : QLatin1Char('A');
    QCOMPARE(aadsts(obo(tampered, QStringLiteral("api://lab-hr/.default")).object()), 50013);
    // Expired (a token that ended an hour ago, signed by the IdP itself).
    json claims = decodePayload(gatewayToken.accessToken);
    claims["exp"] = QDateTime::currentSecsSinceEpoch() - 3600;
    claims["iat"] = QDateTime::currentSecsSinceEpoch() - 7200;
    claims["nbf"] = QDateTime::currentSecsSinceEpoch() - 7200;
    const auto expired = m_lab->idp()->signClaims(claims);
    QVERIFY(expired);
    QCOMPARE(aadsts(obo(QString::fromUtf8(*expired), QStringLiteral("api://lab-hr/.default")).object()), 500133);
    // No secret.
    r = obo(gatewayToken.accessToken, QStringLiteral("api://lab-hr/.default"), false);
    QCOMPARE(r.status, 401);
    QCOMPARE(aadsts(r.object()), 7000218);
    // No scope.
    QCOMPARE(aadsts(obo(gatewayToken.accessToken, QString()).object()), 900144);
    // A scope the gateway has no consent for.
    r = obo(gatewayToken.accessToken, QStringLiteral("api://lab-hr/HR.Write"));
    QCOMPARE(aadsts(r.object()), 65001);
    QCOMPARE(qs(r.object(), "error"), QStringLiteral("invalid_grant"));
    // The MFA policy applies downstream too.
    m_lab->idp()->setMfaRequired(QStringLiteral("lab-hr"), true);
    QCOMPARE(aadsts(obo(gatewayToken.accessToken, QStringLiteral("api://lab-hr/.default")).object()), 50076);
}

QTEST_GUILESS_MAIN(TestIdpTokens)
#include "TestIdpTokens.moc"
