// SPDX-License-Identifier: MIT
// The `oauth` strategy (MCP authorization with the server's own authorization server) against a
// scripted server that plays both the MCP server's metadata and its authorization server:
// discovery, dynamic registration, PKCE S256, RFC 8707 resource, offline_access, the stored
// refresh token and its refresh in a later strategy, refusals (resource mismatch, no S256), and
// sign-out revoking the per-server refresh token (RFC 7009) with each kind of client.
#include "AuthTestSupport.h"
#include "LogCapture.h"

#include "auth/CredentialStore.h"
#include "auth/Identity.h"
#include "auth/Lifecycle.h"
#include "auth/Strategies.h"
#include "crypto/Pkce.h"

#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace lanyard;
using namespace lanyard::auth;
using lanyard::test::FakeHttpServer;

namespace {

// The MCP server's protected-resource metadata and its authorization server on one port.
class FakeMcpAuthServer
{
public:
    FakeHttpServer http;
    QString prmResource; // default: the server's own URL
    bool revocation = true;
    QStringList pkceMethods { QStringLiteral("S256") };
    json registrationAnswer { { "client_id", "dyn-client-1" }, { "token_endpoint_auth_method", "none" } };
    int tokensIssued = 0;

    bool start()
    {
        if (!http.listen())
            return false;
        http.setHandler([this](const FakeHttpServer::Request& r) { return handle(r); });
        return true;
    }
    QString base() const { return http.url(QString()).toString(QUrl::StripTrailingSlash); }
    QUrl mcpUrl() const { return http.url(QStringLiteral("/mcp")); }
    QList<FakeHttpServer::Request> requestsTo(const QByteArray& path) const
    {
        QList<FakeHttpServer::Request> out;
        for (const auto& r : http.requests()) {
            if (r.path == path || r.path.startsWith(path + '?'))
                out << r;
        }
        return out;
    }
    static QString field(const QByteArray& body, const QString& key)
    {
        for (const auto& [k, v] : HttpClient::decodeForm(body)) {
            if (k == key)
                return v;
        }
        return QString();
    }

private:
    FakeHttpServer::Script handle(const FakeHttpServer::Request& r)
    {
        using Script = FakeHttpServer::Script;
        if (r.path == "/.well-known/oauth-protected-resource/mcp") {
            json prm { { "resource", ss(prmResource.isEmpty() ? mcpUrl().toString() : prmResource) },
                { "authorization_servers", { ss(base()) } }, { "scopes_supported", { "mcp.read", "mcp.write" } } };
            return Script::json(dumpJson(prm));
        }
        if (r.path == "/.well-known/oauth-authorization-server") {
            json md { { "issuer", ss(base()) }, { "authorization_endpoint", ss(base() + QStringLiteral("/authorize")) },
                { "token_endpoint", ss(base() + QStringLiteral("/token")) },
                { "registration_endpoint", ss(base() + QStringLiteral("/register")) },
                { "scopes_supported", { "mcp.read", "mcp.write", "offline_access" } },
                { "code_challenge_methods_supported", json::array() } };
            for (const QString& m : pkceMethods)
                md["code_challenge_methods_supported"].push_back(ss(m));
            if (revocation)
                md["revocation_endpoint"] = ss(base() + QStringLiteral("/revoke"));
            return Script::json(dumpJson(md));
        }
        if (r.path == "/register")
            return Script::json(dumpJson(registrationAnswer), {}, 201);
        if (r.path == "/token") {
            ++tokensIssued;
            json t { { "access_token", ss(QStringLiteral("access-token-value-%1").arg(tokensIssued)) },
                { "token_type", "Bearer" }, { "expires_in", 3600 },
                { "refresh_token", ss(QStringLiteral("refresh-token-value-%1").arg(tokensIssued)) } };
            return Script::json(dumpJson(t));
        }
        if (r.path == "/revoke")
            return Script::response(200, { { "Content-Type", "application/json" } }, "");
        return Script::response(404, {}, "not found");
    }
};

} // namespace

class TestOAuthStrategy : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();

    void authorizationCodeWithPkceAndResource();
    void laterStrategyRefreshesFromStore();
    void refreshTokenRecordFormats_data();
    void refreshTokenRecordFormats();
    void resourceMismatchRefused();
    void nonInteractiveDoesNotOpenTheBrowser();
    void withoutS256Refused();
    void signOutRevokesServerRefreshToken();
    void signOutRevokesWithRegisteredSecret();
    void signOutRevokesWithPreRegisteredKeychainSecret();
    void signOutWithoutRevocationEndpointStillForgets();
    void nothingLeaks();

