// SPDX-License-Identifier: MIT
// Token cache: keys, refresh lead with an injectable clock, single flight, and the audience check.
#include "auth/Strategy.h"
#include "auth/TokenCache.h"
#include "crypto/Jwt.h"
#include "util/Clock.h"

#include <QTest>

using namespace lanyard;
using namespace lanyard::auth;

class TestTokenCache : public QObject
{
    Q_OBJECT
private slots:
    void keyIgnoresScopeOrder();
    void keyDistinguishesParts_data();
    void keyDistinguishesParts();
    void leadDecidesFreshness_data();
    void leadDecidesFreshness();
    void expiryFromTokenAndAnswer();
    void opaqueTokenWithoutExpiry();
    void singleFlight();
    void singleFlightError();
    void audienceCheck_data();
    void audienceCheck();
    void mainClaimsOnly();

private:
    static Secret jwt(const json& claims);
};

Secret TestTokenCache::jwt(const json& claims)
{
    static const crypto::Key key = crypto::Key::generateEc();
    return Secret(*crypto::signJwt(key, json::object(), claims));
}

void TestTokenCache::keyIgnoresScopeOrder()
{
    TokenKey a{QStringLiteral("iss"), QStringLiteral("c"), QStringLiteral("s"), QStringLiteral("aud"), {"b", "a", "a"}};
    TokenKey b{QStringLiteral("iss"), QStringLiteral("c"), QStringLiteral("s"), QStringLiteral("aud"), {"a", "b"}};
    QCOMPARE(a.toString(), b.toString());
}

void TestTokenCache::keyDistinguishesParts_data()
{
    QTest::addColumn<int>("part");
    for (int i = 0; i < 5; ++i)
        QTest::newRow(qPrintable(QString::number(i))) << i;
}

void TestTokenCache::keyDistinguishesParts()
{
    QFETCH(int, part);
    TokenKey a{QStringLiteral("iss"), QStringLiteral("c"), QStringLiteral("s"), QStringLiteral("aud"), {"x"}};
    TokenKey b = a;
    switch (part) {
    case 0: b.issuer += QLatin1Char('2'); break;
    case 1: b.clientId += QLatin1Char('2'); break;
    case 2: b.subject += QLatin1Char('2'); break;
    case 3: b.audience += QLatin1Char('2'); break;
    case 4: b.scopes << QStringLiteral("y"); break;
    }
    QVERIFY(a.toString() != b.toString());
    TokenCache cache;
    auto t = std::make_shared<IssuedToken>();
    t->token = Secret(QByteArray("x"));
    cache.put(a, t);
    QVERIFY(cache.find(a));
    QVERIFY(!cache.find(b));
}

void TestTokenCache::leadDecidesFreshness_data()
{
    QTest::addColumn<int>("lead");
    QTest::addColumn<int>("advance");
    QTest::addColumn<bool>("fresh");
    QTest::newRow("new") << 60 << 0 << true;
    QTest::newRow("61 s left") << 60 << 3600 - 61 << true;
    QTest::newRow("59 s left") << 60 << 3600 - 59 << false;
    QTest::newRow("expired") << 60 << 4000 << false;
    QTest::newRow("lead 300, 200 s left") << 300 << 3400 << false;
    QTest::newRow("lead 0, 1 s left") << 0 << 3599 << true;
}

