// SPDX-License-Identifier: MIT
#include "TestIdpHelpers.h"

#include "LogCapture.h"
#include "idp/IdentityProvider.h"
#include "sts/IdentityLab.h"

#include <QNetworkCookieJar>
#include <QtTest>

using namespace lanyard;
using namespace lanyard::lab;
using namespace labtest;

namespace {

const QString kAda = QStringLiteral("ada@lanyardlab.onmicrosoft.com");
const QString kOlli = QStringLiteral("olli@lanyardlab.onmicrosoft.com");
const QString kChris = QStringLiteral("chris@lanyardlab.onmicrosoft.com");
const QString kHrScopes = QStringLiteral("openid profile offline_access api://lab-hr/.default");

// Entra's error JSON: error, "AADSTSnnnn: " description, error_codes, timestamp, trace_id, correlation_id.
bool hasEntraShape(const json& body, int code, QString* why)
{
    const auto fail = [&](const QString& w) {
        *why = w + QStringLiteral(" in ") + QString::fromUtf8(dumpJson(body));
        return false;
    };
    if (!body.is_object())
        return fail(QStringLiteral("not an object"));
    if (qs(body, "error").isEmpty())
        return fail(QStringLiteral("no error"));
    if (!qs(body, "error_description").startsWith(QStringLiteral("AADSTS%1: ").arg(code)))
        return fail(QStringLiteral("description does not start with AADSTS%1").arg(code));
    if (aadsts(body) != code)
        return fail(QStringLiteral("error_codes is not [%1]").arg(code));
    static const QRegularExpression ts(QStringLiteral("^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}Z$"));
    if (!ts.match(qs(body, "timestamp")).hasMatch())
        return fail(QStringLiteral("bad timestamp"));
    if (QUuid::fromString(qs(body, "trace_id")).isNull() || QUuid::fromString(qs(body, "correlation_id")).isNull())
        return fail(QStringLiteral("trace_id / correlation_id are not GUIDs"));
    return true;
}

} // namespace

class TestIdpAuthorize : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void signInPageIsARealForm();
    void signInRedeemAndRoundTrip();
    void tenantForms_data();
    void tenantForms();
    void hostileStateIsEscapedAndReturned();
    void redirectPath_data();
    void redirectPath();
    void pageErrors_data();
    void pageErrors();
    void redirectErrors_data();
    void redirectErrors();
    void defaultWithoutConfiguredPermissions();
    void wrongVerifier();
    void codeReuse();
    void codeForAnotherRedirectOrClient();
    void unsupportedGrants_data();
    void unsupportedGrants();
    void tokenEndpointRejections_data();
    void tokenEndpointRejections();
    void webPlatformNeedsSecret();
    void consentPage();
    void consentDeclined();
    void mfaStep();
    void promptNone();
    void responseModes();
    void logoutEndsSession();
    void malformedRequestsNeverCrash();
    void logsCarryNoSecrets();

private:
    SignInResult authorize(const CodeRequest& req, const QString& username = kAda, QNetworkAccessManager* nam = nullptr)
    {
        return browse(nam ? *nam : *m_nam, req.authorizeUrl(*m_lab->idp()), BrowserChoices { username });
    }

    // Tests that change the directory or policies call this first: the next test gets a new lab.
    // (Key generation makes a lab cost a few hundred milliseconds; the other tests share one.)
    void changesLab() { m_dirty = true; }

    std::unique_ptr<IdentityLab> m_lab;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    bool m_dirty = true;
};

void TestIdpAuthorize::init()
{
    if (m_dirty || !m_lab) {
        m_nam.reset();
        m_lab = std::make_unique<IdentityLab>();
        QString error;
        QVERIFY2(m_lab->start(0, 0, &error), qPrintable(error));
        m_dirty = false;
    }
    m_nam = std::make_unique<QNetworkAccessManager>(); // a fresh browser: no cookies
}

void TestIdpAuthorize::cleanup()
{
    m_nam.reset();
}

void TestIdpAuthorize::signInPageIsARealForm()
{
    CodeRequest req;
    req.scope = kHrScopes;
    const HttpResult page = get(*m_nam, req.authorizeUrl(*m_lab->idp()));
    QCOMPARE(page.status, 200);
    QVERIFY(page.header("Content-Type").startsWith("text/html"));
    QCOMPARE(page.header("Cache-Control"), QByteArray("no-store"));
    QVERIFY(page.body.startsWith("<!DOCTYPE html>"));
    const auto form = parseForm(page.body);
    QVERIFY(form);
    QCOMPARE(form->id, QStringLiteral("signin"));
    QCOMPARE(form->method, QStringLiteral("post"));
    QCOMPARE(page.url.resolved(QUrl(form->action)).path(), m_lab->idp()->authorizeUrl().path());
    // The request travels in hidden fields, exactly as sent.
    QCOMPARE(form->hidden.value(QStringLiteral("client_id")), req.clientId);
    QCOMPARE(form->hidden.value(QStringLiteral("state")), req.state);
    QCOMPARE(form->hidden.value(QStringLiteral("scope")), kHrScopes);
    QCOMPARE(form->hidden.value(QStringLiteral("redirect_uri")), req.redirectUri);
    // One button per lab user.
    QStringList users;
    for (const auto& b : form->buttons.items()) {
        QCOMPARE(b.first, QStringLiteral("lab_login"));
        users.append(b.second);
    }
    QCOMPARE(users.size(), 3);
    QVERIFY(users.contains(kAda) && users.contains(kOlli) && users.contains(kChris));
    QVERIFY(page.body.contains("Ada Admin"));

    // login_hint puts that account first.
    req.extra.append(QStringLiteral("login_hint"), kOlli);
    const auto hinted = parseForm(get(*m_nam, req.authorizeUrl(*m_lab->idp())).body);
    QVERIFY(hinted);
    QCOMPARE(hinted->buttons.items().first().second, kOlli);
}

