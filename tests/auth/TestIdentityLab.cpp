// SPDX-License-Identifier: MIT
// The identity end to end against the identity lab (in-process): browser sign-in through the lab
// IdP's pages, validated identity, token exchange and Entra tokens for the lab's MCP servers,
// refresh at expiry, revocation, step-up, consent and MFA, key rotation, audience checks,
// concurrency, and what happens when things go wrong.
#include "LabFixture.h"
#include "LogCapture.h"

#include "auth/CredentialStore.h"
#include "auth/Identity.h"
#include "auth/KeySets.h"
#include "auth/Lifecycle.h"
#include "auth/Strategies.h"
#include "protocol/McpClient.h"
#include "transport/StreamableHttpTransport.h"

#include <QLoggingCategory>
#include <QSignalSpy>
#include <QTemporaryFile>
#include <QTest>

#include <cstdio>
#include <unistd.h>

using namespace lanyard;
using namespace lanyard::auth;
using namespace lanyard::lab;

namespace {
struct CallOutcome
{
    bool ok = false;
    json result;
    Error error;
};
} // namespace

class TestIdentityLab : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();

    void signInAndWhoami();
    void signInPersistsAcrossManagers();
    void tokenExchangeCallsServer();
    void tokenExchangeDiscoversEndpoint();
    void onBehalfOf();
    void oauthWithEntraAuthorizationServer();
    void entraStrategyCallsServer();
    void refreshAheadOfExpiry();
    void revokedSessionNeedsSignIn();
    void stepUpOnInsufficientScope();
    void consentPage();
    void consentDeclined();
    void mfaRequired();
    void claimsChallenge();
    void keyRotation();
    void wrongAudienceRefused();
    void twoServersConcurrently();
    void serversShareTokenServiceMetadata();
    void discoveryDuringSignIn();
    void discoveryErrorWaitsForTheSignIn();
    void providerGoneMidAcquisitionHandsOver();
    void twoSignInsAtOnce();
    void idpDown();
    void exchangeRefused();
    void userNeverFinishes();
    void signOutForgetsEverything();
    void nothingLeaks();

private:
    IdentitySettings settings() const;
    ServerConfig hrExchange(const json& extra = json::object()) const;
    ServerConfig docsEntra(const json& extra = json::object()) const;
    CallOutcome call(const ServerConfig& server, const QString& tool, const json& args = json::object());
    Error signIn();

    std::unique_ptr<authtest::LabFixture> m_lab;
    std::unique_ptr<authtest::LabBrowser> m_browser;
    std::unique_ptr<IdentityManager> m_id;
};

void TestIdentityLab::init()
{
    m_lab = std::make_unique<authtest::LabFixture>();
    QVERIFY(m_lab->start());
    m_browser = std::make_unique<authtest::LabBrowser>();
    m_id = std::make_unique<IdentityManager>();
    m_id->setClock(&m_lab->clock);
    m_id->configure(settings());
    m_id->setStore(new MemoryStore());
    m_id->setBrowserLauncher(m_browser->launcher());
}

void TestIdentityLab::cleanup()
{
    m_id.reset();
    m_browser.reset();
    m_lab.reset();
}

IdentitySettings TestIdentityLab::settings() const
{
    IdentitySettings s;
    s.authority = m_lab->authority();
    s.clientId = m_lab->clientId();
    s.store = QStringLiteral("memory");
    s.loopback.timeoutMs = 20000;
    return s;
}

ServerConfig TestIdentityLab::hrExchange(const json& extra) const
{
    ServerConfig s;
    s.name = QStringLiteral("hr");
    s.url = m_lab->hr->endpointUrl();
    s.auth.type = QStringLiteral("token-exchange");
    s.auth.raw = json{{"type", "token-exchange"},
                      {"tokenEndpoint", ss(m_lab->lab->tokenServiceTokenUrl().toString())},
                      {"subjectScopes", {ss(m_lab->lab->tokenServiceScope())}},
                      {"scopes", {"HR.Read"}}};
    for (auto it = extra.begin(); it != extra.end(); ++it)
        s.auth.raw[it.key()] = *it;
    return s;
}

ServerConfig TestIdentityLab::docsEntra(const json& extra) const
{
    ServerConfig s;
    s.name = QStringLiteral("docs");
    s.url = m_lab->docs->endpointUrl();
    s.auth.type = QStringLiteral("entra");
    s.auth.raw = json{{"type", "entra"}, {"scopes", {"api://lab-docs/Docs.Read"}}, {"audience", lab::builtin::kDocsAppId}};
    for (auto it = extra.begin(); it != extra.end(); ++it)
        s.auth.raw[it.key()] = *it;
    return s;
}

Error TestIdentityLab::signIn()
{
    QSignalSpy done(m_id.get(), &IdentityManager::signedIn);
    Error result(Error::Kind::Internal, QStringLiteral("no answer"));
    bool finished = false;
    m_id->signIn({}, this, [&](const Error& e) {
        result = e;
        finished = true;
    });
    for (int i = 0; i < 400 && !finished; ++i)
        QTest::qWait(50);
    return result;
}

