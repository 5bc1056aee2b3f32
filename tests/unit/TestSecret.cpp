// SPDX-License-Identifier: MIT
#include "util/Secret.h"

#include "LogCapture.h"

#include <QtTest>

using namespace lanyard;

class TestSecret : public QObject
{
    Q_OBJECT
private slots:
    void printsRedacted()
    {
        Secret s(QByteArrayLiteral("eyJhbGciOiJSUzI1NiJ9.payload.signature-value"));
        QString out;
        QDebug(&out) << s;
        QVERIFY(out.startsWith(QStringLiteral("token<redacted sha256:")));
        QVERIFY(!out.contains(QStringLiteral("payload")));
        QCOMPARE(s.fingerprint().size(), 12);
    }
    void logLinesNeverCarryTheValue()
    {
        test::LogCapture capture;
        Secret s(QByteArrayLiteral("super-secret-refresh-token"));
        qWarning() << "refreshing with" << s;
        QVERIFY(capture.contains(QStringLiteral("token<redacted")));
        QVERIFY(!capture.contains(QStringLiteral("super-secret-refresh-token")));
    }
    void copyIsIndependentAndWiped()
    {
        Secret a(QByteArrayLiteral("abc"));
        Secret b = a;
        a.wipe();
        QVERIFY(a.isEmpty());
        QCOMPARE(b.reveal(), QByteArrayLiteral("abc"));
    }
    void constantTimeCompare_data()
    {
        QTest::addColumn<QByteArray>("a");
        QTest::addColumn<QByteArray>("b");
        QTest::addColumn<bool>("equal");
        QTest::newRow("same") << QByteArray("state123") << QByteArray("state123") << true;
        QTest::newRow("differs") << QByteArray("state123") << QByteArray("state124") << false;
        QTest::newRow("prefix") << QByteArray("state") << QByteArray("state123") << false;
        QTest::newRow("empty") << QByteArray() << QByteArray() << true;
    }
    void constantTimeCompare()
    {
        QFETCH(QByteArray, a);
        QFETCH(QByteArray, b);
        QFETCH(bool, equal);
        QCOMPARE(constantTimeEquals(a, b), equal);
    }
};

QTEST_GUILESS_MAIN(TestSecret)
#include "TestSecret.moc"
