// SPDX-License-Identifier: MIT
// Lanyard's own refresh (Qt 6.4's refreshAccessToken sends a bare client_secret and redirect_uri,
// no scope, and hangs in RefreshingToken on errors): per-resource scope, rotation, one refresh at
// a time, errors reported and the next refresh possible.
#include "AuthTestSupport.h"

#include "auth/CredentialStore.h"
#include "auth/Identity.h"
#include "auth/Lifecycle.h"

#include <QSignalSpy>
#include <QTest>

using namespace lanyard;
using namespace lanyard::auth;
using Script = lanyard::test::FakeHttpServer::Script;

class TestRefresh : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void refreshSendsScopeWithoutSecretOrRedirect();
    void perResourceTokens();
    void rotationAndOneAtATime();
    void failedRefreshIsReportedAndNotStuck();
    void expiredRefreshTokenMeansSignIn();
    void notSignedInNonInteractive();

private:
    TokenPtr entraToken(const QStringList& scopes, Error* error, bool force = false);
    QList<QByteArray> refreshBodies() const;

    std::unique_ptr<authtest::FakeAuthServer> m_as;
    std::unique_ptr<IdentityManager> m_id;
    QNetworkAccessManager m_nam;
    int m_rotation = 0;
    QList<Script> m_refreshAnswers;
};