void TestIdpAuthorize::signInRedeemAndRoundTrip()
{
    CodeRequest req;
    req.scope = kHrScopes;
    req.state = QStringLiteral("st&te=1+2 %/?");
    const SignInResult r = authorize(req);
    QVERIFY2(r.ok, qPrintable(r.failure));
    QCOMPARE(r.pages, QStringList { QStringLiteral("signin") });
    const QUrl back = r.redirect;
    QCOMPARE(back.scheme(), QStringLiteral("http"));
    QCOMPARE(back.host(), QStringLiteral("127.0.0.1"));
    QCOMPARE(back.port(), 43117);
    QCOMPARE(back.path(), QStringLiteral("/callback"));
    QCOMPARE(r.param(QStringLiteral("state")), req.state);
    const QString code = r.param(QStringLiteral("code"));
    QVERIFY(code.size() >= 43);
    QVERIFY(!r.param(QStringLiteral("session_state")).isEmpty());
    QVERIFY(!r.last.header("Set-Cookie").isEmpty()); // SSO session

    const Tokens t = redeemCode(*m_nam, *m_lab->idp(), req, code);
    QVERIFY2(t.ok(), t.http.body.constData());
    QCOMPARE(t.http.header("Cache-Control"), QByteArray("no-store"));
    QCOMPARE(qs(t.body, "token_type"), QStringLiteral("Bearer"));
    QVERIFY(!t.idToken.isEmpty());
    QVERIFY(!t.refreshToken.isEmpty());
    const json id = decodePayload(t.idToken);
    QCOMPARE(qs(id, "nonce"), req.nonce);
    QCOMPARE(qs(id, "aud"), req.clientId);
    QCOMPARE(qs(id, "preferred_username"), kAda);
}

void TestIdpAuthorize::tenantForms_data()
{
    QTest::addColumn<QString>("tenant");
    QTest::newRow("guid") << QString();
    QTest::newRow("organizations") << QStringLiteral("organizations");
    QTest::newRow("common") << QStringLiteral("common");
}

void TestIdpAuthorize::tenantForms()
{
    QFETCH(QString, tenant);
    CodeRequest req;
    req.scope = kHrScopes;
    req.tenant = tenant;
    const SignInResult r = authorize(req, kOlli);
    QVERIFY2(r.ok, qPrintable(r.failure));
    const Tokens t = redeemCode(*m_nam, *m_lab->idp(), req, r.param(QStringLiteral("code")));
    QVERIFY2(t.ok(), t.http.body.constData());
    const json at = decodePayload(t.accessToken);
    // Tokens carry the real tenant, whatever tenant form the client used.
    QCOMPARE(qs(at, "tid"), m_lab->tenantId());
    QCOMPARE(qs(at, "iss"), m_lab->idpIssuer());
}

void TestIdpAuthorize::hostileStateIsEscapedAndReturned()
{
    CodeRequest req;
    req.scope = kHrScopes;
    req.state = QStringLiteral("\"><script>alert('x')</script>&amp;");
    req.extra.append(QStringLiteral("login_hint"), QStringLiteral("<b>evil</b>"));
    const HttpResult page = get(*m_nam, req.authorizeUrl(*m_lab->idp()));
    QCOMPARE(page.status, 200);
    QVERIFY(!page.body.contains("<script>alert"));
    QVERIFY(!page.body.contains("<b>evil</b>"));
    QVERIFY(page.body.contains("&lt;script&gt;"));
    const SignInResult r = authorize(req);
    QVERIFY2(r.ok, qPrintable(r.failure));
    QCOMPARE(r.param(QStringLiteral("state")), req.state);
}

void TestIdpAuthorize::redirectPath_data()
{
    QTest::addColumn<QString>("redirectUri");
    QTest::addColumn<bool>("accepted");
    QTest::newRow("127.0.0.1 other port") << QStringLiteral("http://127.0.0.1:5999/callback") << true;
    QTest::newRow("127.0.0.1 no port") << QStringLiteral("http://127.0.0.1/callback") << true;
    QTest::newRow("localhost any port") << QStringLiteral("http://localhost:61234/callback") << true;
    QTest::newRow("localhost root") << QStringLiteral("http://localhost:61234/") << true;
    QTest::newRow("wrong path") << QStringLiteral("http://127.0.0.1:5999/other") << false;
    QTest::newRow("path prefix") << QStringLiteral("http://127.0.0.1:5999/callback/x") << false;
    QTest::newRow("other loopback address") << QStringLiteral("http://127.0.0.2:5999/callback") << false;
    QTest::newRow("https") << QStringLiteral("https://127.0.0.1:5999/callback") << false;
    QTest::newRow("remote host") << QStringLiteral("http://attacker.example/callback") << false;
    QTest::newRow("with query") << QStringLiteral("http://127.0.0.1:5999/callback?x=1") << false;
    QTest::newRow("with fragment") << QStringLiteral("http://127.0.0.1:5999/callback#x") << false;
    QTest::newRow("user info") << QStringLiteral("http://a@127.0.0.1:5999/callback") << false;
    QTest::newRow("not a URL") << QStringLiteral("::::") << false;
}

