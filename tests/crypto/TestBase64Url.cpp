// SPDX-License-Identifier: MIT
#include "crypto/Base64Url.h"
#include "crypto/Random.h"

#include <QtTest>

using namespace lanyard::crypto;

class TestBase64Url : public QObject
{
    Q_OBJECT
private slots:
    void encodes_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QByteArray>("text");
        // RFC 4648 §10 vectors, without padding.
        QTest::newRow("empty") << QByteArray() << QByteArray();
        QTest::newRow("f") << QByteArray("f") << QByteArray("Zg");
        QTest::newRow("fo") << QByteArray("fo") << QByteArray("Zm8");
        QTest::newRow("foo") << QByteArray("foo") << QByteArray("Zm9v");
        QTest::newRow("foob") << QByteArray("foob") << QByteArray("Zm9vYg");
        QTest::newRow("fooba") << QByteArray("fooba") << QByteArray("Zm9vYmE");
        QTest::newRow("foobar") << QByteArray("foobar") << QByteArray("Zm9vYmFy");
        // The URL-safe alphabet: 0xfb 0xff -> "-_8" (standard base64 would be "+/8=").
        QTest::newRow("url-safe chars") << QByteArray("\xfb\xff", 2) << QByteArray("-_8");
        // RFC 7515 §A.1 header bytes (with CR LF) and their encoding.
        QTest::newRow("rfc7515 header") << QByteArray("{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}")
                                        << QByteArray("eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9");
    }
    void encodes()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QByteArray, text);
        QCOMPARE(base64UrlEncode(bytes), text);
        const auto decoded = base64UrlDecode(text);
        QVERIFY(decoded.has_value());
        QCOMPARE(*decoded, bytes);
    }

    void rejects_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("padding") << QByteArray("Zg==");
        QTest::newRow("single padding") << QByteArray("Zm8=");
        QTest::newRow("plus") << QByteArray("+_8");
        QTest::newRow("slash") << QByteArray("-/8");
        QTest::newRow("space") << QByteArray("Zm9v Yg");
        QTest::newRow("newline") << QByteArray("Zm9v\nYg");
        QTest::newRow("trailing newline") << QByteArray("Zm9v\n");
        QTest::newRow("length 1 mod 4") << QByteArray("Zm9vY");
        QTest::newRow("single char") << QByteArray("Z");
        QTest::newRow("dot") << QByteArray("Zm.9");
        QTest::newRow("nul") << QByteArray("Zm\0v", 4);
        QTest::newRow("non-ascii") << QByteArray("Zm\xc3\xa9v");
        // Non-canonical: the unused low bits must be zero ("Zh" would also decode to "f").
        QTest::newRow("non-canonical 2 chars") << QByteArray("Zh");
        QTest::newRow("non-canonical 3 chars") << QByteArray("Zm9");
    }
    void rejects()
    {
        QFETCH(QByteArray, text);
        QVERIFY(!base64UrlDecode(text).has_value());
    }

    void randomRoundTrip()
    {
        for (int n = 0; n < 70; ++n) {
            const QByteArray bytes = randomBytes(n);
            QCOMPARE(bytes.size(), n);
            const QByteArray text = base64UrlEncode(bytes);
            QVERIFY(!text.contains('=') && !text.contains('+') && !text.contains('/'));
            QCOMPARE(base64UrlDecode(text).value_or(QByteArray("mismatch")), bytes);
        }
    }

    void randomValuesDiffer()
    {
        const QString a = randomUrlSafe(32);
        const QString b = randomUrlSafe(32);
        QCOMPARE(a.size(), 43);
        QVERIFY(a != b);
        QVERIFY(randomBytes(0).isEmpty());
        QVERIFY(randomBytes(-3).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestBase64Url)
#include "TestBase64Url.moc"
