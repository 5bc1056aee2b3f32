// SPDX-License-Identifier: MIT
// AADSTS error codes and OAuth errors turn into plain language that says what to do.
#include "auth/AuthError.h"
#include "auth/TokenEndpoint.h"

#include <QTest>

using namespace lanyard;
using namespace lanyard::auth;

class TestAadsts : public QObject
{
    Q_OBJECT
private slots:
    void explainsCode_data();
    void explainsCode();
    void parsesEntraErrorBody();
    void codeFromDescriptionWhenNoErrorCodes();
    void unknownCodeFallsBackToOAuthError();
    void serverTextOnlyInDetail();
    void redirectErrorFields();
    void classification_data();
    void classification();
    void tokenResponseRefusesHtmlAndGarbage_data();
    void tokenResponseRefusesHtmlAndGarbage();
    void tokenResponseReadsMembers();
};

void TestAadsts::explainsCode_data()
{
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("problemWord"); // a word the explanation must contain
    QTest::addColumn<QString>("actionWord");
    QTest::addColumn<bool>("interactive");
    QTest::newRow("65001 consent") << 65001 << "consent" << "accept" << true;
    QTest::newRow("50076 mfa") << 50076 << "multi-factor" << "MFA" << true;
    QTest::newRow("700016 app not found") << 700016 << "not registered" << "clientId" << false;
    QTest::newRow("7000218 web platform") << 7000218 << "Web" << "Mobile and desktop" << false;
    QTest::newRow("70008 refresh expired") << 70008 << "expired" << "Sign in again" << true;
    QTest::newRow("700082 inactive 90 days") << 700082 << "90 days" << "Sign in again" << true;
    QTest::newRow("501481 pkce") << 501481 << "PKCE" << "again" << true;
    QTest::newRow("54005 code redeemed") << 54005 << "already used" << "again" << true;
    QTest::newRow("900144 missing scope") << 900144 << "missing" << "scopes" << false;
    QTest::newRow("901002 resource") << 901002 << "resource" << "scopes" << false;
    QTest::newRow("700022 one resource") << 700022 << "one resource" << "single resource" << false;
    QTest::newRow("70003 grant type") << 70003 << "grant type" << "token exchange" << false;
}

void TestAadsts::explainsCode()
{
    QFETCH(int, code);
    QFETCH(QString, problemWord);
    QFETCH(QString, actionWord);
    QFETCH(bool, interactive);
    const auto x = explainAadsts(code);
    QVERIFY2(x.has_value(), qPrintable(QString::number(code)));
    QVERIFY2(x->problem.contains(problemWord, Qt::CaseInsensitive), qPrintable(x->problem));
    QVERIFY2(x->action.contains(actionWord, Qt::CaseInsensitive), qPrintable(x->action));
    QCOMPARE(x->needsInteractiveSignIn, interactive);
    QVERIFY(knownAadstsCodes().contains(code));

    // And through the whole path: a JSON error body as Entra sends it.
    const QByteArray body = QStringLiteral(R"({"error":"invalid_grant","error_description":"AADSTS%1: Server words.\r\nTrace ID: 1",)"
                                           R"("error_codes":[%1],"trace_id":"t-1","correlation_id":"c-1"})")
                                .arg(code)
                                .toUtf8();
    const TokenResult r = parseTokenResponse(400, "application/json; charset=utf-8", body, QStringLiteral("Signing in"));
    QVERIFY(!r.ok());
    QCOMPARE(r.error.kind, Error::Kind::Auth);
    QVERIFY2(r.error.message.startsWith(QLatin1String("Signing in failed:")), qPrintable(r.error.message));
    QVERIFY(r.error.message.contains(x->action));
    QVERIFY(r.error.message.contains(QStringLiteral("AADSTS%1").arg(code)));
    QVERIFY(r.oauthError.has_value());
    QCOMPARE(r.oauthError->primaryCode(), code);
    QCOMPARE(meansInteractionRequired(*r.oauthError), interactive);
}

void TestAadsts::parsesEntraErrorBody()
{
    const QByteArray body = R"({"error":"invalid_grant","error_description":"AADSTS50076: Due to a configuration change made by your administrator ...","error_codes":[50076],"timestamp":"2026-11-26 10:00:00Z","trace_id":"abc","correlation_id":"def","suberror":"basic_action","claims":"{\"access_token\":{\"capolids\":{\"essential\":true}}}"})";
    const auto e = parseOAuthError(body);
    QVERIFY(e);
    QCOMPARE(e->error, QStringLiteral("invalid_grant"));
    QCOMPARE(e->aadstsCodes, QList<int>{50076});
    QCOMPARE(e->traceId, QStringLiteral("abc"));
    QCOMPARE(e->correlationId, QStringLiteral("def"));
    QCOMPARE(e->suberror, QStringLiteral("basic_action"));
    QVERIFY(e->claims.contains(QLatin1String("capolids")));
    QVERIFY(meansInteractionRequired(*e));
    QVERIFY(!meansSignInAgain(*e));
}

void TestAadsts::codeFromDescriptionWhenNoErrorCodes()
{
    const auto e = parseOAuthError(R"({"error":"invalid_grant","error_description":"AADSTS70008: The provided authorization code or refresh token has expired"})");
    QVERIFY(e);
    QCOMPARE(e->primaryCode(), 70008);
    QVERIFY(meansSignInAgain(*e));
}