void TestTokenCache::leadDecidesFreshness()
{
    QFETCH(int, lead);
    QFETCH(int, advance);
    QFETCH(bool, fresh);
    ManualClock clock(QDateTime::fromSecsSinceEpoch(1'800'000'000, Qt::UTC));
    TokenCache cache(&clock);
    cache.setRefreshLeadSecs(lead);
    const TokenKey key{QStringLiteral("i"), QStringLiteral("c"), QStringLiteral("s"), QStringLiteral("a"), {}};
    cache.put(key, makeIssuedToken(Secret(QByteArray("opaque")), 3600, &clock));
    clock.advance(advance);
    QCOMPARE(bool(cache.findFresh(key)), fresh);
    QVERIFY(cache.find(key)); // still there for the lifecycle ("expired")
}

void TestTokenCache::expiryFromTokenAndAnswer()
{
    ManualClock clock(QDateTime::fromSecsSinceEpoch(1'800'000'000, Qt::UTC));
    // exp in the token, no expires_in: exp wins.
    auto t = makeIssuedToken(jwt({{"exp", 1'800'000'000 + 600}, {"aud", "x"}}), -1, &clock);
    QCOMPARE(t->expiresAt.toSecsSinceEpoch(), 1'800'000'600);
    // expires_in earlier than exp: the earlier one.
    t = makeIssuedToken(jwt({{"exp", 1'800'000'000 + 600}}), 300, &clock);
    QCOMPARE(t->expiresAt.toSecsSinceEpoch(), 1'800'000'300);
    // expires_in later than exp: exp.
    t = makeIssuedToken(jwt({{"exp", 1'800'000'000 + 600}}), 9000, &clock);
    QCOMPARE(t->expiresAt.toSecsSinceEpoch(), 1'800'000'600);
    QVERIFY(t->isJwt());
}

void TestTokenCache::opaqueTokenWithoutExpiry()
{
    ManualClock clock(QDateTime::fromSecsSinceEpoch(1'800'000'000, Qt::UTC));
    auto t = makeIssuedToken(Secret(QByteArray("opaque-graph-token")), -1, &clock);
    QVERIFY(!t->isJwt());
    QVERIFY(!t->expiresAt.isValid());
    QCOMPARE(t->secondsLeft(&clock), 3600); // assumed one hour from issue
    clock.advance(3600);
    QCOMPARE(t->secondsLeft(&clock), 0);
}

void TestTokenCache::singleFlight()
{
    TokenCache cache;
    const TokenKey key{QStringLiteral("i"), QStringLiteral("c"), QStringLiteral("s"), QStringLiteral("a"), {}};
    QList<TokenPtr> got;
    QVERIFY(cache.join(key, [&](const TokenPtr& t, const Error&) { got << t; }));  // first: fetch
    QVERIFY(!cache.join(key, [&](const TokenPtr& t, const Error&) { got << t; })); // second: wait
    QVERIFY(!cache.join(key, [&](const TokenPtr& t, const Error&) { got << t; }));
    QVERIFY(cache.isFetching(key));
    auto t = std::make_shared<IssuedToken>();
    t->token = Secret(QByteArray("tok"));
    cache.complete(key, t, Error());
    QCOMPARE(got.size(), 3);
    for (const TokenPtr& g : got)
        QCOMPARE(g.get(), t.get());
    QVERIFY(!cache.isFetching(key));
    QCOMPARE(cache.find(key).get(), t.get());
    // A new need starts a new fetch.
    QVERIFY(cache.join(key, [](const TokenPtr&, const Error&) {}));
}

void TestTokenCache::singleFlightError()
{
    TokenCache cache;
    const TokenKey key{QStringLiteral("i"), QStringLiteral("c"), QStringLiteral("s"), QStringLiteral("a"), {}};
    int errors = 0;
    cache.join(key, [&](const TokenPtr& t, const Error& e) { errors += !t && e.isError(); });
    cache.join(key, [&](const TokenPtr& t, const Error& e) { errors += !t && e.isError(); });
    cache.complete(key, nullptr, Error(Error::Kind::Auth, QStringLiteral("no")));
    QCOMPARE(errors, 2);
    QVERIFY(!cache.find(key));
}

void TestTokenCache::audienceCheck_data()
{
    QTest::addColumn<QByteArray>("aud");
    QTest::addColumn<QStringList>("expected");
    QTest::addColumn<bool>("match");
    QTest::newRow("equal url") << QByteArray(R"("http:\/\/127.0.0.1:5001\/mcp")") << QStringList{"http://127.0.0.1:5001/mcp"} << true;
    QTest::newRow("canonical url") << QByteArray(R"("HTTP:\/\/127.0.0.1:5001\/mcp\/")") << QStringList{"http://127.0.0.1:5001/mcp"} << true;
    QTest::newRow("other port") << QByteArray(R"("http:\/\/127.0.0.1:5002\/mcp")") << QStringList{"http://127.0.0.1:5001/mcp"} << false;
    QTest::newRow("array") << QByteArray(R"(["a","api:\/\/hr"])") << QStringList{"api://hr"} << true;
    QTest::newRow("guid case") << QByteArray(R"("1279F7CF-88DC-44A4-BF90-209FFA2DA0D2")") << QStringList{"1279f7cf-88dc-44a4-bf90-209ffa2da0d2"} << true;
    QTest::newRow("none") << QByteArray("null") << QStringList{"x"} << false;
    QTest::newRow("nothing expected") << QByteArray(R"("x")") << QStringList{} << false;
}

void TestTokenCache::audienceCheck()
{
    QFETCH(QByteArray, aud);
    QFETCH(QStringList, expected);
    QFETCH(bool, match);
    json claims = json::object();
    claims["aud"] = json::parse(aud.toStdString());
    QCOMPARE(ServerTokenProvider::audienceMatches(claims, expected), match);
}

void TestTokenCache::mainClaimsOnly()
{
    auto t = makeIssuedToken(jwt({{"aud", "x"}, {"sub", "s"}, {"secret_stuff", "no"}, {"act", {{"sub", "lanyard"}}}}), 60, nullptr);
    const json m = t->mainClaims();
    QVERIFY(m.contains("aud") && m.contains("act") && m.contains("sub"));
    QVERIFY(!m.contains("secret_stuff"));
    const json j = t->toJson(false);
    QVERIFY(!j.contains("token"));
    QCOMPARE(qs(t->toJson(true), "token"), t->token.revealString());
}

QTEST_GUILESS_MAIN(TestTokenCache)
#include "TestTokenCache.moc"