private:
    ServerConfig server(const json& extra = json::object()) const;
    std::pair<TokenPtr, Error> acquire(OAuthStrategy& strategy);
    Error signOut();
    std::optional<QByteArray> stored(const QString& key);
    QString serverKey() const;

    std::unique_ptr<FakeMcpAuthServer> m_as;
    std::unique_ptr<IdentityManager> m_id;
    QNetworkAccessManager* m_browserNam = nullptr;
    QList<QUrl> m_opened;
};

void TestOAuthStrategy::init()
{
    m_as = std::make_unique<FakeMcpAuthServer>();
    QVERIFY(m_as->start());
    m_id = std::make_unique<IdentityManager>();
    m_id->setStore(new MemoryStore());
    m_browserNam = new QNetworkAccessManager(m_id.get());
    m_opened.clear();
    // The "browser": the authorization server approves at once and redirects back with a code.
    m_id->setBrowserLauncher([this](const QUrl& url, QString*) {
        m_opened << url;
        QUrl back(authtest::queryValue(url, QStringLiteral("redirect_uri")));
        back.setQuery(
            QStringLiteral("code=authorization-code-%1&state=%2&iss=%3")
                .arg(m_opened.size())
                .arg(QString::fromLatin1(QUrl::toPercentEncoding(authtest::queryValue(url, QStringLiteral("state")))),
                    QString::fromLatin1(QUrl::toPercentEncoding(m_as->base()))));
        QNetworkAccessManager* nam = m_browserNam;
        QTimer::singleShot(0, nam, [nam, back] {
            QNetworkReply* reply = nam->get(QNetworkRequest(back));
            QObject::connect(reply, &QNetworkReply::finished, reply, &QObject::deleteLater);
        });
        return true;
    });
}

void TestOAuthStrategy::cleanup()
{
    TokenStrategy::setKeychainFactory({});
    m_id.reset();
    m_as.reset();
}

ServerConfig TestOAuthStrategy::server(const json& extra) const
{
    ServerConfig s;
    s.name = QStringLiteral("tickets");
    s.url = m_as->mcpUrl();
    s.auth.type = QStringLiteral("oauth");
    s.auth.raw = json { { "type", "oauth" }, { "scopes", { "mcp.read" } } };
    for (auto it = extra.begin(); it != extra.end(); ++it)
        s.auth.raw[it.key()] = *it;
    return s;
}

QString TestOAuthStrategy::serverKey() const
{
    return m_id->storeKey(OAuthStrategy::storePrefix() + canonicalResource(m_as->mcpUrl()));
}

std::pair<TokenPtr, Error> TestOAuthStrategy::acquire(OAuthStrategy& strategy)
{
    TokenPtr token;
    Error error(Error::Kind::Internal, QStringLiteral("test: no answer"));
    bool finished = false;
    strategy.acquire({}, [&](const TokenPtr& t, const Error& e) {
        token = t;
        error = e;
        finished = true;
    });
    for (int i = 0; i < 400 && !finished; ++i)
        QTest::qWait(25);
    return { token, error };
}

Error TestOAuthStrategy::signOut()
{
    Error error(Error::Kind::Internal, QStringLiteral("test: no answer"));
    bool finished = false;
    m_id->signOut(this, [&](const Error& e) {
        error = e;
        finished = true;
    });
    for (int i = 0; i < 400 && !finished; ++i)
        QTest::qWait(25);
    return error;
}

std::optional<QByteArray> TestOAuthStrategy::stored(const QString& key)
{
    std::optional<QByteArray> value;
    m_id->store()->read(key, [&](const std::optional<QByteArray>& v, const Error&) { value = v; });
    return value;
}