CallOutcome TestIdentityLab::call(const ServerConfig& server, const QString& tool, const json& args)
{
    CallOutcome out;
    Error error;
    TokenProvider* provider = createTokenProvider(server, m_id.get(), nullptr, &error);
    if (!provider) {
        out.error = error;
        return out;
    }
    auto* transport = new StreamableHttpTransport(server.url);
    provider->setParent(transport);
    transport->setTokenProvider(provider);
    McpClient client(transport, ClientOptions());
    transport->setParent(&client);
    bool finished = false;
    connect(&client, &McpClient::errorOccurred, this, [&](const Error& e) {
        if (!finished && client.state() != McpClient::State::Connected) {
            out.error = e;
            finished = true;
        }
    });
    connect(&client, &McpClient::ready, this, [&] {
        PendingRequest* p = client.callTool(tool, args);
        connect(p, &PendingRequest::finished, this, [&](const json& r) {
            out.ok = !r.value("isError", false);
            out.result = r;
            if (!out.ok)
                out.error = Error(Error::Kind::ToolError, QString::fromUtf8(dumpJson(r)));
            finished = true;
        });
        connect(p, &PendingRequest::failed, this, [&](const Error& e) {
            out.error = e;
            finished = true;
        });
    });
    client.connectToServer();
    for (int i = 0; i < 300 && !finished; ++i)
        QTest::qWait(100);
    if (!finished)
        out.error = Error(Error::Kind::Timeout, QStringLiteral("test: no answer"));
    return out;
}

void TestIdentityLab::signInAndWhoami()
{
    QSignalSpy notices(m_id.get(), &IdentityManager::noticeRaised);
    QSignalSpy started(m_id.get(), &IdentityManager::signInStarted);
    const Error e = signIn();
    QVERIFY2(!e.isError(), qPrintable(e.message + m_browser->failure));
    QCOMPARE(started.count(), 1);
    QCOMPARE(m_browser->pages, QStringList{QStringLiteral("signin")});
    QCOMPARE(m_id->account().username, QStringLiteral("ada@lanyardlab.onmicrosoft.com"));
    // Entra's metadata lists no PKCE methods: assumed S256, and said so.
    QVERIFY(notices.count() >= 1);
    QVERIFY(notices.at(0).at(0).toString().contains(QLatin1String("S256")));
    QCOMPARE(m_id->lifecycle()->countOf(LifecycleEvent::Kind::SignedIn), 1);
    QVERIFY(m_id->lifecycle()->countOf(LifecycleEvent::Kind::Notice) >= 1);
    // No resource parameter went to the IdP.
    QVERIFY(authtest::queryValue(m_browser->authorizationUrls[0], QStringLiteral("resource")).isEmpty());

    json claims;
    Error whoError;
    bool finished = false;
    m_id->whoami(this, [&](const json& c, const Error& err) {
        claims = c;
        whoError = err;
        finished = true;
    });
    QTRY_VERIFY(finished);
    QVERIFY2(!whoError.isError(), qPrintable(whoError.message));
    QCOMPARE(qs(claims, "oid"), QString::fromLatin1(lab::builtin::kAdaOid));
    QCOMPARE(qs(claims, "aud"), m_lab->clientId());

    // Later, the ID token has expired: whoami refreshes and validates the new one.
    m_lab->clock.advance(2 * 3600);
    finished = false;
    m_id->whoami(this, [&](const json& c, const Error& err) {
        claims = c;
        whoError = err;
        finished = true;
    });
    QTRY_VERIFY(finished);
    QVERIFY2(!whoError.isError(), qPrintable(whoError.message));
    QVERIFY(claims.value("iat", qint64(0)) >= m_lab->clock.nowSecs() - 5);
    QCOMPARE(m_browser->opened, 1); // no second browser sign-in
}

void TestIdentityLab::signInPersistsAcrossManagers()
{
    // A file store stands for the keychain here: the next process finds the sign-in.
    QTemporaryDir dir;
    IdentitySettings s = settings();
    s.store = QStringLiteral("file");
    s.storeFile = dir.filePath(QStringLiteral("credentials.json"));
    m_id->configure(s);
    m_id->setStore(new FileStore(s.storeFile));
    QVERIFY(!signIn().isError());
    QFile f(s.storeFile);
    QCOMPARE(f.permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther | QFileDevice::WriteGroup), QFileDevice::Permissions());

    IdentityManager second;
    second.setClock(&m_lab->clock);
    second.configure(s);
    second.setStore(new FileStore(s.storeFile));
    second.setInteractive(false);
    bool finished = false;
    TokenPtr token;
    Error err;
    IdentityManager::EntraTokenRequest r;
    r.scopes = {m_lab->lab->tokenServiceScope()};
    second.entraToken(r, this, [&](const TokenPtr& t, const Error& e) {
        token = t;
        err = e;
        finished = true;
    });
    QTRY_VERIFY(finished);
    QVERIFY2(token, qPrintable(err.message));
    QCOMPARE(second.account().username, QStringLiteral("ada@lanyardlab.onmicrosoft.com"));
    QCOMPARE(m_browser->opened, 1);
}