void TestAadsts::unknownCodeFallsBackToOAuthError()
{
    const auto e = parseOAuthError(R"({"error":"invalid_scope","error_description":"AADSTS1234567: something new"})");
    QVERIFY(e);
    const Error err = describeOAuthError(*e, 400, QStringLiteral("Getting a token"));
    QVERIFY2(err.message.contains(QLatin1String("scope")), qPrintable(err.message));
    QVERIFY(err.message.contains(QLatin1String("AADSTS1234567")));
    QVERIFY(!explainAadsts(1234567));
}

void TestAadsts::serverTextOnlyInDetail()
{
    const auto e = parseOAuthError(R"({"error":"invalid_request","error_description":"<b>raw server words</b> eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"})");
    QVERIFY(e);
    const Error err = describeOAuthError(*e, 400, QStringLiteral("Signing in"));
    QVERIFY(!err.message.contains(QLatin1String("raw server words")));
    QVERIFY(err.detail.contains(QLatin1String("raw server words")));
    QVERIFY2(!err.detail.contains(QLatin1String("eyJzdWIiOiJ4In0")), qPrintable(err.detail)); // JWT-shaped text masked
}

void TestAadsts::redirectErrorFields()
{
    const OAuthError e = oauthErrorFromFields(QStringLiteral("consent_required"),
                                              QStringLiteral("AADSTS65001: The user or administrator has not consented"),
                                              QString());
    QCOMPARE(e.primaryCode(), 65001);
    const Error err = describeOAuthError(e, 0, QStringLiteral("Signing in"));
    QVERIFY(err.message.contains(QLatin1String("consent")));
    const OAuthError withCodes = oauthErrorFromFields(QStringLiteral("invalid_request"), QString(), QString(), QStringLiteral("[700016]"));
    QCOMPARE(withCodes.primaryCode(), 700016);
}

void TestAadsts::classification_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("signInAgain");
    QTest::addColumn<bool>("interaction");
    QTest::newRow("revoked") << QByteArray(R"({"error":"invalid_grant","error_codes":[50173]})") << true << true;
    QTest::newRow("expired") << QByteArray(R"({"error":"invalid_grant","error_codes":[700082]})") << true << true;
    QTest::newRow("consent") << QByteArray(R"({"error":"invalid_grant","error_codes":[65001]})") << false << true;
    QTest::newRow("plain invalid_grant") << QByteArray(R"({"error":"invalid_grant"})") << true << false;
    QTest::newRow("interaction_required") << QByteArray(R"({"error":"interaction_required"})") << false << true;
    QTest::newRow("app missing") << QByteArray(R"({"error":"unauthorized_client","error_codes":[700016]})") << false << false;
}

void TestAadsts::classification()
{
    QFETCH(QByteArray, body);
    QFETCH(bool, signInAgain);
    QFETCH(bool, interaction);
    const auto e = parseOAuthError(body);
    QVERIFY(e);
    QCOMPARE(meansSignInAgain(*e), signInAgain);
    QCOMPARE(meansInteractionRequired(*e), interaction);
}

void TestAadsts::tokenResponseRefusesHtmlAndGarbage_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("expect");
    QTest::newRow("html 200") << 200 << QByteArray("text/html") << QByteArray("<html><body>Login portal</body></html>") << "HTML";
    QTest::newRow("html 502") << 502 << QByteArray("text/html") << QByteArray("<html>Bad gateway</html>") << "HTML";
    QTest::newRow("garbage 200") << 200 << QByteArray("application/json") << QByteArray("\x01\x02{{{") << "not JSON";
    QTest::newRow("json array") << 200 << QByteArray("application/json") << QByteArray("[1,2]") << "not JSON";
    QTest::newRow("no access_token") << 200 << QByteArray("application/json") << QByteArray(R"({"token_type":"Bearer"})") << "no access_token";
    QTest::newRow("wrong token type") << 200 << QByteArray("application/json") << QByteArray(R"({"access_token":"x","token_type":"MAC"})") << "MAC";
    QTest::newRow("500 empty") << 500 << QByteArray() << QByteArray() << "HTTP 500";
}

void TestAadsts::tokenResponseRefusesHtmlAndGarbage()
{
    QFETCH(int, status);
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, body);
    QFETCH(QString, expect);
    const TokenResult r = parseTokenResponse(status, contentType, body, QStringLiteral("Signing in"));
    QVERIFY(!r.ok());
    QVERIFY2(r.error.message.contains(expect), qPrintable(r.error.message));
    QVERIFY(!r.error.message.contains(QLatin1String("Login portal")));
}

void TestAadsts::tokenResponseReadsMembers()
{
    const TokenResult r = parseTokenResponse(
        200, "application/json",
        R"({"access_token":"at","refresh_token":"rt","id_token":"it","token_type":"bearer","expires_in":"3599","scope":"a b"})",
        QStringLiteral("x"));
    QVERIFY(r.ok());
    QCOMPARE(r.response->accessToken.reveal(), QByteArray("at"));
    QCOMPARE(r.response->refreshToken.reveal(), QByteArray("rt"));
    QCOMPARE(r.response->idToken.reveal(), QByteArray("it"));
    QCOMPARE(r.response->expiresIn, 3599);
    QVERIFY(r.response->scopeGiven);
    QCOMPARE(r.response->scope, QStringLiteral("a b"));
}

QTEST_GUILESS_MAIN(TestAadsts)
#include "TestAadsts.moc"