void TestIdpAuthorize::redirectPath()
{
    QFETCH(QString, redirectUri);
    QFETCH(bool, accepted);
    CodeRequest req;
    req.scope = kHrScopes;
    req.redirectUri = redirectUri;
    const HttpResult page = get(*m_nam, req.authorizeUrl(*m_lab->idp()));
    if (accepted) {
        QCOMPARE(page.status, 200);
        const SignInResult r = authorize(req);
        QVERIFY2(r.ok, qPrintable(r.failure));
        QVERIFY(r.redirect.toString().startsWith(redirectUri));
        const Tokens t = redeemCode(*m_nam, *m_lab->idp(), req, r.param(QStringLiteral("code")));
        QVERIFY2(t.ok(), t.http.body.constData());
    } else {
        // Never a redirect to an unregistered URI: an error page instead.
        QCOMPARE(page.status, 400);
        QVERIFY(page.header("Location").isEmpty());
        QVERIFY(page.body.contains("AADSTS50011: "));
        QVERIFY(!parseForm(page.body));
    }
}

void TestIdpAuthorize::pageErrors_data()
{
    QTest::addColumn<QString>("clientId");
    QTest::addColumn<QString>("tenant");
    QTest::addColumn<int>("code");
    QTest::newRow("unknown client") << QStringLiteral("11111111-2222-3333-4444-555555555555") << QString() << 700016;
    QTest::newRow("API without platform") << QString::fromLatin1(builtin::kHrAppId) << QString() << 700016;
    QTest::newRow("missing client_id") << QString() << QString() << 900144;
    QTest::newRow("unknown tenant") << QString::fromLatin1(builtin::kLanyardClientId) << QStringLiteral("contoso.com")
                                    << 90002;
}

void TestIdpAuthorize::pageErrors()
{
    QFETCH(QString, clientId);
    QFETCH(QString, tenant);
    QFETCH(int, code);
    CodeRequest req;
    req.scope = kHrScopes;
    req.clientId = clientId;
    req.tenant = tenant;
    QSignalSpy errors(m_lab->idp(), &IdentityProvider::errorReturned);
    const HttpResult page = get(*m_nam, req.authorizeUrl(*m_lab->idp()));
    QCOMPARE(page.status, 400);
    QVERIFY(page.header("Location").isEmpty());
    QVERIFY(page.header("Content-Type").startsWith("text/html"));
    QVERIFY2(page.body.contains(QStringLiteral("AADSTS%1: ").arg(code).toUtf8()), page.body.constData());
    QVERIFY(page.body.contains("Trace ID"));
    QCOMPARE(errors.size(), 1);
    QCOMPARE(errors.first().at(1).toInt(), code);
}

void TestIdpAuthorize::redirectErrors_data()
{
    QTest::addColumn<QString>("scope");
    QTest::addColumn<QStringList>("extra"); // name, value, name, value...
    QTest::addColumn<QStringList>("drop"); // parameters to leave out
    QTest::addColumn<QString>("error");
    QTest::addColumn<int>("code");
    QTest::newRow("resource parameter") << kHrScopes
                                        << QStringList { QStringLiteral("resource"), QStringLiteral("api://lab-hr") }
                                        << QStringList() << QStringLiteral("invalid_request") << 901002;
    QTest::newRow("no scope") << QString() << QStringList() << QStringList() << QStringLiteral("invalid_request")
                              << 900144;
    QTest::newRow("two resources") << QStringLiteral("openid api://lab-hr/HR.Read api://lab-docs/Docs.Read")
                                   << QStringList() << QStringList() << QStringLiteral("invalid_scope") << 700022;
    QTest::newRow("graph and an API") << QStringLiteral("User.Read api://lab-hr/HR.Read") << QStringList()
                                      << QStringList() << QStringLiteral("invalid_scope") << 700022;
    QTest::newRow("unknown scope") << QStringLiteral("openid api://lab-hr/HR.Delete") << QStringList() << QStringList()
                                   << QStringLiteral("invalid_scope") << 70011;
    QTest::newRow("unknown resource") << QStringLiteral("openid api://nowhere/x") << QStringList() << QStringList()
                                      << QStringLiteral("invalid_resource") << 500011;
    QTest::newRow("plain PKCE") << kHrScopes
                                << QStringList { QStringLiteral("code_challenge_method"), QStringLiteral("plain") }
                                << QStringList { QStringLiteral("code_challenge_method") }
                                << QStringLiteral("invalid_request") << 9002325;
    QTest::newRow("PKCE method missing") << kHrScopes << QStringList()
                                         << QStringList { QStringLiteral("code_challenge_method") }
                                         << QStringLiteral("invalid_request") << 9002325;
    QTest::newRow("no PKCE") << kHrScopes << QStringList()
                             << QStringList { QStringLiteral("code_challenge"),
                                    QStringLiteral("code_challenge_method") }
                             << QStringLiteral("invalid_request") << 9002325;
    QTest::newRow("short challenge") << kHrScopes
                                     << QStringList { QStringLiteral("code_challenge"), QStringLiteral("abc") }
                                     << QStringList { QStringLiteral("code_challenge") }
                                     << QStringLiteral("invalid_request") << 501491;
    QTest::newRow("implicit") << kHrScopes
                              << QStringList { QStringLiteral("response_type"), QStringLiteral("id_token") }
                              << QStringList { QStringLiteral("response_type") }
                              << QStringLiteral("unsupported_response_type") << 700054;
    QTest::newRow("no response_type") << kHrScopes << QStringList() << QStringList { QStringLiteral("response_type") }
                                      << QStringLiteral("invalid_request") << 900144;
    QTest::newRow("bad prompt") << kHrScopes << QStringList { QStringLiteral("prompt"), QStringLiteral("always") }
                                << QStringList() << QStringLiteral("invalid_request") << 90023;
    QTest::newRow("claims not JSON") << kHrScopes << QStringList { QStringLiteral("claims"), QStringLiteral("{nope") }
                                     << QStringList() << QStringLiteral("invalid_request") << 9002313;
}