void TestIdentityLab::tokenExchangeCallsServer()
{
    QSignalSpy exchanged(m_lab->lab->tokenService(), &TokenService::tokenExchanged);
    const CallOutcome r = call(hrExchange(), QStringLiteral("whoami"));
    QVERIFY2(r.ok, qPrintable(r.error.message + m_browser->failure));
    QCOMPARE(m_browser->opened, 1); // signed in on demand
    QCOMPARE(exchanged.count(), 1);
    const json structured = r.result.value("structuredContent", json::object());
    const QString text = QString::fromUtf8(dumpJson(r.result));
    QVERIFY2(text.contains(QString::fromLatin1(lab::builtin::kAdaOid)), qPrintable(text));
    QVERIFY2(text.contains(m_lab->clientId()), qPrintable(text)); // act.client_id: Lanyard acts for Ada
    QCOMPARE(m_id->lifecycle()->countOf(LifecycleEvent::Kind::Exchanged, QStringLiteral("hr")), 1);
    // The chain: the server token knows the Entra token it came from.
    TokenPtr serverToken;
    for (const TokenPtr& t : m_id->cache()->all()) {
        if (t->strategy == QLatin1String("token-exchange"))
            serverToken = t;
    }
    QVERIFY(serverToken);
    QVERIFY(serverToken->subjectToken);
    QCOMPARE(qs(serverToken->claims, "aud"), m_lab->hr->endpointUrl().toString());
    QCOMPARE(qs(serverToken->subjectToken->claims, "aud"), QString::fromLatin1(lab::builtin::kTokenServiceAppId));
}

void TestIdentityLab::tokenExchangeDiscoversEndpoint()
{
    ServerConfig s = hrExchange();
    s.auth.raw.erase("tokenEndpoint");
    const CallOutcome r = call(s, QStringLiteral("whoami"));
    QVERIFY2(r.ok, qPrintable(r.error.message));
    QCOMPARE(m_id->lifecycle()->countOf(LifecycleEvent::Kind::Exchanged, QStringLiteral("hr")), 1);
}

void TestIdentityLab::onBehalfOf()
{
    // Entra's On-Behalf-Of form: the gateway (a confidential client) exchanges the person's token
    // for the gateway for a Docs token.
    qputenv("LANYARD_TEST_GATEWAY_SECRET", lab::builtin::kGatewaySecret);
    ServerConfig s = docsEntra();
    s.auth.type = QStringLiteral("token-exchange");
    s.auth.raw = json{{"type", "token-exchange"},
                      {"grant", "on-behalf-of"},
                      {"tokenEndpoint", ss(m_lab->lab->idp()->tokenUrl().toString())},
                      {"subjectScopes", {"api://lab-gateway/.default"}},
                      {"scopes", {"api://lab-docs/.default"}},
                      {"clientId", lab::builtin::kGatewayAppId},
                      {"clientAuth", "client_secret_post"},
                      {"clientSecretEnv", "LANYARD_TEST_GATEWAY_SECRET"},
                      {"audience", lab::builtin::kDocsAppId}};
    const CallOutcome r = call(s, QStringLiteral("whoami"));
    QVERIFY2(r.ok, qPrintable(r.error.message + m_browser->failure));
    const QString text = QString::fromUtf8(dumpJson(r.result));
    QVERIFY2(text.contains(QString::fromLatin1(lab::builtin::kAdaOid)), qPrintable(text));
    QVERIFY(text.contains(QString::fromLatin1(lab::builtin::kGatewayAppId))); // azp: the gateway acts
    qunsetenv("LANYARD_TEST_GATEWAY_SECRET");
}

void TestIdentityLab::oauthWithEntraAuthorizationServer()
{
    // A server whose protected-resource metadata names the (Entra-like) IdP: the MCP flow from the
    // 401, Entra's discovery form, PKCE assumed (visibly), and no `resource` sent to Entra.
    m_lab->docs->mutableOptions().authorizationServers = {m_lab->lab->authority().toString()};
    m_lab->docs->mutableOptions().scopesSupported = {QStringLiteral("api://lab-docs/Docs.Read")};
    ServerConfig s = docsEntra();
    s.auth.type = QStringLiteral("oauth");
    s.auth.raw = json{{"type", "oauth"}, {"clientId", ss(m_lab->clientId())}, {"audience", lab::builtin::kDocsAppId}};
    QSignalSpy notices(m_id.get(), &IdentityManager::noticeRaised);
    QSignalSpy started(m_id.get(), &IdentityManager::signInStarted);
    const CallOutcome r = call(s, QStringLiteral("whoami"));
    QVERIFY2(r.ok, qPrintable(r.error.message + m_browser->failure));
    QCOMPARE(started.count(), 1); // the UI hears about the browser sign-in
    bool assumed = false;
    for (const auto& n : notices)
        assumed = assumed || n.at(0).toString().contains(QLatin1String("assumed S256"));
    QVERIFY(assumed);
    QCOMPARE(m_browser->authorizationUrls.size(), 1);
    const QUrl url = m_browser->authorizationUrls[0];
    QVERIFY(authtest::queryValue(url, QStringLiteral("resource")).isEmpty());
    QCOMPARE(authtest::queryValue(url, QStringLiteral("code_challenge_method")), QStringLiteral("S256"));
    QVERIFY(authtest::queryValue(url, QStringLiteral("scope")).contains(QLatin1String("api://lab-docs/Docs.Read")));
    QVERIFY(authtest::queryValue(url, QStringLiteral("scope")).contains(QLatin1String("offline_access")));
}

