// SPDX-License-Identifier: MIT
#include "protocol/JsonRpcConnection.h"

#include "InMemoryTransport.h"

#include <QSignalSpy>
#include <QtTest>

using namespace lanyard;
using lanyard::test::InMemoryTransport;

class TestJsonRpcConnection : public QObject
{
    Q_OBJECT
private:
    InMemoryTransport* m_transport = nullptr;
    JsonRpcConnection* m_rpc = nullptr;

    json lastSent() const { return m_transport->sent.isEmpty() ? json() : m_transport->sent.last(); }
    void answer(const json& id, const json& result)
    {
        m_transport->inject(json{{"jsonrpc", "2.0"}, {"id", id}, {"result", result}});
    }

private slots:
    void init()
    {
        m_transport = new InMemoryTransport;
        m_rpc = new JsonRpcConnection(m_transport);
    }
    void cleanup()
    {
        delete m_rpc;
        delete m_transport;
    }

    void outOfOrderAnswersReachTheirRequests()
    {
        PendingRequest* a = m_rpc->request(QStringLiteral("a"));
        PendingRequest* b = m_rpc->request(QStringLiteral("b"));
        QSignalSpy spyA(a, &PendingRequest::finished);
        QSignalSpy spyB(b, &PendingRequest::finished);
        const json idA = a->id();
        const json idB = b->id();
        QVERIFY(idA != idB);
        answer(idB, json{{"who", "b"}});
        answer(idA, json{{"who", "a"}});
        QTRY_COMPARE(spyA.count(), 1);
        QTRY_COMPARE(spyB.count(), 1);
        QCOMPARE(spyA.at(0).at(0).value<json>()["who"], "a");
        QCOMPARE(spyB.at(0).at(0).value<json>()["who"], "b");
        QCOMPARE(m_rpc->pendingCount(), 0);
    }

    void requestsCarryJsonRpcFraming()
    {
        m_rpc->request(QStringLiteral("tools/list"), json{{"cursor", "x"}});
        const json m = lastSent();
        QCOMPARE(m["jsonrpc"], "2.0");
        QCOMPARE(m["method"], "tools/list");
        QCOMPARE(m["params"]["cursor"], "x");
        QVERIFY(m["id"].is_number_integer());
    }

    void unknownIdIsReportedAndIgnored()
    {
        QSignalSpy errors(m_rpc, &JsonRpcConnection::protocolError);
        PendingRequest* a = m_rpc->request(QStringLiteral("a"));
        QSignalSpy done(a, &PendingRequest::finished);
        answer(999, json::object());
        QTRY_COMPARE(errors.count(), 1);
        QVERIFY(errors.at(0).at(0).value<Error>().message.contains(QStringLiteral("999")));
        answer(a->id(), json::object());
        QTRY_COMPARE(done.count(), 1); // still usable
    }