void TestIdpAuthorize::redirectErrors()
{
    QFETCH(QString, scope);
    QFETCH(QStringList, extra);
    QFETCH(QStringList, drop);
    QFETCH(QString, error);
    QFETCH(int, code);
    CodeRequest req;
    req.scope = scope;
    QUrl url = req.authorizeUrl(*m_lab->idp());
    FormParams params = FormParams::parse(url.query(QUrl::FullyEncoded).toUtf8());
    FormParams kept;
    for (const auto& p : params.items()) {
        if (!drop.contains(p.first) && !(p.first == QLatin1String("scope") && scope.isEmpty()))
            kept.append(p.first, p.second);
    }
    for (qsizetype i = 0; i + 1 < extra.size(); i += 2)
        kept.append(extra[i], extra[i + 1]);
    url.setQuery(kept.encode(), QUrl::StrictMode);
    const HttpResult r = get(*m_nam, url);
    QCOMPARE(r.status, 302);
    const QUrl back = r.location();
    QCOMPARE(back.path(), QStringLiteral("/callback"));
    const QUrlQuery q(back.query(QUrl::FullyEncoded));
    const auto value = [&](const QString& name) {
        return QUrl::fromPercentEncoding(q.queryItemValue(name, QUrl::FullyEncoded).toUtf8().replace('+', ' '));
    };
    QCOMPARE(value(QStringLiteral("error")), error);
    QVERIFY2(value(QStringLiteral("error_description")).startsWith(QStringLiteral("AADSTS%1: ").arg(code)),
        qPrintable(value(QStringLiteral("error_description"))));
    QVERIFY(value(QStringLiteral("error_description")).contains(QStringLiteral("Trace ID: ")));
    QCOMPARE(value(QStringLiteral("state")), req.state);
    QVERIFY(!q.hasQueryItem(QStringLiteral("code")));
}

void TestIdpAuthorize::defaultWithoutConfiguredPermissions()
{
    changesLab();
    m_lab->scenario().findApp(QStringLiteral("lanyard"))->requiredResourceAccess.remove(QStringLiteral("lab-docs"));
    CodeRequest req;
    req.scope = QStringLiteral("openid api://lab-docs/.default");
    const HttpResult r = get(*m_nam, req.authorizeUrl(*m_lab->idp()));
    QCOMPARE(r.status, 302);
    const QString query = r.location().query(QUrl::FullyDecoded);
    QVERIFY2(query.contains(QStringLiteral("error=invalid_client")) && query.contains(QStringLiteral("AADSTS650057: ")),
        qPrintable(query));
    // Named scopes still work (incremental consent).
    req.scope = QStringLiteral("openid api://lab-docs/Docs.Read");
    QCOMPARE(get(*m_nam, req.authorizeUrl(*m_lab->idp())).status, 200);
}

void TestIdpAuthorize::wrongVerifier()
{
    CodeRequest req;
    req.scope = kHrScopes;
    const SignInResult r = authorize(req);
    QVERIFY(r.ok);
    CodeRequest wrong = req;
    wrong.verifier = crypto::pkce::verifier();
    const Tokens t = redeemCode(*m_nam, *m_lab->idp(), wrong, r.param(QStringLiteral("code")));
    QCOMPARE(t.http.status, 400);
    QString why;
    QVERIFY2(hasEntraShape(t.body, 501481, &why), qPrintable(why));
    QCOMPARE(qs(t.body, "error"), QStringLiteral("invalid_grant"));
    // The code is spent: no second guess.
    QCOMPARE(aadsts(redeemCode(*m_nam, *m_lab->idp(), req, r.param(QStringLiteral("code"))).body), 54005);

    // A missing verifier is refused too.
    const SignInResult again = authorize(req);
    FormParams noVerifier { { QStringLiteral("grant_type"), QStringLiteral("authorization_code") },
        { QStringLiteral("client_id"), req.clientId }, { QStringLiteral("code"), again.param(QStringLiteral("code")) },
        { QStringLiteral("redirect_uri"), req.redirectUri } };
    const HttpResult missing = postForm(*m_nam, m_lab->idp()->tokenUrl(), noVerifier);
    QCOMPARE(missing.status, 400);
    QCOMPARE(aadsts(missing.object()), 900144);
}

void TestIdpAuthorize::codeReuse()
{
    CodeRequest req;
    req.scope = kHrScopes;
    const SignInResult r = authorize(req);
    QVERIFY(r.ok);
    const QString code = r.param(QStringLiteral("code"));
    QVERIFY(redeemCode(*m_nam, *m_lab->idp(), req, code).ok());
    const Tokens second = redeemCode(*m_nam, *m_lab->idp(), req, code);
    QCOMPARE(second.http.status, 400);
    QString why;
    QVERIFY2(hasEntraShape(second.body, 54005, &why), qPrintable(why));
    QCOMPARE(qs(second.body, "error"), QStringLiteral("invalid_grant"));
    QVERIFY(second.accessToken.isEmpty());
}