void TestIdentityLab::entraStrategyCallsServer()
{
    const CallOutcome r = call(docsEntra(), QStringLiteral("whoami"));
    QVERIFY2(r.ok, qPrintable(r.error.message + m_browser->failure));
    const QString text = QString::fromUtf8(dumpJson(r.result));
    QVERIFY2(text.contains(QString::fromLatin1(lab::builtin::kAdaOid)), qPrintable(text));
    // The sign-in asked for Docs directly, so no refresh was needed.
    QCOMPARE(m_browser->opened, 1);
    QVERIFY(authtest::queryValue(m_browser->authorizationUrls[0], QStringLiteral("scope")).contains(QLatin1String("api://lab-docs/Docs.Read")));
}

void TestIdentityLab::refreshAheadOfExpiry()
{
    const ServerConfig hr = hrExchange();
    QVERIFY(call(hr, QStringLiteral("whoami")).ok);
    const int refreshes = m_id->lifecycle()->countOf(LifecycleEvent::Kind::Refreshed);
    // 30 s before expiry (lead 60 s): the next call gets new tokens before using them.
    m_lab->clock.advance(3600 - 30);
    const CallOutcome r = call(hr, QStringLiteral("whoami"));
    QVERIFY2(r.ok, qPrintable(r.error.message));
    QVERIFY(m_id->lifecycle()->countOf(LifecycleEvent::Kind::Refreshed) > refreshes);
    QCOMPARE(m_id->lifecycle()->countOf(LifecycleEvent::Kind::Exchanged, QStringLiteral("hr")), 2);
    QVERIFY(m_id->lifecycle()->countOf(LifecycleEvent::Kind::Expired, QStringLiteral("hr")) >= 1);
    QCOMPARE(m_browser->opened, 1);
}

void TestIdentityLab::revokedSessionNeedsSignIn()
{
    QVERIFY(!signIn().isError());
    QVERIFY(m_lab->lab->idp()->revokeUserSessions(QStringLiteral("ada@lanyardlab.onmicrosoft.com")) > 0);
    // Without interaction: a clear error.
    m_id->setInteractive(false);
    CallOutcome r = call(hrExchange(), QStringLiteral("whoami"));
    QVERIFY(!r.ok);
    QVERIFY2(r.error.message.contains(QLatin1String("revoked")), qPrintable(r.error.message));
    QVERIFY(m_id->lifecycle()->countOf(LifecycleEvent::Kind::Revoked) >= 1);
    // With interaction: a new browser sign-in, then it works.
    m_id->setInteractive(true);
    r = call(hrExchange(), QStringLiteral("whoami"));
    QVERIFY2(r.ok, qPrintable(r.error.message));
    QCOMPARE(m_browser->opened, 2);
}

void TestIdentityLab::stepUpOnInsufficientScope()
{
    const CallOutcome r = call(hrExchange(), QStringLiteral("update_salary"),
                               json{{"id", "E1002"}, {"salary", 99000}});
    QVERIFY2(r.ok, qPrintable(r.error.message));
    QCOMPARE(m_id->lifecycle()->countOf(LifecycleEvent::Kind::StepUp, QStringLiteral("hr")), 1);
    QCOMPARE(m_id->lifecycle()->countOf(LifecycleEvent::Kind::Exchanged, QStringLiteral("hr")), 2);
}

void TestIdentityLab::consentPage()
{
    m_browser->username = QStringLiteral("chris@lanyardlab.onmicrosoft.com");
    const CallOutcome r = call(docsEntra(), QStringLiteral("whoami"));
    QVERIFY2(r.ok, qPrintable(r.error.message + m_browser->failure));
    QVERIFY(m_browser->pages.contains(QStringLiteral("consent")));
}

void TestIdentityLab::consentDeclined()
{
    m_browser->username = QStringLiteral("chris@lanyardlab.onmicrosoft.com");
    m_browser->consent = QStringLiteral("decline");
    const CallOutcome r = call(docsEntra(), QStringLiteral("whoami"));
    QVERIFY(!r.ok);
    QVERIFY2(r.error.message.contains(QLatin1String("consent")), qPrintable(r.error.message));
    QCOMPARE(r.error.kind, Error::Kind::Auth);
}

void TestIdentityLab::mfaRequired()
{
    QVERIFY(!signIn().isError()); // plain sign-in, no MFA yet
    QVERIFY(m_lab->lab->idp()->setMfaRequired(QStringLiteral("lab-docs"), true));
    // The refresh for Docs fails with AADSTS50076; without interaction that is the answer.
    m_id->setInteractive(false);
    CallOutcome r = call(docsEntra(), QStringLiteral("whoami"));
    QVERIFY(!r.ok);
    QVERIFY2(r.error.message.contains(QLatin1String("MFA")), qPrintable(r.error.message));
    // Interactively the browser shows the MFA page, and then it works.
    m_id->setInteractive(true);
    r = call(docsEntra(), QStringLiteral("whoami"));
    QVERIFY2(r.ok, qPrintable(r.error.message + m_browser->failure));
    QVERIFY(m_browser->pages.contains(QStringLiteral("mfa")));
}