void TestOAuthStrategy::authorizationCodeWithPkceAndResource()
{
    OAuthStrategy strategy(server(), m_id.get());
    Error configError;
    QVERIFY(strategy.configure(&configError));
    const auto [token, error] = acquire(strategy);
    QVERIFY2(!error.isError(), qPrintable(error.message));
    QVERIFY(token);
    QCOMPARE(token->token.revealString(), QStringLiteral("access-token-value-1"));
    QCOMPARE(token->strategy, QStringLiteral("oauth"));

    // Dynamic registration as a public native client with loopback redirects.
    const auto registrations = m_as->requestsTo("/register");
    QCOMPARE(registrations.size(), 1);
    const auto reg = parseJson(registrations.at(0).body);
    QVERIFY(reg && reg->is_object());
    QCOMPARE(qs(*reg, "token_endpoint_auth_method"), QStringLiteral("none"));
    QCOMPARE(qs(*reg, "application_type"), QStringLiteral("native"));

    // The authorization request: PKCE S256, the RFC 8707 resource, the scope with offline_access.
    QCOMPARE(m_opened.size(), 1);
    const QUrl asked = m_opened.at(0);
    QCOMPARE(asked.toString(QUrl::RemoveQuery), m_as->base() + QStringLiteral("/authorize"));
    QCOMPARE(authtest::queryValue(asked, QStringLiteral("client_id")), QStringLiteral("dyn-client-1"));
    QCOMPARE(authtest::queryValue(asked, QStringLiteral("response_type")), QStringLiteral("code"));
    QCOMPARE(authtest::queryValue(asked, QStringLiteral("code_challenge_method")), QStringLiteral("S256"));
    QCOMPARE(authtest::queryValue(asked, QStringLiteral("resource")), canonicalResource(m_as->mcpUrl()));
    QCOMPARE(authtest::queryValue(asked, QStringLiteral("scope")), QStringLiteral("mcp.read offline_access"));

    // The code redemption: the verifier that belongs to the challenge, the resource again.
    const auto tokenRequests = m_as->requestsTo("/token");
    QCOMPARE(tokenRequests.size(), 1);
    const QByteArray body = tokenRequests.at(0).body;
    QCOMPARE(m_as->field(body, QStringLiteral("grant_type")), QStringLiteral("authorization_code"));
    QCOMPARE(m_as->field(body, QStringLiteral("code")), QStringLiteral("authorization-code-1"));
    QCOMPARE(m_as->field(body, QStringLiteral("client_id")), QStringLiteral("dyn-client-1"));
    QCOMPARE(m_as->field(body, QStringLiteral("resource")), canonicalResource(m_as->mcpUrl()));
    const QString verifier = m_as->field(body, QStringLiteral("code_verifier"));
    QVERIFY(verifier.size() >= 43);
    QCOMPARE(crypto::pkce::challengeS256(verifier), authtest::queryValue(asked, QStringLiteral("code_challenge")));

    // The refresh token is kept with what sign-out needs to revoke it.
    const auto record = stored(serverKey());
    QVERIFY(record);
    const auto j = parseJson(*record);
    QVERIFY(j && j->is_object());
    QCOMPARE(qs(*j, "refresh_token"), QStringLiteral("refresh-token-value-1"));
    QCOMPARE(qs(*j, "revocation_endpoint"), m_as->base() + QStringLiteral("/revoke"));
    QCOMPARE(qs(*j, "client_id"), QStringLiteral("dyn-client-1"));
    QCOMPARE(qs(*j, "server"), QStringLiteral("tickets"));
}

void TestOAuthStrategy::laterStrategyRefreshesFromStore()
{
    {
        OAuthStrategy first(server(), m_id.get());
        Error configError;
        QVERIFY(first.configure(&configError));
        QVERIFY(!acquire(first).second.isError());
    }
    // A later run (new strategy, same store): the stored refresh token, no browser, no registration.
    OAuthStrategy later(server(), m_id.get());
    Error configError;
    QVERIFY(later.configure(&configError));
    const auto [token, error] = acquire(later);
    QVERIFY2(!error.isError(), qPrintable(error.message));
    QCOMPARE(token->token.revealString(), QStringLiteral("access-token-value-2"));
    QCOMPARE(token->obtainedBy, QStringLiteral("refresh"));
    QCOMPARE(m_opened.size(), 1);
    QCOMPARE(m_as->requestsTo("/register").size(), 1);
    const QByteArray body = m_as->requestsTo("/token").at(1).body;
    QCOMPARE(m_as->field(body, QStringLiteral("grant_type")), QStringLiteral("refresh_token"));
    QCOMPARE(m_as->field(body, QStringLiteral("refresh_token")), QStringLiteral("refresh-token-value-1"));
    QCOMPARE(m_as->field(body, QStringLiteral("resource")), canonicalResource(m_as->mcpUrl()));
    QCOMPARE(m_as->field(body, QStringLiteral("client_id")), QStringLiteral("dyn-client-1"));
    // The rotated refresh token replaced the old one.
    QCOMPARE(OAuthStrategy::refreshTokenFromRecord(*stored(serverKey())).revealString(),
        QStringLiteral("refresh-token-value-2"));
}