void TestRefresh::init()
{
    m_as = std::make_unique<authtest::FakeAuthServer>();
    m_as->entraShape = true;
    QVERIFY(m_as->start());
    m_rotation = 0;
    m_refreshAnswers.clear();
    m_as->tokenAnswer = [this](const QByteArray& body) {
        if (m_as->formValue(body, QStringLiteral("grant_type")) == QLatin1String("refresh_token")) {
            if (!m_refreshAnswers.isEmpty())
                return m_refreshAnswers.takeFirst();
            ++m_rotation;
            json j{{"access_token", ss(QStringLiteral("at-for-%1").arg(m_as->formValue(body, QStringLiteral("scope"))))},
                   {"token_type", "Bearer"}, {"expires_in", 3600},
                   {"refresh_token", ss(QStringLiteral("rt-%1").arg(m_rotation))},
                   {"scope", ss(m_as->formValue(body, QStringLiteral("scope")))}};
            return Script::json(dumpJson(j));
        }
        return Script::json(m_as->defaultTokenBody());
    };
    m_id = std::make_unique<IdentityManager>();
    IdentitySettings s;
    s.authority = m_as->authority();
    s.clientId = m_as->clientId;
    s.store = QStringLiteral("memory");
    m_id->configure(s);
    m_id->setStore(new MemoryStore());
    m_id->setBrowserLauncher(authtest::redirectingBrowser(&m_nam, m_as.get()));
    bool done = false;
    Error error;
    m_id->signIn({}, this, [&](const Error& e) {
        error = e;
        done = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(done, 10000);
    QVERIFY2(!error.isError(), qPrintable(error.message));
}

void TestRefresh::cleanup()
{
    m_id.reset();
    m_as.reset();
}

TokenPtr TestRefresh::entraToken(const QStringList& scopes, Error* error, bool force)
{
    TokenPtr token;
    bool done = false;
    IdentityManager::EntraTokenRequest r;
    r.scopes = scopes;
    r.forceRefresh = force;
    r.allowInteractive = false;
    m_id->entraToken(r, this, [&](const TokenPtr& t, const Error& e) {
        token = t;
        *error = e;
        done = true;
    });
    for (int i = 0; i < 200 && !done; ++i)
        QTest::qWait(25);
    return token;
}

QList<QByteArray> TestRefresh::refreshBodies() const
{
    QList<QByteArray> out;
    for (const auto& r : m_as->tokenRequests()) {
        if (m_as->formValue(r.body, QStringLiteral("grant_type")) == QLatin1String("refresh_token"))
            out << r.body;
    }
    return out;
}

void TestRefresh::refreshSendsScopeWithoutSecretOrRedirect()
{
    Error e;
    const TokenPtr t = entraToken({QStringLiteral("api://x/.default")}, &e);
    QVERIFY2(t, qPrintable(e.message));
    const auto bodies = refreshBodies();
    QCOMPARE(bodies.size(), 1);
    QCOMPARE(m_as->formValue(bodies[0], QStringLiteral("scope")), QStringLiteral("openid profile offline_access api://x/.default"));
    QCOMPARE(m_as->formValue(bodies[0], QStringLiteral("refresh_token")), QStringLiteral("refresh-token-value"));
    QCOMPARE(m_as->formValue(bodies[0], QStringLiteral("client_id")), m_as->clientId);
    QVERIFY(!bodies[0].contains("client_secret"));
    QVERIFY(!bodies[0].contains("redirect_uri"));
    QVERIFY(!bodies[0].contains("resource="));
    QCOMPARE(m_id->lifecycle()->countOf(LifecycleEvent::Kind::Refreshed), 1);
}

void TestRefresh::perResourceTokens()
{
    Error e;
    const TokenPtr a = entraToken({QStringLiteral("api://a/.default")}, &e);
    const TokenPtr b = entraToken({QStringLiteral("api://b/Read")}, &e);
    QVERIFY(a && b);
    QVERIFY(a->token != b->token);
    QVERIFY(a->token.revealString().contains(QLatin1String("api://a/.default")));
    QVERIFY(b->token.revealString().contains(QLatin1String("api://b/Read")));
    // Asking again is served from the cache.
    QCOMPARE(entraToken({QStringLiteral("api://a/.default")}, &e).get(), a.get());
    QCOMPARE(refreshBodies().size(), 2);
    // Two resources in one request are refused before anything is sent (AADSTS700022).
    QVERIFY(!entraToken({QStringLiteral("api://a/x"), QStringLiteral("api://b/y")}, &e));
    QVERIFY(e.message.contains(QLatin1String("700022")));
    QCOMPARE(refreshBodies().size(), 2);
}

void TestRefresh::rotationAndOneAtATime()
{
    // Three needs at once for three resources: the refreshes go one after the other, each with
    // the refresh token the previous answer returned.
    int done = 0;
    for (const char* s : {"api://a/.default", "api://b/.default", "api://c/.default"}) {
        IdentityManager::EntraTokenRequest r;
        r.scopes = {QString::fromLatin1(s)};
        r.allowInteractive = false;
        m_id->entraToken(r, this, [&](const TokenPtr& t, const Error&) { done += t ? 1 : 0; });
    }
    QTRY_COMPARE(done, 3);
    const auto bodies = refreshBodies();
    QCOMPARE(bodies.size(), 3);
    QCOMPARE(m_as->formValue(bodies[0], QStringLiteral("refresh_token")), QStringLiteral("refresh-token-value"));
    QCOMPARE(m_as->formValue(bodies[1], QStringLiteral("refresh_token")), QStringLiteral("rt-1"));
    QCOMPARE(m_as->formValue(bodies[2], QStringLiteral("refresh_token")), QStringLiteral("rt-2"));
    QCOMPARE(m_id->account().refreshToken.reveal(), QByteArray("rt-3"));
}

void TestRefresh::failedRefreshIsReportedAndNotStuck()
{
    m_refreshAnswers << Script::response(503, {{"Content-Type", "text/html"}}, "<html>maintenance</html>");
    Error e;
    QVERIFY(!entraToken({QStringLiteral("api://x/.default")}, &e));
    QVERIFY2(e.message.contains(QLatin1String("HTML")), qPrintable(e.message));
    QCOMPARE(m_id->lifecycle()->countOf(LifecycleEvent::Kind::Refreshed), 0);
    // The next refresh happens and works (Qt 6.4's flow would stay in RefreshingToken).
    const TokenPtr t = entraToken({QStringLiteral("api://x/.default")}, &e);
    QVERIFY2(t, qPrintable(e.message));
    QCOMPARE(refreshBodies().size(), 2);
}

void TestRefresh::expiredRefreshTokenMeansSignIn()
{
    m_refreshAnswers << Script::json(
        R"({"error":"invalid_grant","error_description":"AADSTS700082: The refresh token has expired due to inactivity.","error_codes":[700082]})",
        {}, 400);
    Error e;
    QVERIFY(!entraToken({QStringLiteral("api://x/.default")}, &e));
    QVERIFY2(e.message.contains(QLatin1String("90 days")), qPrintable(e.message));
    QCOMPARE(m_id->lifecycle()->countOf(LifecycleEvent::Kind::Expired), 1);
    QVERIFY(m_id->account().refreshToken.isEmpty()); // forgotten: it cannot work again
    QVERIFY(!entraToken({QStringLiteral("api://y/.default")}, &e));
    QVERIFY(e.message.contains(QLatin1String("not signed in")));
    QCOMPARE(refreshBodies().size(), 1);
}

void TestRefresh::notSignedInNonInteractive()
{
    IdentityManager fresh;
    IdentitySettings s = m_id->settings();
    fresh.configure(s);
    fresh.setStore(new MemoryStore());
    fresh.setInteractive(false);
    bool done = false;
    Error error;
    IdentityManager::EntraTokenRequest r;
    r.scopes = {QStringLiteral("api://x/.default")};
    fresh.entraToken(r, this, [&](const TokenPtr&, const Error& e) {
        error = e;
        done = true;
    });
    QTRY_VERIFY(done);
    QVERIFY(error.message.contains(QLatin1String("lanyard-cli login")));
}

QTEST_GUILESS_MAIN(TestRefresh)
#include "TestRefresh.moc"