void TestIdentityLab::claimsChallenge()
{
    // Entra CAE: the server wants an authentication context (acrs c1) the token lacks: 401
    // insufficient_claims with a claims request; Lanyard signs in again with it (MFA), then retries.
    QVERIFY(!signIn().isError());
    auto config = m_lab->lab->entraValidatorConfig(QStringLiteral("lab-docs"), m_lab->docs->resourceMetadataUrl().toString());
    config.clock = &m_lab->clock;
    config.requiredAcrs = QStringLiteral("c1");
    auto* strict = new JwtValidator(config, m_lab->docs.get());
    strict->prefetchKeys();
    QTest::qWait(200);
    m_lab->docs->setAuthHook(authtest::LabFixture::hookFor(strict, nullptr));
    const CallOutcome r = call(docsEntra(), QStringLiteral("whoami"));
    QVERIFY2(r.ok, qPrintable(r.error.message + m_browser->failure));
    QVERIFY(m_browser->pages.contains(QStringLiteral("mfa")));
    QCOMPARE(m_browser->opened, 2);
    const QUrl second = m_browser->authorizationUrls.last();
    QVERIFY(authtest::queryValue(second, QStringLiteral("claims")).contains(QLatin1String("c1")));
    QVERIFY(QString::fromUtf8(dumpJson(r.result)).contains(QLatin1String("c1")));
}

void TestIdentityLab::keyRotation()
{
    QVERIFY(!signIn().isError());
    const QUrl keys = m_lab->lab->idp()->jwksUrl();
    QCOMPARE(m_id->keys()->fetchCount(keys), 1);
    // Two rotations: the signing key is one Lanyard's cached key set has never seen.
    m_lab->lab->idp()->rotateSigningKeys();
    m_lab->lab->idp()->rotateSigningKeys();
    m_lab->clock.advance(120); // beyond the refetch rate limit
    m_id->signOut(this, [](const Error&) {});
    QTRY_VERIFY(!m_id->isSignedIn());
    QVERIFY(!signIn().isError());
    QCOMPARE(m_id->keys()->fetchCount(keys), 2);
}

void TestIdentityLab::wrongAudienceRefused()
{
    // The Entra token for Docs carries aud = the Docs app id; a configuration that expects another
    // audience must not send it.
    const CallOutcome wrong = call(docsEntra(json{{"audience", "api://someone-else"}}), QStringLiteral("whoami"));
    QVERIFY(!wrong.ok);
    QCOMPARE(wrong.error.kind, Error::Kind::Auth);
    QVERIFY2(wrong.error.message.contains(QLatin1String("did not send")), qPrintable(wrong.error.message));
    QVERIFY(wrong.error.message.contains(QString::fromLatin1(lab::builtin::kDocsAppId)));
    QCOMPARE(m_id->lifecycle()->countOf(LifecycleEvent::Kind::Failed, QStringLiteral("docs")), 1);
    // With the right audience the same token goes out.
    QVERIFY(call(docsEntra(), QStringLiteral("whoami")).ok);
}

void TestIdentityLab::twoServersConcurrently()
{
    QVERIFY(!signIn().isError());
    QSignalSpy exchanged(m_lab->lab->tokenService(), &TokenService::tokenExchanged);
    QSignalSpy issued(m_lab->lab->idp(), &IdentityProvider::tokensIssued);
    ServerConfig docs = hrExchange(json{{"scopes", {"Docs.Read"}}});
    docs.name = QStringLiteral("docs-x");
    docs.url = m_lab->docs->endpointUrl();
    Error e1, e2;
    TokenPtr t1, t2;
    auto* p1 = qobject_cast<ServerTokenProvider*>(createTokenProvider(hrExchange(), m_id.get(), this, &e1));
    auto* p2 = qobject_cast<ServerTokenProvider*>(createTokenProvider(docs, m_id.get(), this, &e2));
    QVERIFY(p1 && p2);
    int finished = 0;
    p1->currentToken([&](const TokenPtr& t, const Error& e) { t1 = t; e1 = e; ++finished; });
    p2->currentToken([&](const TokenPtr& t, const Error& e) { t2 = t; e2 = e; ++finished; });
    // The same need twice at once makes one call.
    TokenPtr t3;
    p1->currentToken([&](const TokenPtr& t, const Error&) { t3 = t; ++finished; });
    QTRY_COMPARE_WITH_TIMEOUT(finished, 3, 20000);
    QVERIFY2(t1 && t2, qPrintable(e1.message + e2.message));
    QCOMPARE(t3.get(), t1.get());
    QCOMPARE(exchanged.count(), 2);
    // One subject token for both (the token service's), from one refresh.
    int refreshes = 0;
    for (const auto& args : issued) {
        if (args.at(0).toString() == QLatin1String("refresh_token"))
            ++refreshes;
    }
    QCOMPARE(refreshes, 1);
    QCOMPARE(t1->subjectToken.get(), t2->subjectToken.get());
    QCOMPARE(qs(t2->claims, "aud"), m_lab->docs->endpointUrl().toString());
    delete p1;
    delete p2;
}