void TestOAuthStrategy::refreshTokenRecordFormats_data()
{
    QTest::addColumn<QByteArray>("record");
    QTest::addColumn<QString>("token");
    QTest::newRow("record") << QByteArray("{\"refresh_token\":\"rt-x\",\"server\":\"s\"}") << QStringLiteral("rt-x");
    QTest::newRow("bare token (older versions)")
        << QByteArray("0.AXcA-bare.token") << QStringLiteral("0.AXcA-bare.token");
    QTest::newRow("record without token") << QByteArray("{\"server\":\"s\"}") << QString();
}

void TestOAuthStrategy::refreshTokenRecordFormats()
{
    QFETCH(QByteArray, record);
    QFETCH(QString, token);
    QCOMPARE(OAuthStrategy::refreshTokenFromRecord(record).revealString(), token);
}

void TestOAuthStrategy::resourceMismatchRefused()
{
    m_as->prmResource = QStringLiteral("https://elsewhere.example/mcp");
    OAuthStrategy strategy(server(), m_id.get());
    Error configError;
    QVERIFY(strategy.configure(&configError));
    const auto [token, error] = acquire(strategy);
    QVERIFY(!token);
    QVERIFY2(error.message.contains(QLatin1String("another resource")), qPrintable(error.message));
    QVERIFY(m_opened.isEmpty());
    QVERIFY(m_as->requestsTo("/token").isEmpty());
}

// The desktop app starts non-interactive: a server with its own OAuth must not open the browser then.
void TestOAuthStrategy::nonInteractiveDoesNotOpenTheBrowser()
{
    m_id->setInteractive(false);
    OAuthStrategy strategy(server(), m_id.get());
    Error configError;
    QVERIFY(strategy.configure(&configError));
    const auto [token, error] = acquire(strategy);
    QVERIFY(!token);
    QCOMPARE(error.kind, Error::Kind::Auth);
    QVERIFY2(error.message.contains(QLatin1String("Connect it by hand")), qPrintable(error.message));
    QVERIFY(m_opened.isEmpty());
    m_id->setInteractive(true); // a connect the person asks for may open it
    const auto [again, againError] = acquire(strategy);
    QVERIFY2(again && !againError.isError(), qPrintable(againError.message));
    QCOMPARE(m_opened.size(), 1);
}

void TestOAuthStrategy::withoutS256Refused()
{
    m_as->pkceMethods = { QStringLiteral("plain") };
    OAuthStrategy strategy(server(), m_id.get());
    Error configError;
    QVERIFY(strategy.configure(&configError));
    const auto [token, error] = acquire(strategy);
    QVERIFY(!token);
    QVERIFY2(error.message.contains(QLatin1String("S256")), qPrintable(error.message));
    QVERIFY(m_opened.isEmpty());
}

void TestOAuthStrategy::signOutRevokesServerRefreshToken()
{
    {
        OAuthStrategy strategy(server(), m_id.get());
        Error configError;
        QVERIFY(strategy.configure(&configError));
        QVERIFY(!acquire(strategy).second.isError());
    }
    QVERIFY(stored(serverKey()));
    const Error e = signOut();
    QVERIFY2(!e.isError(), qPrintable(e.message));
    const auto revocations = m_as->requestsTo("/revoke");
    QCOMPARE(revocations.size(), 1);
    const QByteArray body = revocations.at(0).body;
    QCOMPARE(m_as->field(body, QStringLiteral("token")), QStringLiteral("refresh-token-value-1"));
    QCOMPARE(m_as->field(body, QStringLiteral("token_type_hint")), QStringLiteral("refresh_token"));
    QCOMPARE(m_as->field(body, QStringLiteral("client_id")), QStringLiteral("dyn-client-1"));
    QVERIFY(!revocations.at(0).hasHeader("Authorization"));
    QVERIFY(!stored(serverKey()));
    QCOMPARE(m_id->lifecycle()->countOf(LifecycleEvent::Kind::Revoked, QStringLiteral("tickets")), 1);
}

void TestOAuthStrategy::signOutRevokesWithRegisteredSecret()
{
    m_as->registrationAnswer = json { { "client_id", "dyn-client-2" }, { "client_secret", "dyn-secret" },
        { "token_endpoint_auth_method", "client_secret_basic" } };
    {
        OAuthStrategy strategy(server(), m_id.get());
        Error configError;
        QVERIFY(strategy.configure(&configError));
        QVERIFY(!acquire(strategy).second.isError());
    }
    QVERIFY(!signOut().isError());
    const auto revocations = m_as->requestsTo("/revoke");
    QCOMPARE(revocations.size(), 1);
    QCOMPARE(revocations.at(0).header("Authorization"),
        QByteArray("Basic ") + QByteArray("dyn-client-2:dyn-secret").toBase64());
    QCOMPARE(m_as->field(revocations.at(0).body, QStringLiteral("token")), QStringLiteral("refresh-token-value-1"));
    QVERIFY(!stored(serverKey()));
    // The registration went with the sign-out too.
    QVERIFY(!stored(m_id->storeKey(QStringLiteral("oauth-client/") + m_as->base())));
}

