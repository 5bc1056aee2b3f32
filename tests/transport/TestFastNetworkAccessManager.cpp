// SPDX-License-Identifier: MIT
#include "transport/FastNetworkAccessManager.h"

#include "FakeHttpServer.h"

#include <QAuthenticator>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QPointer>
#include <QProcess>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

using namespace lanyard;
using lanyard::test::FakeHttpServer;
using Script = FakeHttpServer::Script;

namespace {

// Everything one reply reports.
struct Watch
{
    explicit Watch(QNetworkReply* r)
        : reply(r)
    {
        QObject::connect(r, &QNetworkReply::readyRead, r, [this] {
            ++readyReads;
            body += reply->readAll();
            if (!reply->isFinished())
                bodyBeforeFinished = body;
        });
        QObject::connect(r, &QNetworkReply::errorOccurred, r, [this](QNetworkReply::NetworkError e) {
            ++errors;
            error = e;
        });
        QObject::connect(r, &QNetworkReply::finished, r, [this] {
            ++finished;
            body += reply->readAll();
            status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        });
    }
    QPointer<QNetworkReply> reply;
    QByteArray body;
    QByteArray bodyBeforeFinished;
    int readyReads = 0;
    int finished = 0;
    int errors = 0;
    int status = 0;
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
};

#define WAIT_FINISHED(w) QTRY_VERIFY_WITH_TIMEOUT((w).finished > 0, 5000)
#define WAIT_FINISHED_REPLY(r) QTRY_VERIFY_WITH_TIMEOUT((r)->isFinished(), 5000)

QNetworkRequest request(const QUrl& url)
{
    QNetworkRequest r(url);
    r.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::UserVerifiedRedirectPolicy);
    return r;
}

Script text(const QByteArray& body, int status = 200)
{
    return Script::response(status, { { "Content-Type", "text/plain" } }, body);
}

// Sends example.invalid through an HTTP proxy on 127.0.0.1, everything else directly.
class SplitProxyFactory : public QNetworkProxyFactory
{
public:
    explicit SplitProxyFactory(quint16 proxyPort)
        : m_port(proxyPort)
    {
    }
    QList<QNetworkProxy> queryProxy(const QNetworkProxyQuery& query) override
    {
        if (query.peerHostName() == QLatin1String("example.invalid"))
            return { QNetworkProxy(QNetworkProxy::HttpProxy, QStringLiteral("127.0.0.1"), m_port) };
        return { QNetworkProxy(QNetworkProxy::NoProxy) };
    }

private:
    quint16 m_port;
};

} // namespace

class TestFastNetworkAccessManager : public QObject
{
    Q_OBJECT

private slots:
    void contentLengthAndKeepAlive()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.enqueue(text("first", 200));
        server.enqueue(Script::json(R"({"a":1})", { { "X-Extra", "one" }, { "X-Extra", "two" } }));
        FastNetworkAccessManager network;
        Watch a(network.get(request(server.url())));
        WAIT_FINISHED(a);
        QCOMPARE(a.body, QByteArray("first"));
        QCOMPARE(a.status, 200);
        QCOMPARE(a.error, QNetworkReply::NoError);
        QCOMPARE(a.errors, 0);
        QCOMPARE(a.reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString(), QStringLiteral("OK"));
        QCOMPARE(a.reply->header(QNetworkRequest::ContentLengthHeader).toLongLong(), 5);
        QCOMPARE(a.reply->header(QNetworkRequest::ContentTypeHeader).toString(), QStringLiteral("text/plain"));