void TestIdpAuthorize::codeForAnotherRedirectOrClient()
{
    CodeRequest req;
    req.scope = kHrScopes;
    const SignInResult r = authorize(req);
    CodeRequest otherRedirect = req;
    otherRedirect.redirectUri = QStringLiteral("http://127.0.0.1:9/callback");
    const Tokens t = redeemCode(*m_nam, *m_lab->idp(), otherRedirect, r.param(QStringLiteral("code")));
    QCOMPARE(t.http.status, 400);
    QCOMPARE(aadsts(t.body), 50011);

    const SignInResult r2 = authorize(req);
    FormParams form { { QStringLiteral("grant_type"), QStringLiteral("authorization_code") },
        { QStringLiteral("client_id"), QString::fromLatin1(builtin::kGatewayAppId) },
        { QStringLiteral("client_secret"), QString::fromLatin1(builtin::kGatewaySecret) },
        { QStringLiteral("code"), r2.param(QStringLiteral("code")) },
        { QStringLiteral("redirect_uri"), req.redirectUri }, { QStringLiteral("code_verifier"), req.verifier } };
    const HttpResult stolen = postForm(*m_nam, m_lab->idp()->tokenUrl(), form);
    QCOMPARE(stolen.status, 400);
    QCOMPARE(qs(stolen.object(), "error"), QStringLiteral("invalid_grant"));
    // The rightful client can still use it.
    QVERIFY(redeemCode(*m_nam, *m_lab->idp(), req, r2.param(QStringLiteral("code"))).ok());
}

void TestIdpAuthorize::unsupportedGrants_data()
{
    QTest::addColumn<QString>("grantType");
    QTest::newRow("RFC 8693 token exchange") << QStringLiteral("urn:ietf:params:oauth:grant-type:token-exchange");
    QTest::newRow("client credentials (not in the lab)") << QStringLiteral("client_credentials");
    QTest::newRow("password") << QStringLiteral("password");
    QTest::newRow("nonsense") << QStringLiteral("x");
}

void TestIdpAuthorize::unsupportedGrants()
{
    QFETCH(QString, grantType);
    const HttpResult r = postForm(*m_nam, m_lab->idp()->tokenUrl(),
        FormParams { { QStringLiteral("grant_type"), grantType },
            { QStringLiteral("client_id"), QString::fromLatin1(builtin::kLanyardClientId) },
            { QStringLiteral("subject_token"), QStringLiteral("x") } });
    QCOMPARE(r.status, 400);
    QString why;
    QVERIFY2(hasEntraShape(r.object(), 70003, &why), qPrintable(why));
    QCOMPARE(qs(r.object(), "error"), QStringLiteral("unsupported_grant_type"));
}

void TestIdpAuthorize::tokenEndpointRejections_data()
{
    QTest::addColumn<QStringList>("form");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("error");
    QTest::addColumn<int>("code");
    const QString lanyard = QString::fromLatin1(builtin::kLanyardClientId);
    QTest::newRow("unknown client") << QStringList { QStringLiteral("grant_type"), QStringLiteral("refresh_token"),
        QStringLiteral("client_id"), QStringLiteral("11111111-2222-3333-4444-555555555555"),
        QStringLiteral("refresh_token"), QStringLiteral("x") }
                                    << 400 << QStringLiteral("unauthorized_client") << 700016;
    QTest::newRow("resource parameter") << QStringList { QStringLiteral("grant_type"), QStringLiteral("refresh_token"),
        QStringLiteral("client_id"), lanyard, QStringLiteral("refresh_token"), QStringLiteral("x"),
        QStringLiteral("resource"), QStringLiteral("api://lab-hr") }
                                        << 400 << QStringLiteral("invalid_request") << 901002;
    QTest::newRow("public client sends a secret") << QStringList { QStringLiteral("grant_type"),
        QStringLiteral("refresh_token"), QStringLiteral("client_id"), lanyard, QStringLiteral("client_secret"),
        QStringLiteral("s"), QStringLiteral("refresh_token"), QStringLiteral("x") }
                                                  << 401 << QStringLiteral("invalid_client") << 700025;
    QTest::newRow("wrong secret") << QStringList { QStringLiteral("grant_type"), QStringLiteral("refresh_token"),
        QStringLiteral("client_id"), QString::fromLatin1(builtin::kGatewayAppId), QStringLiteral("client_secret"),
        QStringLiteral("guess"), QStringLiteral("refresh_token"), QStringLiteral("x") }
                                  << 401 << QStringLiteral("invalid_client") << 7000215;
    QTest::newRow("no grant_type") << QStringList { QStringLiteral("client_id"), lanyard } << 400
                                   << QStringLiteral("invalid_request") << 900144;
    QTest::newRow("no client_id") << QStringList { QStringLiteral("grant_type"), QStringLiteral("refresh_token"),
        QStringLiteral("refresh_token"), QStringLiteral("x") }
                                  << 400 << QStringLiteral("invalid_request") << 900144;
    QTest::newRow("no code") << QStringList { QStringLiteral("grant_type"), QStringLiteral("authorization_code"),
        QStringLiteral("client_id"), lanyard, QStringLiteral("redirect_uri"),
        QStringLiteral("http://127.0.0.1/callback") }
                             << 400 << QStringLiteral("invalid_request") << 900144;
    QTest::newRow("garbage code") << QStringList { QStringLiteral("grant_type"), QStringLiteral("authorization_code"),
        QStringLiteral("client_id"), lanyard, QStringLiteral("code"), QStringLiteral("nope"),
        QStringLiteral("redirect_uri"), QStringLiteral("http://127.0.0.1/callback") }
                                  << 400 << QStringLiteral("invalid_grant") << 70000;
    QTest::newRow("garbage refresh token")
        << QStringList { QStringLiteral("grant_type"), QStringLiteral("refresh_token"), QStringLiteral("client_id"),
               lanyard, QStringLiteral("refresh_token"), QStringLiteral("nope") }
        << 400 << QStringLiteral("invalid_grant") << 70000;
    QTest::newRow("duplicate parameter") << QStringList { QStringLiteral("grant_type"), QStringLiteral("refresh_token"),
        QStringLiteral("grant_type"), QStringLiteral("refresh_token"), QStringLiteral("client_id"), lanyard }
                                         << 400 << QStringLiteral("invalid_request") << 9002313;
    QTest::newRow("OBO without requested_token_use") << QStringList { QStringLiteral("grant_type"),
        QStringLiteral("urn:ietf:params:oauth:grant-type:jwt-bearer"), QStringLiteral("client_id"),
        QString::fromLatin1(builtin::kGatewayAppId), QStringLiteral("client_secret"),
        QString::fromLatin1(builtin::kGatewaySecret), QStringLiteral("assertion"), QStringLiteral("x"),
        QStringLiteral("scope"), QStringLiteral("api://lab-hr/.default") }
                                                     << 400 << QStringLiteral("invalid_request") << 90014;
    QTest::newRow("OBO by a public client") << QStringList { QStringLiteral("grant_type"),
        QStringLiteral("urn:ietf:params:oauth:grant-type:jwt-bearer"), QStringLiteral("client_id"), lanyard,
        QStringLiteral("requested_token_use"), QStringLiteral("on_behalf_of"), QStringLiteral("assertion"),
        QStringLiteral("x"), QStringLiteral("scope"), QStringLiteral("api://lab-hr/.default") }
                                            << 401 << QStringLiteral("invalid_client") << 7000218;
}