void TestOAuthStrategy::signOutRevokesWithPreRegisteredKeychainSecret()
{
    // The secret lives in the keychain entry the configuration names; the record only names it.
    TokenStrategy::setKeychainFactory([](QObject* parent) {
        auto* store = new MemoryStore(parent);
        store->write(QStringLiteral("tickets-client-secret"), QByteArrayLiteral("pre-secret"), [](const Error&) {});
        return store;
    });
    const json extra { { "clientId", "pre-client" }, { "clientSecretKeychain", "tickets-client-secret" },
        { "clientAuth", "client_secret_post" } };
    {
        OAuthStrategy strategy(server(extra), m_id.get());
        Error configError;
        QVERIFY(strategy.configure(&configError));
        const auto [token, error] = acquire(strategy);
        QVERIFY2(!error.isError(), qPrintable(error.message));
    }
    QVERIFY(m_as->requestsTo("/register").isEmpty());
    QVERIFY(!stored(serverKey())->contains("pre-secret"));
    QVERIFY(!signOut().isError());
    const auto revocations = m_as->requestsTo("/revoke");
    QCOMPARE(revocations.size(), 1);
    const QByteArray body = revocations.at(0).body;
    QCOMPARE(m_as->field(body, QStringLiteral("client_id")), QStringLiteral("pre-client"));
    QCOMPARE(m_as->field(body, QStringLiteral("client_secret")), QStringLiteral("pre-secret"));
    QCOMPARE(m_as->field(body, QStringLiteral("token")), QStringLiteral("refresh-token-value-1"));
}

void TestOAuthStrategy::signOutWithoutRevocationEndpointStillForgets()
{
    m_as->revocation = false;
    {
        OAuthStrategy strategy(server(), m_id.get());
        Error configError;
        QVERIFY(strategy.configure(&configError));
        QVERIFY(!acquire(strategy).second.isError());
    }
    QVERIFY(!signOut().isError());
    QVERIFY(m_as->requestsTo("/revoke").isEmpty());
    QVERIFY(!stored(serverKey()));
    QCOMPARE(m_id->lifecycle()->countOf(LifecycleEvent::Kind::Revoked), 0);
    bool noticed = false;
    for (const LifecycleEvent& e : m_id->lifecycle()->events())
        noticed = noticed || (e.server == QLatin1String("tickets") && e.message.contains(QLatin1String("not revoked")));
    QVERIFY(noticed);
}

void TestOAuthStrategy::nothingLeaks()
{
    // Registration with a secret, sign-in, refresh in a later strategy and sign-out, with every
    // log category on at every level: none of the secrets may be in a log line.
    m_as->registrationAnswer = json { { "client_id", "dyn-client-3" },
        { "client_secret", "registered-client-secret-value" }, { "token_endpoint_auth_method", "client_secret_post" } };
    test::LogCapture capture;
    {
        OAuthStrategy first(server(), m_id.get());
        Error configError;
        QVERIFY(first.configure(&configError));
        QVERIFY(!acquire(first).second.isError());
    }
    {
        OAuthStrategy later(server(), m_id.get());
        Error configError;
        QVERIFY(later.configure(&configError));
        QVERIFY(!acquire(later).second.isError());
    }
    QVERIFY(!signOut().isError());
    QCOMPARE(m_as->requestsTo("/revoke").size(), 1);
    QVERIFY(!capture.lines().isEmpty()); // the capture sees Lanyard's info lines
    QStringList secrets { QStringLiteral("access-token-value-1"), QStringLiteral("access-token-value-2"),
        QStringLiteral("refresh-token-value-1"), QStringLiteral("refresh-token-value-2"),
        QStringLiteral("authorization-code-1"), QStringLiteral("registered-client-secret-value"),
        m_as->field(m_as->requestsTo("/token").at(0).body, QStringLiteral("code_verifier")),
        authtest::queryValue(m_opened.at(0), QStringLiteral("state")) };
    for (const QString& secret : secrets) {
        QVERIFY(secret.size() >= 16);
        QVERIFY2(!capture.contains(secret), qPrintable(QStringLiteral("leaked: ") + secret.left(12)));
    }
}

QTEST_GUILESS_MAIN(TestOAuthStrategy)
#include "TestOAuthStrategy.moc"
