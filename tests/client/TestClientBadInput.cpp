// SPDX-License-Identifier: MIT
// The client against a server that misbehaves in every way the protocol allows: each case must
// end in a clear error (right kind, a message that names the problem) and the very next request
// on the same client must succeed.
#include "protocol/McpClient.h"
#include "transport/StreamableHttpTransport.h"

#include "FakeHttpServer.h"
#include "RpcMessages.h"

#include <QSignalSpy>
#include <QtTest>

using namespace lanyard;
using lanyard::test::FakeHttpServer;
using lanyard::test::rpcResult;
using Script = FakeHttpServer::Script;

class TestClientBadInput : public QObject
{
    Q_OBJECT
private:
    FakeHttpServer* m_server = nullptr;
    McpClient* m_client = nullptr;
    std::function<Script(const json& message)> m_misbehave; // for the request under test

    json await(PendingRequest* r, Error* error, int ms = 10000)
    {
        QSignalSpy ok(r, &PendingRequest::finished);
        QSignalSpy bad(r, &PendingRequest::failed);
        QElapsedTimer t;
        t.start();
        while (ok.isEmpty() && bad.isEmpty() && t.elapsed() < ms)
            QTest::qWait(5);
        if (!bad.isEmpty())
            *error = bad.at(0).at(0).value<Error>();
        else if (ok.isEmpty())
            *error = Error(Error::Kind::Internal, QStringLiteral("test: no answer at all"));
        return ok.isEmpty() ? json() : ok.at(0).at(0).value<json>();
    }

private slots:
    void init()
    {
        m_server = new FakeHttpServer;
        QVERIFY(m_server->listen());
        m_server->setHandler([this](const FakeHttpServer::Request& req) -> Script {
            if (req.method == "DELETE" || req.method == "GET")
                return Script::response(405);
            auto msg = parseJson(req.body);
            if (!msg || !msg->contains("id"))
                return Script::accepted();
            const std::string method = msg->value("method", std::string());
            const json id = (*msg)["id"];
            if (method == "initialize")
                return Script::json(rpcResult(id, json{{"protocolVersion", "2025-11-25"}, {"capabilities", json::object()},
                                                       {"serverInfo", {{"name", "fake"}, {"version", "1"}}}}),
                                    {{"Mcp-Session-Id", "s1"}});
            if (method == "tools/list" && m_misbehave) {
                auto f = std::move(m_misbehave);
                m_misbehave = nullptr;
                return f(*msg);
            }
            return Script::json(rpcResult(id, json{{"tools", json::array()}}));
        });
        auto* transport = new StreamableHttpTransport(m_server->url());
        transport->setMaxMessageBytes(1024 * 1024);
        transport->setMaxResumeAttempts(1);
        transport->setDefaultRetryMs(50);
        ClientOptions o;
        o.requestDefaults.timeoutMs = 1500;
        m_client = new McpClient(transport, o);
        QSignalSpy ready(m_client, &McpClient::ready);
        m_client->connectToServer();
        QTRY_COMPARE(ready.count(), 1);
    }
    void cleanup()
    {
        delete m_client;
        delete m_server;
    }

    void badAnswers_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("mentions");
        QTest::addColumn<std::function<Script(const json&)>>("script");
        using F = std::function<Script(const json&)>;
        QTest::newRow("invalid JSON") << int(Error::Kind::Protocol) << QStringLiteral("JSON")
                                      << F([](const json&) { return Script::json("{\"jsonrpc\": \"2.0\", \"id\": "); });
        QTest::newRow("no id and no method") << int(Error::Kind::Protocol) << QString()
                                             << F([](const json&) { return Script::json(R"({"jsonrpc":"2.0","result":{}})"); });
        QTest::newRow("answer to an unknown id") << int(Error::Kind::Protocol) << QString()
                                                 << F([](const json&) { return Script::json(rpcResult(4242, json::object())); });
        QTest::newRow("wrong content type") << int(Error::Kind::Protocol) << QStringLiteral("text/html")
                                            << F([](const json&) {
                                                   return Script::response(200, {{"Content-Type", "text/html"}}, "<html>hi</html>");
                                               });
        QTest::newRow("truncated SSE stream") << int(Error::Kind::Connection) << QString()
                                              << F([](const json&) {
                                                     return Script::sse({"event: message\ndata: {\"jsonrpc\":\"2.0\",", "\"id\""});
                                                 });
        QTest::newRow("HTTP 500") << int(Error::Kind::Connection) << QStringLiteral("500")
                                  << F([](const json&) { return Script::response(500, {}, "boom"); });
        QTest::newRow("HTTP 503") << int(Error::Kind::Connection) << QStringLiteral("503")
                                  << F([](const json&) { return Script::response(503, {}, "down"); });
        QTest::newRow("reset mid-stream") << int(Error::Kind::Connection) << QString()
                                          << F([](const json&) {
                                                 return Script().chunkedHead(200, {{"Content-Type", "text/event-stream"}})
                                                     .chunk(": keep-alive\n\n").delay(50).reset();
                                             });
        QTest::newRow("never answers") << int(Error::Kind::Timeout) << QStringLiteral("tools/list")
                                       << F([](const json&) { return Script::never(); });
        QTest::newRow("50 MB answer") << int(Error::Kind::TooLarge) << QString()
                                      << F([](const json&) {
                                             return Script().head(200, {{"Content-Type", "application/json"},
                                                                        {"Content-Length", QByteArray::number(50 * 1024 * 1024)}})
                                                 .streamBody(50 * 1024 * 1024, "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"x\":\"");
                                         });
    }
    void badAnswers()
    {
        QFETCH(int, kind);
        QFETCH(QString, mentions);
        QFETCH(std::function<Script(const json&)>, script);
        m_misbehave = script;
        Error e;
        await(m_client->listTools(), &e);
        QVERIFY2(e.isError(), "the bad answer must fail the request");
        qInfo("%s -> %s: %s", QTest::currentDataTag(), qPrintable(Error::kindName(e.kind)), qPrintable(e.message));
        QVERIFY2(int(e.kind) == kind, qPrintable(QStringLiteral("kind %1: %2").arg(Error::kindName(e.kind), e.message)));
        QVERIFY2(!e.message.isEmpty() && e.message.size() < 400, qPrintable(e.message));
        if (!mentions.isEmpty())
            QVERIFY2(e.message.contains(mentions, Qt::CaseInsensitive), qPrintable(e.message));
        // The client stays usable.
        Error again;
        const json r = await(m_client->listTools(), &again);
        QVERIFY2(!again.isError(), qPrintable(again.message));
        QVERIFY(r["tools"].is_array());
        QCOMPARE(m_client->state(), McpClient::State::Connected);
    }
};

QTEST_GUILESS_MAIN(TestClientBadInput)
#include "TestClientBadInput.moc"