    void invalidMessages_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("not an object") << QByteArray("42");
        QTest::newRow("no id no method") << QByteArray(R"({"jsonrpc":"2.0","params":{}})");
        QTest::newRow("method not string") << QByteArray(R"({"jsonrpc":"2.0","method":5})");
        QTest::newRow("empty batch") << QByteArray("[]");
        QTest::newRow("string id answer") << QByteArray(R"({"jsonrpc":"2.0","id":"abc","result":{}})");
    }
    void invalidMessages()
    {
        QFETCH(QByteArray, text);
        QSignalSpy errors(m_rpc, &JsonRpcConnection::protocolError);
        m_transport->inject(json::parse(text.toStdString()));
        QTRY_COMPARE(errors.count(), 1);
        QVERIFY(!errors.at(0).at(0).value<Error>().message.isEmpty());
        // still usable
        PendingRequest* a = m_rpc->request(QStringLiteral("a"));
        QSignalSpy ok(a, &PendingRequest::finished);
        answer(a->id(), json::object());
        QTRY_COMPARE(ok.count(), 1);
    }

    void answerWithBothResultAndErrorFails()
    {
        PendingRequest* a = m_rpc->request(QStringLiteral("a"));
        QSignalSpy failed(a, &PendingRequest::failed);
        m_transport->inject(json{{"jsonrpc", "2.0"}, {"id", a->id()}, {"result", 1}, {"error", {{"code", 1}}}});
        QTRY_COMPARE(failed.count(), 1);
        QCOMPARE(failed.at(0).at(0).value<Error>().kind, Error::Kind::Protocol);
    }

    void rpcErrorCarriesCode()
    {
        PendingRequest* a = m_rpc->request(QStringLiteral("nope"));
        QSignalSpy failed(a, &PendingRequest::failed);
        m_transport->inject(json{{"jsonrpc", "2.0"}, {"id", a->id()}, {"error", {{"code", -32601}, {"message", "no"}}}});
        QTRY_COMPARE(failed.count(), 1);
        const Error e = failed.at(0).at(0).value<Error>();
        QCOMPARE(e.kind, Error::Kind::Rpc);
        QCOMPARE(e.code, -32601);
        QVERIFY(e.message.contains(QStringLiteral("does not support nope")));
    }

    void timeoutSendsCancelledAndFails()
    {
        RequestOptions o;
        o.timeoutMs = 50;
        PendingRequest* a = m_rpc->request(QStringLiteral("slow"), json(), o);
        const json id = a->id();
        QSignalSpy failed(a, &PendingRequest::failed);
        QTRY_COMPARE(failed.count(), 1);
        QCOMPARE(failed.at(0).at(0).value<Error>().kind, Error::Kind::Timeout);
        const json m = lastSent();
        QCOMPARE(m["method"], "notifications/cancelled");
        QCOMPARE(m["params"]["requestId"], id);
        // a late answer is ignored with a protocol error, no crash
        QSignalSpy errors(m_rpc, &JsonRpcConnection::protocolError);
        answer(id, json::object());
        QTRY_COMPARE(errors.count(), 1);
    }

    void progressResetsTimeoutButHardMaximumHolds()
    {
        RequestOptions o;
        o.timeoutMs = 150;
        o.resetTimeoutOnProgress = true;
        o.reportProgress = true;
        o.maxTotalTimeoutMs = 600;
        PendingRequest* a = m_rpc->request(QStringLiteral("tools/call"), json::object(), o);
        const json token = lastSent()["params"]["_meta"]["progressToken"];
        QVERIFY(!token.is_null());
        QSignalSpy progress(a, &PendingRequest::progress);
        QSignalSpy failed(a, &PendingRequest::failed);
        QElapsedTimer t;
        t.start();
        QTimer ticker;
        int sentProgress = 0;
        connect(&ticker, &QTimer::timeout, this, [&] {
            m_transport->inject(json{{"jsonrpc", "2.0"}, {"method", "notifications/progress"},
                                     {"params", {{"progressToken", token}, {"progress", ++sentProgress}, {"total", 100}}}});
        });
        ticker.start(50);
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 3000);
        ticker.stop();
        QVERIFY2(t.elapsed() >= 550, "progress must keep the request alive past the 150 ms timeout");
        QVERIFY(progress.count() >= 5);
        QCOMPARE(progress.at(0).at(1).toDouble(), 100.0);
        QCOMPARE(failed.at(0).at(0).value<Error>().kind, Error::Kind::Timeout);
    }

    void cancelSendsNotification()
    {
        PendingRequest* a = m_rpc->request(QStringLiteral("long"));
        const json id = a->id();
        QSignalSpy failed(a, &PendingRequest::failed);
        a->cancel(QStringLiteral("user pressed Ctrl-C"));
        QCOMPARE(failed.count(), 1);
        QCOMPARE(failed.at(0).at(0).value<Error>().kind, Error::Kind::Cancelled);
        const json m = lastSent();
        QCOMPARE(m["method"], "notifications/cancelled");
        QCOMPARE(m["params"]["requestId"], id);
        QCOMPARE(m["params"]["reason"], "user pressed Ctrl-C");
        QCOMPARE(m_rpc->pendingCount(), 0);
    }

    void initializeIsNeverCancelled()
    {
        RequestOptions o;
        o.timeoutMs = 30;
        o.cancellable = false;
        PendingRequest* a = m_rpc->request(QStringLiteral("initialize"), json::object(), o);
        QSignalSpy failed(a, &PendingRequest::failed);
        QTRY_COMPARE(failed.count(), 1);
        for (const auto& m : m_transport->sent)
            QVERIFY(m.value("method", std::string()) != "notifications/cancelled");
    }

    void pingIsAnswered()
    {
        m_transport->inject(json{{"jsonrpc", "2.0"}, {"id", "srv-1"}, {"method", "ping"}});
        QTRY_VERIFY(!m_transport->sent.isEmpty());
        const json m = lastSent();
        QCOMPARE(m["id"], "srv-1");
        QVERIFY(m["result"].is_object());
    }

    void unknownServerRequestGetsMethodNotFound()
    {
        m_transport->inject(json{{"jsonrpc", "2.0"}, {"id", 7}, {"method", "sampling/createMessage"}});
        QTRY_VERIFY(!m_transport->sent.isEmpty());
        QCOMPARE(lastSent()["error"]["code"], -32601);
    }

    void closeFailsEveryPendingRequest()
    {
        PendingRequest* a = m_rpc->request(QStringLiteral("a"));
        PendingRequest* b = m_rpc->request(QStringLiteral("b"));
        QSignalSpy fa(a, &PendingRequest::failed);
        QSignalSpy fb(b, &PendingRequest::failed);
        m_transport->close();
        QTRY_COMPARE(fa.count(), 1);
        QTRY_COMPARE(fb.count(), 1);
        QCOMPARE(fa.at(0).at(0).value<Error>().kind, Error::Kind::Connection);
        QCOMPARE(m_rpc->pendingCount(), 0);
    }

    void sendFailureFailsThatRequestOnly()
    {
        PendingRequest* a = m_rpc->request(QStringLiteral("a"));
        PendingRequest* b = m_rpc->request(QStringLiteral("b"));
        QSignalSpy fa(a, &PendingRequest::failed);
        QSignalSpy okb(b, &PendingRequest::finished);
        emit m_transport->sendFailed(a->id(), Error(Error::Kind::Connection, QStringLiteral("HTTP 502")));
        QTRY_COMPARE(fa.count(), 1);
        answer(b->id(), json::object());
        QTRY_COMPARE(okb.count(), 1);
    }

    void batchAnswersAreSplit()
    {
        PendingRequest* a = m_rpc->request(QStringLiteral("a"));
        PendingRequest* b = m_rpc->request(QStringLiteral("b"));
        QSignalSpy sa(a, &PendingRequest::finished);
        QSignalSpy sb(b, &PendingRequest::finished);
        m_transport->inject(json::array({json{{"jsonrpc", "2.0"}, {"id", a->id()}, {"result", 1}},
                                         json{{"jsonrpc", "2.0"}, {"id", b->id()}, {"result", 2}}}));
        QTRY_COMPARE(sa.count(), 1);
        QTRY_COMPARE(sb.count(), 1);
    }
};

QTEST_GUILESS_MAIN(TestJsonRpcConnection)
#include "TestJsonRpcConnection.moc"