void TestIdpAuthorize::tokenEndpointRejections()
{
    QFETCH(QStringList, form);
    QFETCH(int, status);
    QFETCH(QString, error);
    QFETCH(int, code);
    FormParams params;
    for (qsizetype i = 0; i + 1 < form.size(); i += 2)
        params.append(form[i], form[i + 1]);
    const HttpResult r = postForm(*m_nam, m_lab->idp()->tokenUrl(), params);
    QCOMPARE(r.status, status);
    QVERIFY(r.header("Content-Type").startsWith("application/json"));
    QString why;
    QVERIFY2(hasEntraShape(r.object(), code, &why), qPrintable(why));
    QCOMPARE(qs(r.object(), "error"), error);
}

void TestIdpAuthorize::webPlatformNeedsSecret()
{
    changesLab();
    CodeRequest req;
    req.clientId = QString::fromLatin1(builtin::kWebMisregisteredAppId);
    req.scope = kHrScopes;
    const SignInResult r = authorize(req);
    QVERIFY2(r.ok, qPrintable(r.failure));
    QVERIFY(r.pages.contains(QStringLiteral("consent"))); // nobody consented to this registration yet
    const Tokens t = redeemCode(*m_nam, *m_lab->idp(), req, r.param(QStringLiteral("code")));
    QCOMPARE(t.http.status, 401);
    QString why;
    QVERIFY2(hasEntraShape(t.body, 7000218, &why), qPrintable(why));
    QCOMPARE(qs(t.body, "error"), QStringLiteral("invalid_client"));
}

void TestIdpAuthorize::consentPage()
{
    changesLab();
    CodeRequest req;
    req.scope = kHrScopes;
    const HttpResult first = get(*m_nam, req.authorizeUrl(*m_lab->idp()));
    const auto signin = parseForm(first.body);
    QVERIFY(signin);
    const HttpResult consent = submit(*m_nam, first.url, *signin, QStringLiteral("lab_login"), kChris);
    QCOMPARE(consent.status, 200);
    const auto form = parseForm(consent.body);
    QVERIFY(form);
    QCOMPARE(form->id, QStringLiteral("consent"));
    QVERIFY(consent.body.contains("api://lab-hr/HR.Read"));
    QVERIFY(consent.body.contains("api://lab-hr/HR.Write"));
    QVERIFY(consent.body.contains("offline_access"));
    QVERIFY(consent.body.contains("Lanyard"));
    QVERIFY(!form->hidden.value(QStringLiteral("lab_flow")).isEmpty());
    const HttpResult done = submit(*m_nam, first.url, *form, QStringLiteral("lab_consent"), QStringLiteral("accept"));
    QCOMPARE(done.status, 302);
    const QUrlQuery q(done.location().query());
    QVERIFY(q.hasQueryItem(QStringLiteral("code")));
    const Tokens t = redeemCode(*m_nam, *m_lab->idp(), req, q.queryItemValue(QStringLiteral("code")));
    QVERIFY2(t.ok(), t.http.body.constData());
    QCOMPARE(qs(decodePayload(t.accessToken), "scp"), QStringLiteral("HR.Read HR.Write"));

    // Consent is remembered: the next sign-in shows no consent page.
    QNetworkAccessManager fresh;
    const SignInResult again = browse(fresh, req.authorizeUrl(*m_lab->idp()), BrowserChoices { kChris });
    QVERIFY(again.ok);
    QCOMPARE(again.pages, QStringList { QStringLiteral("signin") });

    // A replayed consent form (its flow is used up) gets an error page, not a code.
    const HttpResult replay = submit(*m_nam, first.url, *form, QStringLiteral("lab_consent"), QStringLiteral("accept"));
    QCOMPARE(replay.status, 400);
    QVERIFY(replay.header("Location").isEmpty());

    // prompt=consent shows the page even so.
    CodeRequest prompted = req;
    prompted.extra.append(QStringLiteral("prompt"), QStringLiteral("consent"));
    const SignInResult shown = browse(fresh, prompted.authorizeUrl(*m_lab->idp()), BrowserChoices { kChris });
    QVERIFY(shown.ok);
    QVERIFY(shown.pages.contains(QStringLiteral("consent")));
}

void TestIdpAuthorize::consentDeclined()
{
    changesLab();
    CodeRequest req;
    req.scope = kHrScopes;
    BrowserChoices choices { kChris };
    choices.consent = QStringLiteral("decline");
    const SignInResult r = browse(*m_nam, req.authorizeUrl(*m_lab->idp()), choices);
    QVERIFY(r.ok);
    QCOMPARE(r.param(QStringLiteral("error")), QStringLiteral("access_denied"));
    QVERIFY(r.param(QStringLiteral("error_description")).startsWith(QStringLiteral("AADSTS65004: ")));
    QCOMPARE(r.param(QStringLiteral("state")), req.state);
    QVERIFY(r.param(QStringLiteral("code")).isEmpty());
}

