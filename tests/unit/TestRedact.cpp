// SPDX-License-Identifier: MIT
#include "util/Redact.h"

#include <QtTest>

using namespace lanyard;

class TestRedact : public QObject
{
    Q_OBJECT
private slots:
    void urlStripsSecrets()
    {
        const QUrl u(QStringLiteral("http://127.0.0.1:5000/cb?code=SECRETCODE&state=STATEVALUE&x=1"));
        const QString r = redact::url(u);
        QVERIFY(!r.contains(QStringLiteral("SECRETCODE")));
        QVERIFY(!r.contains(QStringLiteral("STATEVALUE")));
        QVERIFY(r.contains(QStringLiteral("x=1")));
    }
    void formBodyStripsSecrets()
    {
        const QByteArray b = "grant_type=refresh_token&refresh_token=RTVALUE&client_id=abc";
        const QByteArray r = redact::formBody(b);
        QVERIFY(!r.contains("RTVALUE"));
        QVERIFY(r.contains("client_id=abc"));
        QVERIFY(r.contains("grant_type=refresh_token"));
    }
    void jsonStripsSecrets()
    {
        const QByteArray b = R"({"access_token":"ATVALUE","token_type":"Bearer","nested":{"id_token":"IDT"}})";
        const QByteArray r = redact::jsonText(b);
        QVERIFY(!r.contains("ATVALUE"));
        QVERIFY(!r.contains("IDT\""));
        QVERIFY(r.contains("Bearer"));
    }
    void headerMasksAuthorization()
    {
        const QByteArray r = redact::headerValue("Authorization", "Bearer abc.def.ghi");
        QVERIFY(r.startsWith("Bearer ***"));
        QVERIFY(!r.contains("abc.def.ghi"));
        QCOMPARE(redact::headerValue("Accept", "text/html"), QByteArray("text/html"));
    }
    void textMasksJwtShapes()
    {
        const QString s = QStringLiteral("got eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlX3ZhbHVl ok");
        QVERIFY(!redact::text(s).contains(QStringLiteral("eyJzdWIiOiIxMjMifQ")));
    }
};

QTEST_GUILESS_MAIN(TestRedact)
#include "TestRedact.moc"