void TestIdentityLab::serversShareTokenServiceMetadata()
{
    // Servers that find their token service through RFC 9728 metadata: the token service's own
    // metadata is read once for all of them (found by the 20-servers benchmark: it was read once
    // per server, through the same 6 connections as the exchanges).
    QVERIFY(!signIn().isError());
    int metadataReads = 0;
    connect(m_lab->lab->tokenServiceServer(), &lab::HttpServer::requestHandled, this,
        [&](const QByteArray& method, const QString& path, int) {
            if (method == "GET" && path.startsWith(QLatin1String("/.well-known/")))
                ++metadataReads;
        });
    QList<ServerConfig> servers;
    // Different scopes: three tokens (the same scopes for the same URL would share one).
    const QList<QPair<QString, json>> wanted { { QStringLiteral("hr-a"), json { "HR.Read" } },
        { QStringLiteral("hr-b"), json { "HR.Write" } }, { QStringLiteral("hr-c"), json { "HR.Read", "HR.Write" } } };
    for (const auto& [name, scopes] : wanted) {
        ServerConfig s = hrExchange(json { { "scopes", scopes } });
        s.name = name;
        s.auth.raw.erase("tokenEndpoint");
        servers << s;
    }
    std::vector<std::unique_ptr<ServerTokenProvider>> providers; // gone before the counters below
    int finished = 0;
    QStringList failures;
    for (int i = 0; i < 2; ++i) { // two at once
        Error e;
        auto* p = qobject_cast<ServerTokenProvider*>(createTokenProvider(servers[i], m_id.get(), nullptr, &e));
        QVERIFY2(p, qPrintable(e.message));
        providers.emplace_back(p);
        p->currentToken([&](const TokenPtr& t, const Error& err) {
            if (!t)
                failures << err.message;
            ++finished;
        });
    }
    QTRY_COMPARE_WITH_TIMEOUT(finished, 2, 20000);
    QVERIFY2(failures.isEmpty(), qPrintable(failures.join(QLatin1Char('\n'))));
    QCOMPARE(metadataReads, 1);
    // A third one later still uses what was read.
    Error e;
    auto* third = qobject_cast<ServerTokenProvider*>(createTokenProvider(servers[2], m_id.get(), nullptr, &e));
    QVERIFY(third);
    providers.emplace_back(third);
    TokenPtr t3;
    third->currentToken([&](const TokenPtr& t, const Error&) {
        t3 = t;
        ++finished;
    });
    QTRY_COMPARE_WITH_TIMEOUT(finished, 3, 20000);
    QVERIFY(t3);
    QCOMPARE(metadataReads, 1);
    QCOMPARE(m_id->lifecycle()->countOf(LifecycleEvent::Kind::Exchanged), 3);

    // Forgotten (a server refused a fresh token), or older than 10 minutes: read again.
    const QUrl issuer(m_lab->lab->tokenServiceIssuer());
    int answers = 0;
    auto ask = [&] {
        m_id->issuerMetadata(issuer, this, [&](const std::optional<AuthServerMetadata>& md) {
            QVERIFY(md.has_value());
            ++answers;
        });
    };
    ask();
    QCOMPARE(answers, 1); // from the cache, at once
    QCOMPARE(metadataReads, 1);
    m_id->forgetIssuerMetadata(issuer);
    ask();
    QTRY_COMPARE_WITH_TIMEOUT(answers, 2, 10000);
    QCOMPARE(metadataReads, 2);
    m_lab->clock.advance(IdentityManager::kIssuerMetadataSecs + 1);
    ask();
    QTRY_COMPARE_WITH_TIMEOUT(answers, 3, 10000);
    QCOMPARE(metadataReads, 3);
}

void TestIdentityLab::discoveryErrorWaitsForTheSignIn()
{
    // The token service cannot be found (the server is down) while the person is signing in: the
    // sign-in decides what is reported, once, and the browser is not left without its app.
    m_browser->neverFinish = true;
    ServerConfig s = hrExchange();
    s.auth.raw.erase("tokenEndpoint");
    s.url = QUrl(QStringLiteral("http://127.0.0.1:1/mcp")); // nothing listens there
    Error e;
    std::unique_ptr<ServerTokenProvider> provider(
        qobject_cast<ServerTokenProvider*>(createTokenProvider(s, m_id.get(), nullptr, &e)));
    QVERIFY2(provider, qPrintable(e.message));
    QSignalSpy started(m_id.get(), &IdentityManager::signInStarted);
    int answers = 0;
    Error result;
    provider->currentToken([&](const TokenPtr&, const Error& err) {
        result = err;
        ++answers;
    });
    QTRY_COMPARE_WITH_TIMEOUT(started.count(), 1, 10000);
    QTest::qWait(500); // the refused connections are long over
    QCOMPARE(answers, 0);
    m_id->cancelSignIn();
    QTRY_COMPARE_WITH_TIMEOUT(answers, 1, 10000);
    QVERIFY(result.isError());
    QVERIFY2(result.kind != Error::Kind::Config, qPrintable(result.message)); // the sign-in's, not discovery's
    QTest::qWait(100);
    QCOMPARE(answers, 1);
}