void TestIdpAuthorize::mfaStep()
{
    changesLab();
    QVERIFY(m_lab->idp()->setMfaRequired(QStringLiteral("lab-docs"), true));
    CodeRequest req;
    req.scope = QStringLiteral("openid offline_access api://lab-docs/Docs.Read");
    const SignInResult r = authorize(req, kOlli);
    QVERIFY2(r.ok, qPrintable(r.failure));
    QCOMPARE(r.pages, (QStringList { QStringLiteral("signin"), QStringLiteral("mfa") }));
    const Tokens t = redeemCode(*m_nam, *m_lab->idp(), req, r.param(QStringLiteral("code")));
    QVERIFY2(t.ok(), t.http.body.constData());
    QCOMPARE(decodePayload(t.accessToken)["acrs"], json::array({ "c1" }));

    // Denying the MFA prompt ends in access_denied.
    QNetworkAccessManager other;
    BrowserChoices deny { kOlli };
    deny.mfa = QStringLiteral("deny");
    const SignInResult denied = browse(other, req.authorizeUrl(*m_lab->idp()), deny);
    QVERIFY(denied.ok);
    QCOMPARE(denied.param(QStringLiteral("error")), QStringLiteral("access_denied"));
    QVERIFY(denied.param(QStringLiteral("error_description")).startsWith(QStringLiteral("AADSTS500121: ")));

    // A claims request for the auth context asks for MFA too, whatever the policy.
    QVERIFY(m_lab->idp()->setMfaRequired(QStringLiteral("lab-docs"), false));
    CodeRequest claimed = req;
    claimed.extra.append(
        QStringLiteral("claims"), QStringLiteral(R"({"access_token":{"acrs":{"essential":true,"value":"c1"}}})"));
    QNetworkAccessManager third;
    const SignInResult stepUp = browse(third, claimed.authorizeUrl(*m_lab->idp()), BrowserChoices { kOlli });
    QVERIFY(stepUp.ok);
    QVERIFY(stepUp.pages.contains(QStringLiteral("mfa")));
}

void TestIdpAuthorize::promptNone()
{
    changesLab();
    CodeRequest req;
    req.scope = kHrScopes;
    req.extra.append(QStringLiteral("prompt"), QStringLiteral("none"));
    // No session in this browser yet.
    HttpResult r = get(*m_nam, req.authorizeUrl(*m_lab->idp()));
    QCOMPARE(r.status, 302);
    QVERIFY(r.location().query().contains(QStringLiteral("error=login_required")));
    QVERIFY(r.location().query(QUrl::FullyDecoded).contains(QStringLiteral("AADSTS50058: ")));

    // Sign in once: the SSO cookie lets prompt=none succeed silently.
    CodeRequest interactive;
    interactive.scope = kHrScopes;
    QVERIFY(authorize(interactive, kOlli).ok);
    r = get(*m_nam, req.authorizeUrl(*m_lab->idp()));
    QCOMPARE(r.status, 302);
    const QUrlQuery q(r.location().query());
    QVERIFY2(q.hasQueryItem(QStringLiteral("code")), qPrintable(r.location().toString()));
    QVERIFY(redeemCode(*m_nam, *m_lab->idp(), req, q.queryItemValue(QStringLiteral("code"))).ok());

    // A login_hint for somebody else cannot be satisfied silently.
    CodeRequest other = req;
    other.extra.append(QStringLiteral("login_hint"), kAda);
    QVERIFY(
        get(*m_nam, other.authorizeUrl(*m_lab->idp())).location().query().contains(QStringLiteral("login_required")));

    // A scope not consented yet needs interaction: consent_required (AADSTS65001).
    m_lab->idp()->revokeConsent(kOlli, QStringLiteral("lanyard"), QStringLiteral("lab-docs"));
    CodeRequest docs = req;
    docs.scope = QStringLiteral("openid offline_access api://lab-docs/Docs.Read");
    r = get(*m_nam, docs.authorizeUrl(*m_lab->idp()));
    QCOMPARE(r.status, 302);
    QVERIFY(r.location().query().contains(QStringLiteral("error=consent_required")));
    QVERIFY(r.location().query(QUrl::FullyDecoded).contains(QStringLiteral("AADSTS65001: ")));

    // MFA required and not done in this session: interaction_required.
    QVERIFY(m_lab->idp()->setMfaRequired(QStringLiteral("lab-hr"), true));
    r = get(*m_nam, req.authorizeUrl(*m_lab->idp()));
    QVERIFY(r.location().query().contains(QStringLiteral("error=interaction_required")));
}

void TestIdpAuthorize::responseModes()
{
    CodeRequest req;
    req.scope = kHrScopes;
    req.extra.append(QStringLiteral("response_mode"), QStringLiteral("form_post"));
    const HttpResult page = get(*m_nam, req.authorizeUrl(*m_lab->idp()));
    const auto signin = parseForm(page.body);
    QVERIFY(signin);
    const HttpResult posted = submit(*m_nam, page.url, *signin, QStringLiteral("lab_login"), kAda);
    QCOMPARE(posted.status, 200);
    const auto response = parseForm(posted.body);
    QVERIFY(response);
    QCOMPARE(response->id, QStringLiteral("response"));
    QCOMPARE(response->action, req.redirectUri);
    QCOMPARE(response->hidden.value(QStringLiteral("state")), req.state);
    QVERIFY(redeemCode(*m_nam, *m_lab->idp(), req, response->hidden.value(QStringLiteral("code"))).ok());

    CodeRequest fragment;
    fragment.scope = kHrScopes;
    fragment.extra.append(QStringLiteral("response_mode"), QStringLiteral("fragment"));
    const SignInResult r = authorize(fragment);
    QVERIFY(r.ok);
    QVERIFY(r.redirect.hasFragment());
    QVERIFY(!r.redirect.hasQuery());
    QVERIFY(redeemCode(*m_nam, *m_lab->idp(), fragment, r.param(QStringLiteral("code"))).ok());
}

