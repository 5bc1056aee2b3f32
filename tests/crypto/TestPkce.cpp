// SPDX-License-Identifier: MIT
#include "crypto/Base64Url.h"
#include "crypto/Pkce.h"

#include <QtTest>

using namespace lanyard::crypto;

class TestPkce : public QObject
{
    Q_OBJECT
private slots:
    void rfc7636AppendixB()
    {
        // RFC 7636 Appendix B: the 32 octets, their base64url verifier and the S256 challenge.
        const unsigned char octets[] = { 116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22,
            212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121 };
        const QByteArray raw(reinterpret_cast<const char*>(octets), sizeof octets);
        const QString verifier = QStringLiteral("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        QCOMPARE(QString::fromLatin1(base64UrlEncode(raw)), verifier);
        QVERIFY(pkce::isValidVerifier(verifier));
        QCOMPARE(pkce::challengeS256(verifier), QStringLiteral("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
        QVERIFY(pkce::verifyS256(verifier, QStringLiteral("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")));
        QVERIFY(!pkce::verifyS256(verifier, QStringLiteral("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN")));
    }

    void generatedVerifiers()
    {
        const QString a = pkce::verifier();
        const QString b = pkce::verifier();
        QCOMPARE(a.size(), 43);
        QVERIFY(pkce::isValidVerifier(a));
        QVERIFY(a != b);
        QVERIFY(pkce::verifyS256(a, pkce::challengeS256(a)));
        QVERIFY(!pkce::verifyS256(b, pkce::challengeS256(a)));
        QCOMPARE(pkce::challengeS256(a).size(), 43);
    }

    void verifierRules_data()
    {
        QTest::addColumn<QString>("verifier");
        QTest::addColumn<bool>("valid");
        QTest::newRow("43 chars") << QString(43, QLatin1Char('a')) << true;
        QTest::newRow("128 chars") << QString(128, QLatin1Char('Z')) << true;
        QTest::newRow("unreserved punctuation") << QStringLiteral("abc-._~") + QString(40, QLatin1Char('0')) << true;
        QTest::newRow("42 chars") << QString(42, QLatin1Char('a')) << false;
        QTest::newRow("129 chars") << QString(129, QLatin1Char('a')) << false;
        QTest::newRow("plus") << QStringLiteral("+") + QString(42, QLatin1Char('a')) << false;
        QTest::newRow("space") << QStringLiteral(" ") + QString(42, QLatin1Char('a')) << false;
        QTest::newRow("non-ascii") << QStringLiteral("\u00e9") + QString(42, QLatin1Char('a')) << false;
    }
    void verifierRules()
    {
        QFETCH(QString, verifier);
        QFETCH(bool, valid);
        QCOMPARE(pkce::isValidVerifier(verifier), valid);
        // An invalid verifier never matches, even against its own challenge.
        QCOMPARE(pkce::verifyS256(verifier, pkce::challengeS256(verifier)), valid);
    }
};

QTEST_GUILESS_MAIN(TestPkce)
#include "TestPkce.moc"