        Watch b(network.post(request(server.url()), QByteArray("{}")));
        WAIT_FINISHED(b);
        QCOMPARE(b.body, QByteArray(R"({"a":1})"));
        QCOMPARE(b.reply->rawHeader("x-extra"), QByteArray("one, two"));
        QCOMPARE(server.requestCount(), 2);
        QCOMPARE(server.requests().at(1).connectionId, server.requests().at(0).connectionId);
        QCOMPARE(server.requests().at(1).body, QByteArray("{}"));
        QCOMPARE(server.requests().at(1).method, QByteArray("POST"));
        QCOMPARE(network.fastRequestCount(), 2);
        QCOMPARE(network.idleConnectionCount(), 1);
    }

    void chunkedBodyArrivesIncrementally()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.enqueue(Script::sse({ "data: one\n\n", "data: two\n\n", "data: three\n\n" }, {}, 60));
        server.enqueue(text("after"));
        FastNetworkAccessManager network;
        Watch a(network.get(request(server.url())));
        WAIT_FINISHED(a);
        QCOMPARE(a.body, QByteArray("data: one\n\ndata: two\n\ndata: three\n\n"));
        QVERIFY2(a.readyReads >= 3, qPrintable(QString::number(a.readyReads)));
        QVERIFY(a.bodyBeforeFinished.startsWith("data: one\n\n"));
        QCOMPARE(a.reply->rawHeader("Content-Type"), QByteArray("text/event-stream"));

        Watch b(network.get(request(server.url())));
        WAIT_FINISHED(b);
        QCOMPARE(b.body, QByteArray("after"));
        QCOMPARE(server.totalConnectionCount(), 1);
    }

    void bodyUntilClose()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        Script s;
        s.raw("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nhello ").delay(30).raw("world").close();
        server.enqueue(s);
        server.enqueue(text("next"));
        FastNetworkAccessManager network;
        Watch a(network.get(request(server.url())));
        WAIT_FINISHED(a);
        QCOMPARE(a.error, QNetworkReply::NoError);
        QCOMPARE(a.body, QByteArray("hello world"));
        Watch b(network.get(request(server.url())));
        WAIT_FINISHED(b);
        QCOMPARE(b.body, QByteArray("next"));
        QCOMPARE(server.totalConnectionCount(), 2);
    }

    void noBodyForHeadAnd204And304()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        Script head;
        head.raw("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
        server.enqueue(head);
        Script noContent;
        noContent.raw("HTTP/1.1 204 No Content\r\n\r\n");
        server.enqueue(noContent);
        Script notModified;
        notModified.raw("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n");
        server.enqueue(notModified);
        server.enqueue(text("last"));
        FastNetworkAccessManager network;
        Watch a(network.head(request(server.url())));
        WAIT_FINISHED(a);
        QCOMPARE(a.status, 200);
        QVERIFY(a.body.isEmpty());
        Watch b(network.get(request(server.url())));
        WAIT_FINISHED(b);
        QCOMPARE(b.status, 204);
        Watch c(network.get(request(server.url())));
        WAIT_FINISHED(c);
        QCOMPARE(c.status, 304);
        Watch d(network.get(request(server.url())));
        WAIT_FINISHED(d);
        QCOMPARE(d.body, QByteArray("last"));
        QCOMPARE(server.totalConnectionCount(), 1);
    }

    void staleKeptAliveConnectionIsRetriedOnce_data()
    {
        QTest::addColumn<bool>("reset");
        QTest::newRow("close") << false;
        QTest::newRow("reset") << true;
    }

    void staleKeptAliveConnectionIsRetriedOnce()
    {
        QFETCH(bool, reset);
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.enqueue(text("one"));
        Script gone;
        if (reset)
            gone.reset();
        else
            gone.close();
        server.enqueue(gone); // the second request finds the kept-alive connection closing
        server.enqueue(text("two"));
        FastNetworkAccessManager network;
        Watch a(network.get(request(server.url())));
        WAIT_FINISHED(a);
        Watch b(network.post(request(server.url()), QByteArray("payload")));
        WAIT_FINISHED(b);
        QCOMPARE(b.error, QNetworkReply::NoError);
        QCOMPARE(b.body, QByteArray("two"));
        QCOMPARE(server.requestCount(), 3);
        QCOMPARE(server.requests().at(2).body, QByteArray("payload"));
        QVERIFY(server.requests().at(2).connectionId != server.requests().at(1).connectionId);
    }

    void newConnectionClosedWithoutAnswerIsAnError()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        Script gone;
        gone.close();
        server.enqueue(gone);
        FastNetworkAccessManager network;
        Watch a(network.get(request(server.url())));
        WAIT_FINISHED(a);
        QCOMPARE(a.error, QNetworkReply::RemoteHostClosedError);
        QCOMPARE(a.status, 0);
        QCOMPARE(server.requestCount(), 1);
    }

    void bodyCutShortIsAnError()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        Script s;
        s.raw("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this").close();
        server.enqueue(s);
        FastNetworkAccessManager network;
        Watch a(network.get(request(server.url())));
        WAIT_FINISHED(a);
        QCOMPARE(a.error, QNetworkReply::RemoteHostClosedError);
        QCOMPARE(a.status, 200);
        QCOMPARE(a.body, QByteArray("only this"));
    }

    void abortCancels()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.enqueue(Script::never());
        FastNetworkAccessManager network;
        Watch a(network.get(request(server.url())));
        QTRY_COMPARE(server.requestCount(), 1);
        a.reply->abort();
        QCOMPARE(a.finished, 1);
        QCOMPARE(a.errors, 1);
        QCOMPARE(a.error, QNetworkReply::OperationCanceledError);
        QVERIFY(!a.reply->isRunning());
        a.reply->abort(); // again: nothing
        QCOMPARE(a.finished, 1);
        QTRY_COMPARE(server.openConnectionCount(), 0);
        QCOMPARE(network.openConnectionCount(), 0);
    }

    void transferTimeoutCancels()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.enqueue(Script::never());
        FastNetworkAccessManager network;
        QNetworkRequest r = request(server.url());
        r.setTransferTimeout(200);
        QElapsedTimer clock;
        clock.start();
        Watch a(network.get(r));
        WAIT_FINISHED(a);
        QCOMPARE(a.error, QNetworkReply::OperationCanceledError);
        QVERIFY(clock.elapsed() >= 150);
    }

    void connectionRefused()
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        const quint16 port = probe.serverPort();
        probe.close();
        FastNetworkAccessManager network;
        Watch a(network.get(request(QUrl(QStringLiteral("http://127.0.0.1:%1/mcp").arg(port)))));
        WAIT_FINISHED(a);
        QCOMPARE(a.error, QNetworkReply::ConnectionRefusedError);
        QCOMPARE(a.status, 0);
    }

    void httpErrorStatusKeepsItsBody()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.enqueue(text("no such thing", 404));
        FastNetworkAccessManager network;
        Watch a(network.get(request(server.url())));
        WAIT_FINISHED(a);
        QCOMPARE(a.status, 404);
        QCOMPARE(a.error, QNetworkReply::ContentNotFoundError);
        QCOMPARE(a.body, QByteArray("no such thing"));
    }

    void userVerifiedRedirectIsFollowedWhenAllowed()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.enqueue(Script::response(307, { { "Location", "/other" } }, "moved"));
        server.enqueue(text("here"));
        FastNetworkAccessManager network;
        QNetworkReply* reply = network.post(request(server.url()), QByteArray("data"));
        QList<QUrl> targets;
        int statusAtRedirect = 0;
        QObject::connect(reply, &QNetworkReply::redirected, reply, [&](const QUrl& url) {
            targets.append(url);
            statusAtRedirect = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            emit reply->redirectAllowed();
        });
        Watch a(reply);
        WAIT_FINISHED(a);
        QCOMPARE(targets, QList<QUrl>({ server.url(QStringLiteral("/other")) }));
        QCOMPARE(statusAtRedirect, 307);
        QCOMPARE(a.status, 200);
        QCOMPARE(a.body, QByteArray("here"));
        QCOMPARE(reply->url(), server.url(QStringLiteral("/other")));
        QCOMPARE(server.requests().at(1).method, QByteArray("POST"));
        QCOMPARE(server.requests().at(1).body, QByteArray("data"));
        QCOMPARE(server.requests().at(1).path, QByteArray("/other"));
        QCOMPARE(server.totalConnectionCount(), 1);
    }

    void userVerifiedRedirectRefusedByAbort()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.enqueue(Script::response(302, { { "Location", "http://elsewhere.invalid/x" } }));
        FastNetworkAccessManager network;
        QNetworkReply* reply = network.get(request(server.url()));
        QObject::connect(reply, &QNetworkReply::redirected, reply, [reply](const QUrl&) { reply->abort(); });
        Watch a(reply);
        WAIT_FINISHED(a);
        QCOMPARE(a.error, QNetworkReply::OperationCanceledError);
        QCOMPARE(a.status, 302);
        QCOMPARE(server.requestCount(), 1);
    }

    void redirectPolicies()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        FastNetworkAccessManager network;
        // Followed on its own (the default policy); a 302 after a POST becomes a GET.
        server.enqueue(Script::response(302, { { "Location", "/b" } }));
        server.enqueue(text("b"));
        QNetworkRequest follow(server.url());
        Watch a(network.post(follow, QByteArray("x")));
        WAIT_FINISHED(a);
        QCOMPARE(a.body, QByteArray("b"));
        QCOMPARE(server.requests().at(1).method, QByteArray("GET"));
        // Manual: the 3xx is the answer.
        server.enqueue(Script::response(301, { { "Location", "/c" } }, "see /c"));
        QNetworkRequest manual(server.url());
        manual.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
        Watch b(network.get(manual));
        WAIT_FINISHED(b);
        QCOMPARE(b.status, 301);
        QCOMPARE(b.body, QByteArray("see /c"));
        QCOMPARE(b.reply->attribute(QNetworkRequest::RedirectionTargetAttribute).toUrl(), QUrl(QStringLiteral("/c")));
        // Too many.
        server.setHandler([](const FakeHttpServer::Request&) {
            return Script::response(307, { { "Location", "/loop" } });
        });
        QNetworkRequest loop(server.url());
        loop.setMaximumRedirectsAllowed(3);
        Watch c(network.get(loop));
        WAIT_FINISHED(c);
        QCOMPARE(c.error, QNetworkReply::TooManyRedirectsError);
        QCOMPARE(server.requestCount(), 2 + 1 + 4);
    }

    void connectionsPerHostAreLimited()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        int maxOpen = 0;
        server.setHandler([&](const FakeHttpServer::Request&) {
            maxOpen = std::max(maxOpen, server.openConnectionCount());
            Script s;
            s.delay(200).raw("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            return s;
        });
        FastNetworkAccessManager network;
        std::vector<std::unique_ptr<Watch>> watches;
        for (int i = 0; i < FastNetworkAccessManager::kDefaultMaxConnectionsPerHost + 4; ++i)
            watches.push_back(std::make_unique<Watch>(network.get(request(server.url()))));
        for (const auto& w : watches)
            WAIT_FINISHED(*w);
        for (const auto& w : watches)
            QCOMPARE(w->body, QByteArray("ok"));
        QCOMPARE(maxOpen, FastNetworkAccessManager::kDefaultMaxConnectionsPerHost);
        QCOMPARE(server.totalConnectionCount(), FastNetworkAccessManager::kDefaultMaxConnectionsPerHost);
    }

    // Event streams stay open for a session; several servers behind one origin each listening
    // must not leave the host without a connection for requests.
    void eventStreamsDoNotTakeTheHostsConnections()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.setHandler([](const FakeHttpServer::Request& r) {
            if (r.method == "GET")
                return Script().chunkedHead(200, { { "Content-Type", "text/event-stream" } }).chunk(": hi\n\n").hang();
            return Script::json(R"({"ok":true})");
        });
        FastNetworkAccessManager network;
        network.setMaxConnectionsPerHost(2);
        std::vector<std::unique_ptr<Watch>> streams;
        for (int i = 0; i < 3; ++i)
            streams.push_back(std::make_unique<Watch>(network.get(request(server.url(QStringLiteral("/sse"))))));
        for (const auto& w : streams)
            QTRY_VERIFY_WITH_TIMEOUT(w->readyReads > 0, 5000);
        QCOMPARE(network.openConnectionCount(), 0); // streams are not counted
        Watch post(network.post(request(server.url(QStringLiteral("/mcp"))), QByteArray("{}")));
        WAIT_FINISHED(post);
        QCOMPARE(post.body, QByteArray(R"({"ok":true})"));
        QCOMPARE(network.openConnectionCount(), 1);
        for (const auto& w : streams)
            w->reply->abort();
        QCOMPARE(network.openConnectionCount(), 1); // the post's idle connection
        QCOMPARE(network.idleConnectionCount(), 1);
    }

    void readBufferSizeHoldsTheServerBack()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.enqueue(
            Script().head(200, { { "Content-Length", QByteArray::number(256LL << 20) } }).streamBody(256LL << 20));
        FastNetworkAccessManager network;
        QNetworkReply* reply = network.get(request(server.url()));
        reply->setReadBufferSize(64 * 1024);
        QTest::qWait(500); // nobody reads
        QVERIFY2(server.streamBytesWritten() < (32LL << 20), qPrintable(QString::number(server.streamBytesWritten())));
        QVERIFY(reply->bytesAvailable() <= 2 * 256 * 1024);
        qint64 total = 0;
        QElapsedTimer clock;
        clock.start();
        while (total < (8LL << 20) && clock.elapsed() < 10000) {
            const QByteArray chunk = reply->read(64 * 1024);
            total += chunk.size();
            if (chunk.isEmpty())
                QTest::qWait(1);
        }
        QVERIFY(total >= (8LL << 20));
        reply->abort();
        delete reply;
    }

    void proxiedRequestsGoToQt()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.enqueue(text("via proxy"));
        FastNetworkAccessManager network;
        network.setProxy(QNetworkProxy(QNetworkProxy::HttpProxy, QStringLiteral("127.0.0.1"), server.port()));
        Watch a(network.get(request(QUrl(QStringLiteral("http://example.invalid/x")))));
        WAIT_FINISHED(a);
        QCOMPARE(network.fastRequestCount(), 0);
        QCOMPARE(a.body, QByteArray("via proxy"));
        QCOMPARE(server.lastRequest().path, QByteArray("http://example.invalid/x"));
    }

    // The redirect leads to a host that needs a proxy: Qt's manager takes over from there (the
    // fast path would have connected directly), and the reply relays its answer.
    void redirectToAProxiedHostIsHandedToQt()
    {
        FakeHttpServer server;
        FakeHttpServer proxy;
        QVERIFY(server.listen());
        QVERIFY(proxy.listen());
        server.enqueue(Script::response(307, { { "Location", "http://example.invalid/y" } }, "moved"));
        proxy.enqueue(Script::response(201, { { "Content-Type", "text/plain" }, { "X-Hop", "proxied" } }, "via proxy"));
        FastNetworkAccessManager network;
        network.setProxyFactory(new SplitProxyFactory(proxy.port()));
        QNetworkRequest follow(server.url());
        follow.setRawHeader("Authorization", "Bearer only-for-the-first-origin");
        follow.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("text/plain"));
        int metaData = 0;
        QNetworkReply* reply = network.post(follow, QByteArray("payload"));
        QObject::connect(reply, &QNetworkReply::metaDataChanged, reply, [&] { ++metaData; });
        Watch a(reply);
        WAIT_FINISHED(a);
        QCOMPARE(a.error, QNetworkReply::NoError);
        QCOMPARE(a.status, 201);
        QCOMPARE(a.body, QByteArray("via proxy"));
        QCOMPARE(a.finished, 1);
        QVERIFY(metaData >= 1);
        QCOMPARE(reply->rawHeader("X-Hop"), QByteArray("proxied"));
        QCOMPARE(reply->url(), QUrl(QStringLiteral("http://example.invalid/y")));
        QCOMPARE(network.fastRequestCount(), 1);
        QCOMPARE(server.requestCount(), 1);
        QCOMPARE(proxy.lastRequest().path, QByteArray("http://example.invalid/y"));
        QCOMPARE(proxy.lastRequest().method, QByteArray("POST")); // 307 keeps the method and body
        QCOMPARE(proxy.lastRequest().body, QByteArray("payload"));
        QVERIFY(!proxy.lastRequest().hasHeader("Authorization"));
    }

    // With UserVerifiedRedirectPolicy every hop after the hand-off is still the caller's to allow,
    // and an error status of the last hop is reported as such.
    void handedOffRedirectsStayUserVerified()
    {
        FakeHttpServer server;
        FakeHttpServer proxy;
        QVERIFY(server.listen());
        QVERIFY(proxy.listen());
        server.enqueue(Script::response(302, { { "Location", "http://example.invalid/a" } }));
        proxy.enqueue(Script::response(302, { { "Location", "http://example.invalid/b" } }));
        proxy.enqueue(text("gone", 410));
        FastNetworkAccessManager network;
        network.setProxyFactory(new SplitProxyFactory(proxy.port()));
        QNetworkReply* reply = network.get(request(server.url()));
        QList<QUrl> targets;
        QObject::connect(reply, &QNetworkReply::redirected, reply, [&](const QUrl& url) {
            targets.append(url);
            emit reply->redirectAllowed();
        });
        Watch a(reply);
        WAIT_FINISHED(a);
        QCOMPARE(targets,
            QList<QUrl>({ QUrl(QStringLiteral("http://example.invalid/a")),
                QUrl(QStringLiteral("http://example.invalid/b")) }));
        QCOMPARE(a.status, 410);
        QCOMPARE(a.error, QNetworkReply::ContentGoneError);
        QCOMPARE(a.errors, 1);
        QCOMPARE(a.body, QByteArray("gone"));
        QCOMPARE(proxy.requestCount(), 2);

        // Aborting while Qt has the request: one finished, OperationCanceledError.
        server.enqueue(Script::response(302, { { "Location", "http://example.invalid/slow" } }));
        proxy.enqueue(Script::never());
        QNetworkRequest plain(server.url());
        Watch b(network.get(plain));
        QTRY_COMPARE(proxy.requestCount(), 3);
        b.reply->abort();
        WAIT_FINISHED(b);
        QCOMPARE(b.finished, 1);
        QCOMPARE(b.error, QNetworkReply::OperationCanceledError);
    }

    // Somebody answers authentication challenges with a slot: Qt's manager serves the request.
    void authenticationSlotSendsRequestsToQt()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.enqueue(Script::response(401, { { "WWW-Authenticate", "Basic realm=\"lab\"" } }, "who?"));
        server.enqueue(text("hello"));
        FastNetworkAccessManager network;
        int asked = 0;
        QObject::connect(&network, &QNetworkAccessManager::authenticationRequired, &network,
            [&](QNetworkReply*, QAuthenticator* authenticator) {
                ++asked;
                authenticator->setUser(QStringLiteral("ada"));
                authenticator->setPassword(QStringLiteral("pw"));
            });
        Watch a(network.get(request(server.url())));
        WAIT_FINISHED(a);
        QCOMPARE(network.fastRequestCount(), 0);
        QCOMPARE(asked, 1);
        QCOMPARE(a.body, QByteArray("hello"));
    }

    // TLS with normal peer verification: a self-signed certificate fails the handshake unless the
    // request's configuration trusts it; then connections are kept alive as over plain TCP.
    void httpsVerifiesThePeer()
    {
        if (!QSslSocket::supportsSsl())
            QSKIP("no TLS backend");
        QTemporaryDir dir;
        QProcess openssl;
        openssl.start(QStringLiteral("openssl"),
            { QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("rsa:2048"),
                QStringLiteral("-nodes"), QStringLiteral("-days"), QStringLiteral("1"), QStringLiteral("-subj"),
                QStringLiteral("/CN=127.0.0.1"), QStringLiteral("-addext"),
                QStringLiteral("subjectAltName=IP:127.0.0.1"), QStringLiteral("-keyout"),
                dir.filePath(QStringLiteral("key.pem")), QStringLiteral("-out"),
                dir.filePath(QStringLiteral("cert.pem")) });
        if (!openssl.waitForFinished(30000) || openssl.exitCode() != 0)
            QSKIP("openssl could not make a certificate");
        QFile certFile(dir.filePath(QStringLiteral("cert.pem")));
        QFile keyFile(dir.filePath(QStringLiteral("key.pem")));
        QVERIFY(certFile.open(QIODevice::ReadOnly) && keyFile.open(QIODevice::ReadOnly));
        const QSslCertificate cert(certFile.readAll(), QSsl::Pem);
        const QSslKey key(keyFile.readAll(), QSsl::Rsa, QSsl::Pem);
        QVERIFY(!cert.isNull() && !key.isNull());

        QSslServer server;
        QSslConfiguration serverConfig = QSslConfiguration::defaultConfiguration();
        serverConfig.setLocalCertificate(cert);
        serverConfig.setPrivateKey(key);
        server.setSslConfiguration(serverConfig);
        int connections = 0;
        QObject::connect(&server, &QTcpServer::pendingConnectionAvailable, &server, [&] {
            while (QTcpSocket* socket = server.nextPendingConnection()) {
                ++connections;
                auto buffer = std::make_shared<QByteArray>();
                QObject::connect(socket, &QIODevice::readyRead, socket, [socket, buffer] {
                    *buffer += socket->readAll();
                    while (buffer->contains("\r\n\r\n")) {
                        buffer->remove(0, buffer->indexOf("\r\n\r\n") + 4);
                        socket->write("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret");
                    }
                });
            }
        });
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        const QUrl url(QStringLiteral("https://127.0.0.1:%1/mcp").arg(server.serverPort()));

        FastNetworkAccessManager network;
        Watch refused(network.get(request(url)));
        WAIT_FINISHED(refused);
        QCOMPARE(refused.error, QNetworkReply::SslHandshakeFailedError);
        QCOMPARE(refused.status, 0);

        QNetworkRequest trusted = request(url);
        QSslConfiguration config = QSslConfiguration::defaultConfiguration();
        config.setCaCertificates({ cert });
        trusted.setSslConfiguration(config);
        Watch a(network.get(trusted));
        WAIT_FINISHED(a);
        QCOMPARE(a.error, QNetworkReply::NoError);
        QCOMPARE(a.body, QByteArray("secret"));
        QVERIFY(a.reply->attribute(QNetworkRequest::ConnectionEncryptedAttribute).toBool());
        Watch b(network.get(trusted));
        WAIT_FINISHED(b);
        QCOMPARE(b.body, QByteArray("secret"));
        QCOMPARE(network.fastRequestCount(), 3);
        QCOMPARE(connections, 1); // the server counts only handshakes that succeeded: a and b shared one
        QCOMPARE(network.idleConnectionCount(), 1);

        // The trusting connection is not lent to a request with another TLS configuration.
        Watch again(network.get(request(url)));
        WAIT_FINISHED(again);
        QCOMPARE(again.error, QNetworkReply::SslHandshakeFailedError);

        // A connection on which the caller ignored the errors is not kept for anybody.
        QNetworkReply* lenient = network.get(request(url));
        QObject::connect(lenient, &QNetworkReply::sslErrors, lenient, [lenient] { lenient->ignoreSslErrors(); });
        Watch c(lenient);
        WAIT_FINISHED(c);
        QCOMPARE(c.body, QByteArray("secret"));
        QCOMPARE(connections, 2);
        Watch strict(network.get(request(url)));
        WAIT_FINISHED(strict);
        QCOMPARE(strict.error, QNetworkReply::SslHandshakeFailedError);
    }

    // A header value with a line break would end the header early: a token from a server's JSON
    // could add a header, or a second request on a kept-alive connection. It is refused, unsent.
    void lineBreakInHeaderValueIsRefused()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        FastNetworkAccessManager network;
        QNetworkRequest bad = request(server.url());
        bad.setRawHeader("Authorization", "Bearer abc\r\nX-Injected: 1");
        Watch a(network.get(bad));
        QCOMPARE(a.finished, 0); // not from inside get()
        WAIT_FINISHED(a);
        QCOMPARE(a.error, QNetworkReply::ProtocolInvalidOperationError);
        QVERIFY(a.reply->errorString().contains(QLatin1String("Authorization")));
        QVERIFY(!a.reply->errorString().contains(QLatin1String("abc")));
        Watch b(network.sendCustomRequest(request(server.url()), "GET /x HTTP/1.1\r\n"));
        WAIT_FINISHED(b);
        QCOMPARE(b.error, QNetworkReply::ProtocolInvalidOperationError);
        QTest::qWait(50);
        QCOMPARE(server.requestCount(), 0);
    }

    // The manager's finished(reply) comes once per reply, as for Qt's own replies, and the reply
    // knows its manager.
    void managerFinishedOncePerReply()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.enqueue(text("one"));
        FastNetworkAccessManager network;
        QList<QNetworkReply*> done;
        QObject::connect(
            &network, &QNetworkAccessManager::finished, &network, [&](QNetworkReply* reply) { done.append(reply); });
        Watch a(network.get(request(server.url())));
        WAIT_FINISHED(a);
        QTest::qWait(20);
        QCOMPARE(done, QList<QNetworkReply*>({ a.reply.data() }));
        QCOMPARE(a.reply->manager(), &network);
    }

    // Interim answers are skipped, but not for ever; after a followed redirect the final answer
    // carries no redirection target; canReadLine sees the reply's own buffer.
    void interimAnswersRedirectTargetAndLines()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        FastNetworkAccessManager network;
        server.enqueue(Script().raw("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\n\r\n"
                                    "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nline\nx"));
        QNetworkReply* reply = network.get(request(server.url()));
        bool sawLine = false;
        QObject::connect(reply, &QNetworkReply::finished, reply, [&] { sawLine = reply->canReadLine(); });
        WAIT_FINISHED_REPLY(reply);
        QVERIFY(sawLine);
        QCOMPARE(reply->readLine(), QByteArray("line\n"));
        QCOMPARE(reply->readAll(), QByteArray("x"));

        QByteArray endless;
        for (int i = 0; i < 11; ++i)
            endless += "HTTP/1.1 100 Continue\r\n\r\n";
        server.enqueue(Script().raw(endless + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
        Watch b(network.get(request(server.url())));
        WAIT_FINISHED(b);
        QCOMPARE(b.error, QNetworkReply::ProtocolFailure);

        server.enqueue(Script::response(302, { { "Location", "/final" } }));
        server.enqueue(text("final"));
        Watch c(network.get(QNetworkRequest(server.url())));
        WAIT_FINISHED(c);
        QCOMPARE(c.body, QByteArray("final"));
        QVERIFY(!c.reply->attribute(QNetworkRequest::RedirectionTargetAttribute).isValid());
    }

    // Chunked framing together with a Content-Length: read as chunked, but the connection is not
    // reused (a proxy on the way may have framed it by the length).
    void chunkedWithContentLengthIsNotReused()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.enqueue(Script().raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
                                    "2\r\nok\r\n0\r\n\r\n"));
        server.enqueue(text("second"));
        FastNetworkAccessManager network;
        Watch a(network.get(request(server.url())));
        WAIT_FINISHED(a);
        QCOMPARE(a.body, QByteArray("ok"));
        Watch b(network.get(request(server.url())));
        WAIT_FINISHED(b);
        QCOMPARE(b.body, QByteArray("second"));
        QCOMPARE(server.totalConnectionCount(), 2);

        server.enqueue(Script().raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: xchunked\r\n\r\nraw body").close());
        Watch c(network.get(request(server.url())));
        WAIT_FINISHED(c);
        QCOMPARE(c.body, QByteArray("raw body")); // not chunked: read until the server closes
    }

    void deletingTheManagerWithRepliesInFlight()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.enqueue(Script::never());
        auto* network = new FastNetworkAccessManager;
        QPointer<QNetworkReply> reply = network->get(request(server.url()));
        QTRY_COMPARE(server.requestCount(), 1);
        delete network;
        QVERIFY(!reply);
        QTRY_COMPARE(server.openConnectionCount(), 0);
    }
};

QTEST_GUILESS_MAIN(TestFastNetworkAccessManager)
#include "TestFastNetworkAccessManager.moc"