void TestIdpAuthorize::logoutEndsSession()
{
    CodeRequest req;
    req.scope = kHrScopes;
    QVERIFY(authorize(req, kOlli).ok);
    const HttpResult out = get(*m_nam,
        QUrl(m_lab->idp()->logoutUrl().toString()
            + QStringLiteral("?post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A5000%2Fcallback&state=bye")));
    QCOMPARE(out.status, 302);
    QCOMPARE(out.location().toString(), QStringLiteral("http://127.0.0.1:5000/callback?state=bye"));
    CodeRequest silent = req;
    silent.extra.append(QStringLiteral("prompt"), QStringLiteral("none"));
    QVERIFY(
        get(*m_nam, silent.authorizeUrl(*m_lab->idp())).location().query().contains(QStringLiteral("login_required")));
    // An unregistered target gets the signed-out page instead of a redirect.
    const HttpResult page = get(*m_nam,
        QUrl(m_lab->idp()->logoutUrl().toString()
            + QStringLiteral("?post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F")));
    QCOMPARE(page.status, 200);
    QVERIFY(page.header("Location").isEmpty());
}

void TestIdpAuthorize::malformedRequestsNeverCrash()
{
    const QUrl token = m_lab->idp()->tokenUrl();
    const QUrl authorize = m_lab->idp()->authorizeUrl();
    // Token endpoint: always Entra-shaped JSON with 400.
    const QList<QPair<QByteArray, QByteArray>> form { { "Content-Type", "application/x-www-form-urlencoded" } };
    const QList<QByteArray> bodies { QByteArray(), QByteArray("%%%"), QByteArray("=&=&&="),
        QByteArray("grant_type=%ZZ&client_id=%00"), QByteArray(5000, 'a'), QByteArray("\xff\xfe\x00\x01", 4),
        QByteArray("grant_type=authorization_code&client_id=") + QByteArray(builtin::kLanyardClientId)
            + "&code=&redirect_uri=" };
    for (const QByteArray& body : bodies) {
        const HttpResult r = send(*m_nam, "POST", token, body, form);
        QCOMPARE(r.status, 400);
        QVERIFY(aadsts(r.object()) != 0);
        QVERIFY(qs(r.object(), "error_description").startsWith(QStringLiteral("AADSTS")));
    }
    HttpResult r
        = send(*m_nam, "POST", token, "{\"grant_type\":\"refresh_token\"}", { { "Content-Type", "application/json" } });
    QCOMPARE(r.status, 400);
    QCOMPARE(aadsts(r.object()), 9002313);
    r = get(*m_nam, token);
    QCOMPARE(r.status, 400);
    QCOMPARE(aadsts(r.object()), 900561);

    // Authorize: bogus interactive steps and junk never crash and never redirect to a client.
    const QString base = authorize.toString();
    const QList<QByteArray> posts { QByteArray("lab_step=mfa&lab_flow=nope"), QByteArray("lab_step=consent"),
        QByteArray("client_id=") + builtin::kLanyardClientId
            + "&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcallback&lab_step=weird",
        QByteArray("\x01\x02\x03"), QByteArray() };
    for (const QByteArray& body : posts) {
        const HttpResult p = send(*m_nam, "POST", authorize, body, form);
        QVERIFY2(p.status == 400 || p.status == 302, body.constData());
        if (p.status == 302) // only errors to the registered redirect URI
            QVERIFY(p.location().toString().startsWith(QStringLiteral("http://127.0.0.1/callback?error=")));
    }
    QCOMPARE(send(*m_nam, "PUT", authorize, "x", form).status, 405);
    QCOMPARE(get(*m_nam, QUrl(base + QStringLiteral("?client_id=a&client_id=b"))).status, 400);

    // Still serving.
    CodeRequest req;
    req.scope = kHrScopes;
    QVERIFY(signIn(*m_nam, *m_lab->idp(), kAda, kHrScopes).ok());
}

void TestIdpAuthorize::logsCarryNoSecrets()
{
    test::LogCapture logs;
    CodeRequest req;
    req.scope = kHrScopes;
    const SignInResult r = authorize(req);
    QVERIFY(r.ok);
    const QString code = r.param(QStringLiteral("code"));
    const Tokens t = redeemCode(*m_nam, *m_lab->idp(), req, code);
    QVERIFY(t.ok());
    const Tokens refreshed = refresh(*m_nam, *m_lab->idp(), req.clientId, t.refreshToken, QString());
    QVERIFY(refreshed.ok());
    QVERIFY(redeemCode(*m_nam, *m_lab->idp(), req, code).http.status == 400); // an error line too
    QVERIFY(!logs.lines().isEmpty());
    for (const QString& secret : { code, req.verifier, t.accessToken, t.idToken, t.refreshToken, refreshed.refreshToken,
             refreshed.accessToken, req.state, req.nonce }) {
        QVERIFY(!secret.isEmpty());
        QVERIFY2(!logs.contains(secret),
            qPrintable(QStringLiteral("a log line carries a secret of %1 characters").arg(secret.size())));
    }
}

QTEST_GUILESS_MAIN(TestIdpAuthorize)
#include "TestIdpAuthorize.moc"
