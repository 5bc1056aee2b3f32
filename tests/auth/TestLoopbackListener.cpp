// SPDX-License-Identifier: MIT
// Lanyard's loopback redirect listener: the pieces of QOAuthHttpServerReplyHandler it replaces
// (all interfaces, prefix path match, unescaped HTML, no decoding, no timeout).
#include "AuthTestSupport.h"
#include "LogCapture.h"

#include "auth/LoopbackListener.h"

#include <QHostAddress>
#include <QLoggingCategory>
#include <QNetworkInterface>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>

using namespace lanyard;
using namespace lanyard::auth;

class TestLoopbackListener : public QObject
{
    Q_OBJECT
private slots:
    void bindsLoopbackOnly();
    void exactPathOnly_data();
    void exactPathOnly();
    void decodesParametersOnce();
    void refusesDuplicates();
    void resultPageIsEscaped();
    void timesOut();
    void oneCallbackOnly();
    void logsPathNotQuery();
    void localhostHostName();

private:
    QNetworkAccessManager m_nam;
};

void TestLoopbackListener::bindsLoopbackOnly()
{
    LoopbackListener l;
    QVERIFY(l.listen({}));
    QVERIFY(l.port() != 0);
    QCOMPARE(l.redirectUri().host(), QStringLiteral("127.0.0.1"));
    // Any non-loopback IPv4 address of this machine must not reach the listener.
    for (const QHostAddress& a : QNetworkInterface::allAddresses()) {
        if (a.isLoopback() || a.protocol() != QAbstractSocket::IPv4Protocol)
            continue;
        QTcpSocket s;
        s.connectToHost(a, l.port());
        QVERIFY2(!s.waitForConnected(1000), qPrintable(a.toString()));
    }
    QTcpSocket local;
    local.connectToHost(QHostAddress::LocalHost, l.port());
    QVERIFY(local.waitForConnected(2000));
}

void TestLoopbackListener::exactPathOnly_data()
{
    QTest::addColumn<QString>("path");
    QTest::newRow("prefix longer") << "/callbackX";
    QTest::newRow("sub path") << "/callback/evil";
    QTest::newRow("other") << "/";
    QTest::newRow("case") << "/Callback";
}

void TestLoopbackListener::exactPathOnly()
{
    QFETCH(QString, path);
    LoopbackListener l;
    QVERIFY(l.listen({}));
    QSignalSpy spy(&l, &LoopbackListener::callbackReceived);
    QUrl u = l.redirectUri();
    u.setPath(path);
    u.setQuery(QStringLiteral("code=c&state=s"));
    const auto r = authtest::send(m_nam, "GET", u);
    QCOMPARE(r.status, 404);
    QCOMPARE(spy.count(), 0);
    QVERIFY(l.isListening());
    // The right path still works afterwards.
    QUrl ok = l.redirectUri();
    ok.setQuery(QStringLiteral("code=c&state=s"));
    QCOMPARE(authtest::send(m_nam, "GET", ok).status, 200);
    QCOMPARE(spy.count(), 1);
}

void TestLoopbackListener::decodesParametersOnce()
{
    LoopbackListener l;
    QVERIFY(l.listen({}));
    QSignalSpy spy(&l, &LoopbackListener::callbackReceived);
    QUrl u = l.redirectUri();
    u.setQuery(QStringLiteral("code=a%2Fb%2Bc%25d+e&state=s%3D1&error_description=two%2520levels"), QUrl::StrictMode);
    QCOMPARE(authtest::send(m_nam, "GET", u).status, 200);
    QCOMPARE(spy.count(), 1);
    const auto params = spy.at(0).at(0).value<QMap<QString, QString>>();
    QCOMPARE(params.value(QStringLiteral("code")), QStringLiteral("a/b+c%d e"));
    QCOMPARE(params.value(QStringLiteral("state")), QStringLiteral("s=1"));
    QCOMPARE(params.value(QStringLiteral("error_description")), QStringLiteral("two%20levels")); // decoded once only
}

void TestLoopbackListener::refusesDuplicates()
{
    LoopbackListener l;
    QVERIFY(l.listen({}));
    QSignalSpy spy(&l, &LoopbackListener::callbackReceived);
    QUrl u = l.redirectUri();
    u.setQuery(QStringLiteral("code=a&code=b&state=s"));
    authtest::send(m_nam, "GET", u);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(1).toString(), QStringLiteral("code"));
}

void TestLoopbackListener::resultPageIsEscaped()
{
    LoopbackListener l;
    LoopbackListener::Options o;
    o.applicationName = QStringLiteral("<b>App</b>");
    QVERIFY(l.listen(o));
    connect(&l, &LoopbackListener::callbackReceived, &l, [&l](const QMap<QString, QString>& p, const QString&) {
        l.setResultPage(false, p.value(QStringLiteral("error_description")));
    });
    QUrl u = l.redirectUri();
    u.setQuery(QStringLiteral("error=x&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E%22%27%26"), QUrl::StrictMode);
    const auto r = authtest::send(m_nam, "GET", u);
    QCOMPARE(r.status, 400);
    QVERIFY(!r.body.contains("<script>"));
    QVERIFY(!r.body.contains("<b>App"));
    QVERIFY(r.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;"));
    QVERIFY(r.body.contains("&lt;b&gt;App&lt;/b&gt;"));
    QCOMPARE(LoopbackListener::escapeHtml(QStringLiteral("<&>\"'")), QStringLiteral("&lt;&amp;&gt;&quot;&#39;"));
}

void TestLoopbackListener::timesOut()
{
    LoopbackListener l;
    LoopbackListener::Options o;
    o.timeoutMs = 200;
    QVERIFY(l.listen(o));
    QSignalSpy spy(&l, &LoopbackListener::timedOut);
    QVERIFY(spy.wait(3000));
    QVERIFY(!l.isListening());
}

void TestLoopbackListener::oneCallbackOnly()
{
    LoopbackListener l;
    QVERIFY(l.listen({}));
    QSignalSpy spy(&l, &LoopbackListener::callbackReceived);
    QUrl u = l.redirectUri();
    u.setQuery(QStringLiteral("code=c&state=s"));
    QCOMPARE(authtest::send(m_nam, "GET", u).status, 200);
    const auto second = authtest::send(m_nam, "GET", u);
    QVERIFY(second.status != 200); // 410 or connection refused: either way no second callback
    QCOMPARE(spy.count(), 1);
}

void TestLoopbackListener::logsPathNotQuery()
{
    test::LogCapture capture;
    QLoggingCategory::setFilterRules(QStringLiteral("*.debug=true\n*.info=true"));
    LoopbackListener l;
    QVERIFY(l.listen({}));
    QUrl u = l.redirectUri();
    u.setQuery(QStringLiteral("code=SECRET-CODE-123&state=SECRET-STATE-456"));
    authtest::send(m_nam, "GET", u);
    QVERIFY(capture.contains(QStringLiteral("/callback")));
    QVERIFY(!capture.contains(QStringLiteral("SECRET-CODE-123")));
    QVERIFY(!capture.contains(QStringLiteral("SECRET-STATE-456")));
}

void TestLoopbackListener::localhostHostName()
{
    LoopbackListener l;
    LoopbackListener::Options o;
    o.host = QStringLiteral("localhost");
    o.path = QStringLiteral("/auth/done");
    QVERIFY(l.listen(o));
    QCOMPARE(l.redirectUri().toString(), QStringLiteral("http://localhost:%1/auth/done").arg(l.port()));
}

QTEST_GUILESS_MAIN(TestLoopbackListener)
#include "TestLoopbackListener.moc"
