// SPDX-License-Identifier: MIT
#include "crypto/Jwks.h"
#include "util/Clock.h"

#include <QtTest>

using namespace lanyard;
using namespace lanyard::crypto;

class TestJwks : public QObject
{
    Q_OBJECT
private:
    Key m_rsa;
    Key m_ec;

private slots:
    void initTestCase()
    {
        m_rsa = Key::generateRsa();
        m_ec = Key::generateEc();
        QVERIFY(!m_rsa.isNull() && !m_ec.isNull());
    }

    void parsesAndSkipsUnusableKeys()
    {
        json doc = { { "keys", json::array() } };
        doc["keys"].push_back(m_rsa.publicJwk());
        doc["keys"].push_back({ { "kty", "oct" }, { "kid", "shared" }, { "k", "c2VjcmV0" } });
        doc["keys"].push_back(m_ec.publicJwk());
        doc["keys"].push_back({ { "kty", "EC" }, { "crv", "P-521" }, { "kid", "big" }, { "x", "AA" }, { "y", "AA" } });
        doc["keys"].push_back("not an object");
        QString error;
        const auto jwks = Jwks::fromBytes(QByteArray::fromStdString(doc.dump()), &error);
        QVERIFY2(jwks.has_value(), qPrintable(error));
        QCOMPARE(jwks->size(), 2);
        const QStringList skipped = jwks->skippedKeys();
        QCOMPARE(skipped.size(), 3);
        QVERIFY(skipped.at(0).contains(QLatin1String("shared")) && skipped.at(0).contains(QLatin1String("oct")));
        QVERIFY(skipped.at(1).contains(QLatin1String("P-521")));
        QVERIFY(skipped.at(2).startsWith(QLatin1String("key 4")));

        QVERIFY(jwks->findByKid(m_rsa.kid()));
        QVERIFY(jwks->findByKid(m_rsa.kid())->samePublicKey(m_rsa));
        QVERIFY(!jwks->findByKid(QStringLiteral("shared")));
        QCOMPARE(jwks->find(m_ec.kid()).size(), size_t(1));
        QCOMPARE(jwks->find(QString(), JwsAlgorithm::ES256).size(), size_t(1));
        QCOMPARE(jwks->find(QString(), JwsAlgorithm::ES256).front()->kid(), m_ec.kid());
        QCOMPARE(jwks->find(m_ec.kid(), JwsAlgorithm::RS256).size(), size_t(0));
        QCOMPARE(jwks->find(QString(), std::nullopt, QStringLiteral("RSA")).size(), size_t(1));
        QCOMPARE(jwks->find(QString(), std::nullopt, QString(), QStringLiteral("enc")).size(), size_t(0));
    }

    void exportsPublicKeysOnly()
    {
        Jwks jwks;
        jwks.addKey(m_rsa);
        jwks.addKey(m_ec);
        const json out = jwks.toJson();
        QVERIFY(out["keys"].is_array());
        QCOMPARE(out["keys"].size(), size_t(2));
        for (const json& k : out["keys"])
            QVERIFY(!k.contains("d"));
        const auto back = Jwks::fromJson(out);
        QVERIFY(back.has_value());
        QCOMPARE(back->size(), 2);
        QVERIFY(back->skippedKeys().isEmpty());
        QVERIFY(back->findByKid(m_ec.kid())->samePublicKey(m_ec));
    }

    void rejectsNonKeySets_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("not json") << QByteArray("{keys:");
        QTest::newRow("array") << QByteArray("[]");
        QTest::newRow("no keys") << QByteArray("{\"kty\":\"RSA\"}");
        QTest::newRow("keys not array") << QByteArray("{\"keys\":{}}");
    }
    void rejectsNonKeySets()
    {
        QFETCH(QByteArray, text);
        QString error;
        QVERIFY(!Jwks::fromBytes(text, &error).has_value());
        QVERIFY(!error.isEmpty());
    }

    void emptyKeySetIsValid()
    {
        const auto jwks = Jwks::fromBytes(QByteArray("{\"keys\":[]}"));
        QVERIFY(jwks.has_value());
        QVERIFY(jwks->isEmpty());
    }

    void cacheRateLimitsRefetch()
    {
        ManualClock clock(QDateTime::fromSecsSinceEpoch(1'700'000'000, Qt::UTC));
        JwksCache cache(300, &clock);
        QVERIFY(!cache.hasKeys());
        QVERIFY(cache.mayRefetch());
        QCOMPARE(cache.ageSecs(), qint64(-1));

        Jwks jwks;
        jwks.addKey(m_rsa);
        cache.setKeys(jwks);
        QVERIFY(cache.hasKeys());
        QCOMPARE(cache.keys().size(), 1);
        QVERIFY(!cache.mayRefetch());
        QCOMPARE(cache.secondsUntilRefetchAllowed(), qint64(300));

        clock.advance(299);
        QVERIFY(!cache.mayRefetch());
        QVERIFY(!cache.tryBeginRefetch());
        QCOMPARE(cache.ageSecs(), qint64(299));
        clock.advance(1);
        QVERIFY(cache.mayRefetch());
        // The first caller wins; a second unknown kid right after does not trigger another fetch.
        QVERIFY(cache.tryBeginRefetch());
        QVERIFY(!cache.tryBeginRefetch());
        // A failed fetch (no setKeys) still counts: the old keys stay, the limit holds.
        clock.advance(10);
        QVERIFY(!cache.mayRefetch());
        QCOMPARE(cache.keys().size(), 1);
        clock.advance(290);
        QVERIFY(cache.tryBeginRefetch());

        // A clock that jumps backwards blocks for at most one interval.
        clock.advance(-86400);
        QCOMPARE(cache.secondsUntilRefetchAllowed(), qint64(300));
    }
};

QTEST_GUILESS_MAIN(TestJwks)
#include "TestJwks.moc"