void TestIdentityLab::discoveryDuringSignIn()
{
    // The token service is found (the server's metadata, then the token service's) while the
    // person is still signing in, not after: with a network between, that is two round trips
    // less before the first token.
    m_browser->neverFinish = true;
    int metadataReads = 0;
    connect(m_lab->lab->tokenServiceServer(), &lab::HttpServer::requestHandled, this,
        [&](const QByteArray& method, const QString& path, int status) {
            if (method == "GET" && path.startsWith(QLatin1String("/.well-known/")) && status == 200)
                ++metadataReads;
        });
    ServerConfig s = hrExchange();
    s.auth.raw.erase("tokenEndpoint");
    Error e;
    std::unique_ptr<ServerTokenProvider> provider(
        qobject_cast<ServerTokenProvider*>(createTokenProvider(s, m_id.get(), this, &e)));
    QVERIFY2(provider, qPrintable(e.message));
    QSignalSpy started(m_id.get(), &IdentityManager::signInStarted);
    bool finished = false;
    Error result;
    provider->currentToken([&](const TokenPtr&, const Error& err) {
        result = err;
        finished = true;
    });
    QTRY_COMPARE_WITH_TIMEOUT(started.count(), 1, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(metadataReads, 1, 10000); // while the sign-in is open
    QVERIFY(!finished);
    m_id->cancelSignIn();
    QTRY_VERIFY_WITH_TIMEOUT(finished, 10000);
    QVERIFY(result.isError());
    QCOMPARE(m_id->lifecycle()->countOf(LifecycleEvent::Kind::Exchanged), 0);
}

void TestIdentityLab::twoSignInsAtOnce()
{
    m_browser->neverFinish = true;
    Error first, second;
    bool firstDone = false, secondDone = false;
    m_id->signIn({}, this, [&](const Error& e) { first = e; firstDone = true; });
    m_id->signIn({}, this, [&](const Error& e) { second = e; secondDone = true; });
    QTRY_VERIFY(secondDone);
    QVERIFY(second.isError());
    QVERIFY2(second.message.contains(QLatin1String("already")), qPrintable(second.message));
    QVERIFY(!firstDone);
    m_id->cancelSignIn();
    QTRY_VERIFY(firstDone);
    QCOMPARE(first.kind, Error::Kind::Cancelled);
}

void TestIdentityLab::idpDown()
{
    QVERIFY(m_lab->lab->setIdpDown(true));
    const Error e = signIn();
    QVERIFY(e.isError());
    QCOMPARE(e.kind, Error::Kind::Connection);
    QVERIFY2(e.message.contains(QLatin1String("Cannot reach")), qPrintable(e.message));
    QCOMPARE(m_browser->opened, 0);
}

void TestIdentityLab::exchangeRefused()
{
    ServerConfig s = hrExchange(json{{"resource", "http://127.0.0.1:1/not-a-lab-server"}});
    const CallOutcome r = call(s, QStringLiteral("whoami"));
    QVERIFY(!r.ok);
    QCOMPARE(r.error.kind, Error::Kind::Auth);
    QVERIFY2(r.error.message.contains(QLatin1String("token service")), qPrintable(r.error.message));
    QCOMPARE(m_id->lifecycle()->countOf(LifecycleEvent::Kind::Failed, QStringLiteral("hr")), 1);
}

void TestIdentityLab::userNeverFinishes()
{
    IdentitySettings s = settings();
    s.loopback.timeoutMs = 500;
    m_id->configure(s);
    m_browser->neverFinish = true;
    const Error e = signIn();
    QCOMPARE(e.kind, Error::Kind::Timeout);
    QVERIFY(!m_id->isSigningIn());
    // The next attempt works.
    m_browser->neverFinish = false;
    s.loopback.timeoutMs = 20000;
    m_id->configure(s);
    QVERIFY(!signIn().isError());
}

void TestIdentityLab::signOutForgetsEverything()
{
    QVERIFY(call(hrExchange(), QStringLiteral("whoami")).ok);
    QVERIFY(m_id->cache()->size() > 0);
    bool finished = false;
    m_id->signOut(this, [&](const Error&) { finished = true; });
    QTRY_VERIFY(finished);
    QVERIFY(!m_id->isSignedIn());
    QCOMPARE(m_id->cache()->size(), 0);
    QCOMPARE(m_id->lifecycle()->countOf(LifecycleEvent::Kind::SignedOut), 1);
    bool read = false;
    std::optional<QByteArray> stored;
    m_id->store()->read(m_id->storeKey(QStringLiteral("account")), [&](const std::optional<QByteArray>& v, const Error&) {
        stored = v;
        read = true;
    });
    QTRY_VERIFY(read);
    QVERIFY(!stored);
    m_id->setInteractive(false);
    const CallOutcome r = call(hrExchange(), QStringLiteral("whoami"));
    QVERIFY(!r.ok);
    QVERIFY(r.error.message.contains(QLatin1String("not signed in")));
}

void TestIdentityLab::nothingLeaks()
{
    // Capture every log line (all categories, all levels) and the process's stdout/stderr.
    test::LogCapture capture;
    QLoggingCategory::setFilterRules(QStringLiteral("*.debug=true\n*.info=true"));
    QTemporaryFile out;
    QVERIFY(out.open());
    fflush(stdout);
    fflush(stderr);
    const int savedOut = dup(1);
    const int savedErr = dup(2);
    dup2(out.handle(), 1);
    dup2(out.handle(), 2);

    const CallOutcome r = call(hrExchange(), QStringLiteral("whoami"));
    const CallOutcome r2 = call(docsEntra(), QStringLiteral("whoami"));

    fflush(stdout);
    fflush(stderr);
    dup2(savedOut, 1);
    dup2(savedErr, 2);
    close(savedOut);
    close(savedErr);
    QVERIFY2(r.ok && r2.ok, qPrintable(r.error.message + r2.error.message));

    QStringList secrets;
    for (const TokenPtr& t : m_id->cache()->all()) {
        secrets << t->token.revealString();
        if (t->subjectToken)
            secrets << t->subjectToken->token.revealString();
    }
    secrets << m_id->account().refreshToken.revealString() << m_id->account().idToken.revealString();
    for (const QUrl& u : m_browser->authorizationUrls) {
        secrets << authtest::queryValue(u, QStringLiteral("state")) << authtest::queryValue(u, QStringLiteral("nonce"))
                << authtest::queryValue(u, QStringLiteral("code_challenge"));
    }
    for (const QUrl& u : m_browser->redirects)
        secrets << authtest::queryValue(u, QStringLiteral("code"));
    secrets.removeAll(QString());
    QVERIFY(secrets.size() >= 8);

    out.seek(0);
    const QString console = QString::fromUtf8(out.readAll());
    QVERIFY2(capture.lines().size() > 10, "the capture saw the sign-in");
    for (const QString& s : std::as_const(secrets)) {
        // Any 16-character piece of a secret is enough to count as a leak.
        const QString piece = s.mid(s.size() / 2, 16);
        QString where;
        for (QString line : capture.lines()) {
            if (line.contains(piece))
                where = line.replace(piece, QStringLiteral("<SECRET>")).left(300);
        }
        QVERIFY2(where.isEmpty(), qPrintable(QStringLiteral("log leaks a secret: %1").arg(where)));
        QVERIFY2(!console.contains(piece), qPrintable(QStringLiteral("console leaks a secret (…%1…)").arg(piece.left(4))));
    }
    // The lifecycle journal holds fingerprints, never tokens.
    const QString journal = [&] {
        QString all;
        for (const LifecycleEvent& e : m_id->lifecycle()->events())
            all += QString::fromUtf8(dumpJson(e.toJson()));
        return all;
    }();
    for (const QString& s : std::as_const(secrets))
        QVERIFY(!journal.contains(s.mid(s.size() / 2, 16)));
}

// A reconnect (or an account switch) replaces a server's token provider while the old one is in
// the middle of getting a token. The new provider joined that acquisition: it must not wait for
// ever; it takes over and gets the token itself.
void TestIdentityLab::providerGoneMidAcquisitionHandsOver()
{
    QVERIFY(call(hrExchange(), QStringLiteral("whoami")).ok); // signed in; the Entra token is cached
    const ServerConfig cfg = hrExchange(json{{"scopes", {"HR.Read", "HR.Write"}}}); // a key not cached yet
    Error error;
    std::unique_ptr<TokenProvider> a(createTokenProvider(cfg, m_id.get(), nullptr, &error));
    std::unique_ptr<TokenProvider> b(createTokenProvider(cfg, m_id.get(), nullptr, &error));
    QVERIFY2(a && b, qPrintable(error.message));
    HttpFaults slow;
    slow.latencyMs = 400;
    m_lab->lab->setTokenServiceFaults(slow);

    using Headers = QList<QPair<QByteArray, QByteArray>>;
    bool aAnswered = false;
    a->headersFor(m_lab->hr->endpointUrl(), [&](const Headers&, const Error&) { aAnswered = true; });
    QTest::qWait(100); // a's exchange is at the token service now
    bool bAnswered = false;
    QByteArray authorization;
    Error bError;
    b->headersFor(m_lab->hr->endpointUrl(), [&](const Headers& headers, const Error& e) {
        bAnswered = true;
        bError = e;
        for (const auto& h : headers) {
            if (h.first == "Authorization")
                authorization = h.second;
        }
    });
    a.reset(); // the old connection goes away mid-exchange
    QTRY_VERIFY_WITH_TIMEOUT(bAnswered, 10000);
    QVERIFY2(!bError.isError(), qPrintable(bError.message));
    QVERIFY(authorization.startsWith("Bearer "));
    QVERIFY(!aAnswered);
    m_lab->lab->setTokenServiceFaults(HttpFaults());
}

QTEST_GUILESS_MAIN(TestIdentityLab)
#include "TestIdentityLab.moc"
