// SPDX-License-Identifier: MIT
#include "transport/StreamableHttpTransport.h"

#include "FakeHttpServer.h"
#include "LogCapture.h"

#include <QTcpServer>
#include <QtTest>

using namespace lanyard;
using lanyard::test::FakeHttpServer;
using Script = FakeHttpServer::Script;

namespace {

const QByteArray kOldToken = "old-token-7f3a9c2e1b";
const QByteArray kNewToken = "new-token-4d8e6a0f52";

json request(int id, const char* method = "tools/list")
{
    return json { { "jsonrpc", "2.0" }, { "id", id }, { "method", method }, { "params", json::object() } };
}

json notification(const char* method = "notifications/initialized")
{
    return json { { "jsonrpc", "2.0" }, { "method", method } };
}

QByteArray answerBody(int id)
{
    return dumpJson(json { { "jsonrpc", "2.0" }, { "id", id }, { "result", { { "ok", true } } } });
}

QByteArray sseEvent(const QByteArray& data, const QByteArray& id = {})
{
    QByteArray out;
    if (!id.isEmpty())
        out += "id: " + id + "\n";
    out += "data: " + data + "\n\n";
    return out;
}

// Collects everything a transport reports.
struct Recorder
{
    explicit Recorder(Transport* t)
    {
        QObject::connect(t, &Transport::messageReceived, t, [this](const json& m) { messages.append(m); });
        QObject::connect(t, &Transport::sendFailed, t, [this](const json& id, const Error& e) {
            failures.append({ id, e });
        });
        QObject::connect(t, &Transport::errorOccurred, t, [this](const Error& e) { errors.append(e); });
        QObject::connect(t, &Transport::sessionExpired, t, [this] { ++sessionExpired; });
        QObject::connect(t, &Transport::closed, t, [this] { ++closed; });
        QObject::connect(t, &Transport::started, t, [this] { ++started; });
        QObject::connect(t, &Transport::trafficObserved, t, [this](const TrafficRecord& r) { traffic.append(r); });
    }
    bool hasAnswer(int id) const
    {
        for (const json& m : messages) {
            if (m.contains("id") && m["id"] == id && m.contains("result"))
                return true;
        }
        return false;
    }
    QList<json> messages;
    QList<QPair<json, Error>> failures;
    QList<Error> errors;
    QList<TrafficRecord> traffic;
    int sessionExpired = 0;
    int closed = 0;
    int started = 0;
};

class FakeTokenProvider : public TokenProvider
{
public:
    QByteArray token = kOldToken;
    QByteArray tokenAfterChallenge;
    bool retry = true;
    Error challengeError;
    int headersCalls = 0;
    QList<AuthChallenge> challenges;

    void headersFor(const QUrl&, HeadersCallback callback) override
    {
        ++headersCalls;
        // Asynchronous, like a real provider that may refresh first.
        QTimer::singleShot(1, this, [this, callback] {
            callback({ { "Authorization", "Bearer " + token } }, Error());
        });
    }
    void handleChallenge(const AuthChallenge& challenge, std::function<void(bool, const Error&)> callback) override
    {
        challenges.append(challenge);
        if (retry && !tokenAfterChallenge.isEmpty())
            token = tokenAfterChallenge;
        QTimer::singleShot(5, this, [this, callback] { callback(retry, challengeError); });
    }
    QString strategyName() const override { return QStringLiteral("fake"); }
};

quint16 unusedPort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    const quint16 port = probe.serverPort();
    probe.close();
    return port;
}

} // namespace

class TestStreamableHttpTransport : public QObject
{
    Q_OBJECT
private slots:
    // Messages of 1 MiB and more take the transport's fast parser first; whatever it does, the
    // result must be exactly nlohmann's: the same DOM, or the same refusal (a protocol error).
    void largeMessagesParseExactlyLikeNlohmann_data()
    {
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<bool>("asSse");
        const QList<QPair<const char*, QByteArray>> values {
            { "plain strings and integers", "{\"a\":\"b\",\"n\":[0,1,-1,42]}" },
            { "floats", "[1.5e3,-0.0,1.25,2E-2,0.1]" },
            { "escapes", "\"a\\\"b\\\\c\\/d\\n\\t\\r\\b\\f\\u00e9\\u0000\"" },
            { "surrogate pair", "\"\\ud83d\\ude00\"" },
            { "lone surrogate", "\"\\ud800\"" },
            { "invalid UTF-8", "\"a\xff\xfe\"" },
            { "overlong UTF-8", "\"\xc0\xaf\"" },
            { "valid UTF-8", "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"" },
            { "unescaped control character", "\"a\x01 b\"" },
            { "uint64 max", "18446744073709551615" },
            { "int64 min", "-9223372036854775808" },
            { "integer overflow", "18446744073709551616" },
            { "negative overflow", "-9223372036854775809" },
            { "leading zero", "012" },
            { "minus alone", "-" },
            { "duplicate keys", "{\"k\":1,\"k\":2}" },
            { "deep nesting", QByteArray(300, '[') + QByteArray(300, ']') },
            { "literals and empties", "[true,false,null,{},[],\"\"]" },
            { "bad literal", "nul" },
            { "trailing comma", "[1,2,]" },
            { "missing colon", "{\"a\" 1}" },
        };
        for (const auto& [name, value] : values) {
            QTest::newRow((QByteArray(name) + " (JSON)").constData()) << value << false;
            QTest::newRow((QByteArray(name) + " (SSE)").constData()) << value << true;
        }
    }

    void largeMessagesParseExactlyLikeNlohmann()
    {
        QFETCH(QByteArray, value);
        QFETCH(bool, asSse);
        const QByteArray pad(1200 * 1024, 'p');
        const QByteArray body
            = QByteArray("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"pad\":\"") + pad + "\",\"x\":" + value + "}}";
        const json expected = json::parse(body.constBegin(), body.constEnd(), nullptr, false);

        FakeHttpServer server;
        QVERIFY(server.listen());
        server.enqueue(asSse ? Script::sse({ sseEvent(body) }) : Script::json(body));
        StreamableHttpTransport t(server.url());
        Recorder rec(&t);
        t.start();
        QTRY_COMPARE(rec.started, 1);
        t.send(request(1, "tools/call"));
        QTRY_VERIFY_WITH_TIMEOUT(!rec.messages.isEmpty() || !rec.failures.isEmpty() || !rec.errors.isEmpty(), 20000);
        if (expected.is_discarded()) {
            QVERIFY2(rec.messages.isEmpty(), "accepted what nlohmann refuses");
            QVERIFY(!rec.failures.isEmpty() || !rec.errors.isEmpty());
        } else {
            QVERIFY2(!rec.messages.isEmpty(), "refused what nlohmann accepts");
            QVERIFY(rec.messages.first() == expected);
            // Same types too (an unsigned stays unsigned, a float a float).
            QCOMPARE(rec.messages.first()["result"]["x"].type_name(), expected["result"]["x"].type_name());
            QCOMPARE(
                QByteArray::fromStdString(rec.messages.first().dump()), QByteArray::fromStdString(expected.dump()));
        }
    }

    void jsonAnswer()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.enqueue(Script::json(answerBody(1)));
        StreamableHttpTransport t(server.url());
        Recorder rec(&t);
        t.start();
        QTRY_COMPARE(rec.started, 1);
        t.send(request(1, "initialize"));
        QTRY_VERIFY(rec.hasAnswer(1));
        QCOMPARE(rec.failures.size(), 0);
        const auto r = server.lastRequest();
        QCOMPARE(r.method, QByteArray("POST"));
        QCOMPARE(r.path, QByteArray("/mcp"));
        QVERIFY(r.header("Accept").contains("application/json"));
        QVERIFY(r.header("Accept").contains("text/event-stream"));
        QCOMPARE(r.header("Content-Type"), QByteArray("application/json"));
        QCOMPARE(json::parse(r.body.toStdString()), request(1, "initialize"));
        QVERIFY(!r.hasHeader("Mcp-Session-Id"));
        QVERIFY(!r.hasHeader("MCP-Protocol-Version"));
        QTRY_COMPARE(t.activeExchangeCount(), 0);
    }

    void jsonBatchAnswer()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        const QByteArray batch = "[" + dumpJson(notification("notifications/message")) + "," + answerBody(4) + "]";
        server.enqueue(Script::json(batch));
        StreamableHttpTransport t(server.url());
        Recorder rec(&t);
        t.send(request(4));
        QTRY_VERIFY(rec.hasAnswer(4));
        QCOMPARE(rec.messages.size(), 2);
        QCOMPARE(qs(rec.messages.first(), "method"), QStringLiteral("notifications/message"));
        QCOMPARE(rec.failures.size(), 0);
    }

    void sseAnswerInPieces()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        const QByteArray stream = "id: s1\r\ndata:\r\n\r\n"
            + sseEvent(dumpJson(notification("notifications/progress")), "s2") + ": keep-alive\n\n"
            + sseEvent(answerBody(2), "s3");
        // Cut everywhere awkward: inside "data", between CR and LF, inside the JSON.
        QList<QByteArray> pieces;
        const QList<qsizetype> cuts { 3, 8, 14, 15, 40, 41, 90, stream.size() - 3 };
        qsizetype from = 0;
        for (const qsizetype cut : cuts) {
            pieces.append(stream.mid(from, cut - from));
            from = cut;
        }
        pieces.append(stream.mid(from));
        server.enqueue(Script::sse(pieces, {}, 15));
        StreamableHttpTransport t(server.url());
        Recorder rec(&t);
        t.send(request(2));
        QTRY_VERIFY(rec.hasAnswer(2));
        QCOMPARE(rec.messages.size(), 2);
        QCOMPARE(qs(rec.messages.first(), "method"), QStringLiteral("notifications/progress"));
        QCOMPARE(rec.failures.size(), 0);
        QTRY_COMPARE(t.activeExchangeCount(), 0);
    }

    void sseEventsArriveBeforeTheStreamEnds()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        Script script;
        script.chunkedHead(200, { { "Content-Type", "text/event-stream" } })
            .chunk(sseEvent(dumpJson(notification("notifications/progress"))))
            .hang();
        server.enqueue(script);
        StreamableHttpTransport t(server.url());
        Recorder rec(&t);
        t.send(request(3));
        QTRY_COMPARE(rec.messages.size(), 1); // delivered while the answer is still outstanding
        QCOMPARE(t.activeExchangeCount(), 1);
        t.close();
        QTRY_COMPARE(rec.closed, 1);
    }

    void notificationAccepted()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.enqueue(Script::accepted());
        server.enqueue(Script::response(204));
        StreamableHttpTransport t(server.url());
        Recorder rec(&t);
        t.send(notification());
        t.send(json { { "jsonrpc", "2.0" }, { "id", 99 }, { "result", json::object() } }); // a response to the server
        QTRY_COMPARE(server.requestCount(), 2);
        QTRY_COMPARE(t.activeExchangeCount(), 0);
        QCOMPARE(rec.failures.size(), 0);
        QCOMPARE(rec.errors.size(), 0);
        QCOMPARE(rec.messages.size(), 0);
    }

    void sessionIdAndProtocolVersionHeaders()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.enqueue(Script::json(answerBody(1), { { "Mcp-Session-Id", "sess-0123456789" } }));
        server.setHandler([](const FakeHttpServer::Request& r) {
            return r.body.contains("\"id\"") ? Script::json(answerBody(2)) : Script::accepted();
        });
        StreamableHttpTransport t(server.url());
        t.setExtraHeaders({ { "X-Tenant", "contoso" } });
        Recorder rec(&t);
        t.send(request(1, "initialize"));
        QTRY_VERIFY(rec.hasAnswer(1));
        QCOMPARE(t.sessionId(), QStringLiteral("sess-0123456789"));
        t.setProtocolVersion(QStringLiteral("2025-11-25"));
        t.send(notification());
        t.send(request(2));
        QTRY_VERIFY(rec.hasAnswer(2));
        QCOMPARE(server.requestCount(), 3);
        const auto requests = server.requests();
        QVERIFY(!requests[0].hasHeader("Mcp-Session-Id"));
        QCOMPARE(requests[0].header("X-Tenant"), QByteArray("contoso"));
        for (int i = 1; i < 3; ++i) {
            QCOMPARE(requests[i].header("Mcp-Session-Id"), QByteArray("sess-0123456789"));
            QCOMPARE(requests[i].header("MCP-Protocol-Version"), QByteArray("2025-11-25"));
            QCOMPARE(requests[i].header("X-Tenant"), QByteArray("contoso"));
        }
    }

    void malformedSessionIdIgnored()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.enqueue(Script::json(answerBody(1), { { "Mcp-Session-Id", "bad id with spaces" } }));
        StreamableHttpTransport t(server.url());
        Recorder rec(&t);
        t.send(request(1, "initialize"));
        QTRY_VERIFY(rec.hasAnswer(1));
        QVERIFY(t.sessionId().isEmpty());
    }

    void notFoundExpiresSession()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.enqueue(Script::json(answerBody(1), { { "Mcp-Session-Id", "sess-A" } }));
        server.enqueue(Script::response(404, { { "Content-Type", "text/plain" } }, "session not found"));
        server.enqueue(Script::json(answerBody(3), { { "Mcp-Session-Id", "sess-B" } }));
        StreamableHttpTransport t(server.url());
        Recorder rec(&t);
        t.send(request(1, "initialize"));
        QTRY_VERIFY(rec.hasAnswer(1));
        t.send(request(2));
        QTRY_COMPARE(rec.failures.size(), 1);
        QCOMPARE(rec.failures[0].first, json(2));
        QCOMPARE(rec.failures[0].second.kind, Error::Kind::SessionExpired);
        QCOMPARE(rec.sessionExpired, 1);
        QVERIFY(t.sessionId().isEmpty());
        // The client initializes again: no stale session id goes out.
        t.send(request(3, "initialize"));
        QTRY_VERIFY(rec.hasAnswer(3));
        QVERIFY(!server.lastRequest().hasHeader("Mcp-Session-Id"));
        QCOMPARE(t.sessionId(), QStringLiteral("sess-B"));
    }

    void notFoundWithoutSessionIsPlainError()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.enqueue(Script::response(404));
        StreamableHttpTransport t(server.url());
        Recorder rec(&t);
        t.send(request(1));
        QTRY_COMPARE(rec.failures.size(), 1);
        QCOMPARE(rec.failures[0].second.kind, Error::Kind::Protocol);
        QCOMPARE(rec.failures[0].second.code, 404);
        QCOMPARE(rec.sessionExpired, 0);
    }

    void closeDeletesSession_data()
    {
        QTest::addColumn<int>("deleteStatus");
        QTest::addColumn<int>("bodyBytes");
        QTest::newRow("200") << 200 << 0;
        QTest::newRow("405 ignored") << 405 << 0;
        QTest::newRow("404 with a long body") << 404 << 10000;
    }
    void closeDeletesSession()
    {
        QFETCH(int, deleteStatus);
        QFETCH(int, bodyBytes);
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.enqueue(Script::json(answerBody(1), { { "Mcp-Session-Id", "sess-del" } }));
        server.enqueue(
            Script::response(deleteStatus, { { "Content-Type", "text/plain" } }, QByteArray(bodyBytes, 'x')));
        StreamableHttpTransport t(server.url());
        Recorder rec(&t);
        t.send(request(1, "initialize"));
        QTRY_VERIFY(rec.hasAnswer(1));
        t.close();
        QTRY_COMPARE(rec.closed, 1);
        QCOMPARE(server.requestCount(), 2);
        QCOMPARE(server.lastRequest().method, QByteArray("DELETE"));
        QCOMPARE(server.lastRequest().header("Mcp-Session-Id"), QByteArray("sess-del"));
        QCOMPARE(rec.errors.size(), 0);
        QCOMPARE(rec.sessionExpired, 0);
        QVERIFY(t.sessionId().isEmpty());
        // Closed means closed: a late request fails instead of going out.
        t.send(request(5));
        QTRY_COMPARE(rec.failures.size(), 1);
        QCOMPARE(server.requestCount(), 2);
    }

    void closeWithoutSessionSendsNoDelete()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        StreamableHttpTransport t(server.url());
        Recorder rec(&t);
        t.close();
        QTRY_COMPARE(rec.closed, 1);
        QCOMPARE(server.requestCount(), 0);
    }

    void closeDoesNotHangOnSilentDelete()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.enqueue(Script::json(answerBody(1), { { "Mcp-Session-Id", "sess-x" } }));
        server.enqueue(Script::never());
        StreamableHttpTransport t(server.url());
        t.setCloseTimeoutMs(200);
        Recorder rec(&t);
        t.send(request(1, "initialize"));
        QTRY_VERIFY(rec.hasAnswer(1));
        t.close();
        QTRY_COMPARE_WITH_TIMEOUT(rec.closed, 1, 2000);
    }

    void resumesWithLastEventIdHonouringRetry()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        // The POST stream: a priming event with an id and retry, then the connection closes
        // without the answer (the server "polls" us).
        Script post;
        post.chunkedHead(200, { { "Content-Type", "text/event-stream" } })
            .chunk("retry: 300\nid: ev-1\ndata:\n\n")
            .chunk(sseEvent(dumpJson(notification("notifications/progress")), "ev-2"))
            .lastChunk();
        server.enqueue(post);
        server.enqueue(Script::sse({ sseEvent(answerBody(7), "ev-3") }));
        StreamableHttpTransport t(server.url());
        Recorder rec(&t);
        t.send(request(7));
        QTRY_VERIFY(rec.hasAnswer(7));
        QCOMPARE(rec.failures.size(), 0);
        QCOMPARE(server.requestCount(), 2);
        const auto requests = server.requests();
        QCOMPARE(requests[1].method, QByteArray("GET"));
        QCOMPARE(requests[1].header("Last-Event-ID"), QByteArray("ev-2"));
        QVERIFY(requests[1].header("Accept").contains("text/event-stream"));
        const qint64 waited = requests[1].receivedAtMs - requests[0].receivedAtMs;
        QVERIFY2(waited >= 280, qPrintable(QStringLiteral("reconnected after %1 ms").arg(waited)));
        QVERIFY2(waited < 2000, qPrintable(QStringLiteral("reconnected after %1 ms").arg(waited)));
        QTRY_COMPARE(t.activeExchangeCount(), 0);
    }

    void resumesAfterResetMidStream()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        Script post;
        post.chunkedHead(200, { { "Content-Type", "text/event-stream" } })
            .chunk("retry: 20\n" + sseEvent(dumpJson(notification("notifications/progress")), "p-1"))
            .chunk("data: {\"jsonrpc\":\"2.0\",\"id\":8,\"res")
            .delay(20)
            .reset();
        server.enqueue(post);
        server.enqueue(Script::sse({ sseEvent(answerBody(8), "p-2") }));
        StreamableHttpTransport t(server.url());
        Recorder rec(&t);
        t.send(request(8));
        QTRY_VERIFY(rec.hasAnswer(8));
        QCOMPARE(server.requests().at(1).header("Last-Event-ID"), QByteArray("p-1"));
        QCOMPARE(rec.failures.size(), 0);
    }

    void resumeGivesUpAfterAttempts()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        Script post;
        post.chunkedHead(200, { { "Content-Type", "text/event-stream" } })
            .chunk("retry: 20\nid: r-1\ndata:\n\n")
            .lastChunk();
        server.enqueue(post);
        server.setHandler([](const FakeHttpServer::Request&) { return Script::response(503); });
        StreamableHttpTransport t(server.url());
        t.setMaxResumeAttempts(2);
        Recorder rec(&t);
        t.send(request(9));
        QTRY_COMPARE(rec.failures.size(), 1);
        QCOMPARE(rec.failures[0].first, json(9));
        QCOMPARE(rec.failures[0].second.kind, Error::Kind::Connection);
        QVERIFY(rec.failures[0].second.message.contains(QLatin1String("resume")));
        QCOMPARE(server.requestCount(), 3); // the POST and two GETs
        QCOMPARE(t.activeExchangeCount(), 0);
        // Back-off doubles: 20 ms, then 40 ms.
        const auto requests = server.requests();
        QVERIFY(requests[2].receivedAtMs - requests[1].receivedAtMs >= 35);
    }

    void resumeRefusedFailsAtOnce()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        Script post;
        post.chunkedHead(200, { { "Content-Type", "text/event-stream" } })
            .chunk("retry: 10\nid: q-1\ndata:\n\n")
            .lastChunk();
        server.enqueue(post);
        server.enqueue(Script::response(405));
        StreamableHttpTransport t(server.url());
        Recorder rec(&t);
        t.send(request(10));
        QTRY_COMPARE(rec.failures.size(), 1);
        QCOMPARE(rec.failures[0].second.kind, Error::Kind::Connection);
        QCOMPARE(rec.failures[0].second.code, 405);
        QCOMPARE(server.requestCount(), 2);
    }

    void requestFailures_data()
    {
        QTest::addColumn<int>("script");
        QTest::addColumn<int>("kind");
        QTest::addColumn<int>("code");

        QTest::newRow("wrong content type") << 0 << int(Error::Kind::Protocol) << 200;
        QTest::newRow("invalid json") << 1 << int(Error::Kind::Protocol) << 200;
        QTest::newRow("500") << 2 << int(Error::Kind::Connection) << 500;
        QTest::newRow("400") << 3 << int(Error::Kind::Protocol) << 400;
        QTest::newRow("202 for a request") << 4 << int(Error::Kind::Protocol) << 202;
        QTest::newRow("json without the answer") << 5 << int(Error::Kind::Protocol) << 200;
        QTest::newRow("reset mid SSE stream") << 6 << int(Error::Kind::Connection) << 200;
        QTest::newRow("reset mid JSON body") << 7 << int(Error::Kind::Connection) << 200;
        QTest::newRow("SSE ends without answer, no id") << 8 << int(Error::Kind::Connection) << 200;
        QTest::newRow("invalid json in SSE event") << 9 << int(Error::Kind::Protocol) << 200;
        QTest::newRow("closed before any answer") << 10 << int(Error::Kind::Connection) << 0;
        QTest::newRow("json scalar") << 11 << int(Error::Kind::Protocol) << 200;
    }
    void requestFailures()
    {
        QFETCH(int, script);
        QFETCH(int, kind);
        QFETCH(int, code);
        FakeHttpServer server;
        QVERIFY(server.listen());
        const FakeHttpServer::Headers sseHead { { "Content-Type", "text/event-stream" } };
        Script failing;
        switch (script) {
        case 0:
            failing = Script::response(200, { { "Content-Type", "text/html" } }, "<html>hi</html>");
            break;
        case 1:
            failing = Script::json("{\"jsonrpc\":\"2.0\",\"id\":1,");
            break;
        case 2:
            failing = Script::json("{\"error\":\"boom\"}", {}, 500);
            break;
        case 3:
            failing = Script::response(400, { { "Content-Type", "text/plain" } }, "bad version");
            break;
        case 4:
            failing = Script::accepted();
            break;
        case 5:
            failing = Script::json(dumpJson(notification("notifications/message")));
            break;
        case 6:
            failing = Script().chunkedHead(200, sseHead).chunk("data: {\"jsonrpc\"").delay(20).reset();
            break;
        case 7:
            failing = Script()
                          .head(200, { { "Content-Type", "application/json" }, { "Content-Length", "100" } })
                          .raw("{\"jsonrpc\":")
                          .delay(20)
                          .reset();
            break;
        case 8:
            failing = Script::sse({ sseEvent(dumpJson(notification("notifications/message"))) });
            break;
        case 9:
            failing = Script::sse({ sseEvent("{not json") });
            break;
        case 10:
            failing = Script().delay(20).close();
            break; // Qt itself resends once on such an EOF
        case 11:
            failing = Script::json("42");
            break;
        }
        server.setHandler([failing](const FakeHttpServer::Request& r) {
            return r.body.contains("\"id\":2") ? Script::json(answerBody(2)) : failing;
        });

        StreamableHttpTransport t(server.url());
        Recorder rec(&t);
        t.send(request(1));
        QTRY_COMPARE(rec.failures.size(), 1);
        QCOMPARE(rec.failures[0].first, json(1));
        QCOMPARE(int(rec.failures[0].second.kind), kind);
        if (code)
            QCOMPARE(rec.failures[0].second.code, code);
        QVERIFY(!rec.failures[0].second.message.isEmpty());
        QVERIFY(!rec.hasAnswer(1));

        // The transport stays usable.
        t.send(request(2));
        QTRY_VERIFY(rec.hasAnswer(2));
        QCOMPARE(rec.failures.size(), 1);
        QTRY_COMPARE(t.activeExchangeCount(), 0);
    }

    void serverErrorTextStaysOutOfTheMessage()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        const QByteArray jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlX3ZhbHVlX2hlcmU";
        server.enqueue(Script::response(
            502, { { "Content-Type", "text/plain" } }, "upstream db-17.internal failed for token " + jwt));
        StreamableHttpTransport t(server.url());
        Recorder rec(&t);
        t.send(request(1));
        QTRY_COMPARE(rec.failures.size(), 1);
        const Error e = rec.failures[0].second;
        QCOMPARE(e.kind, Error::Kind::Connection);
        QCOMPARE(e.code, 502);
        QVERIFY(!e.message.contains(QLatin1String("db-17")));
        QVERIFY(e.message.contains(QLatin1String("502")));
        QVERIFY(e.detail.contains(QLatin1String("db-17.internal"))); // the excerpt is in the detail...
        QVERIFY(!e.detail.contains(QString::fromLatin1(jwt))); // ...redacted
    }

    void connectionRefused()
    {
        QUrl url(QStringLiteral("http://127.0.0.1/mcp"));
        url.setPort(unusedPort());
        StreamableHttpTransport t(url);
        Recorder rec(&t);
        t.send(request(1));
        QTRY_COMPARE(rec.failures.size(), 1);
        QCOMPARE(rec.failures[0].second.kind, Error::Kind::Connection);
        QVERIFY(rec.failures[0].second.message.contains(QLatin1String("refused")));
    }

    void neverAnsweredStaysPendingUntilClose()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.enqueue(Script::never());
        StreamableHttpTransport t(server.url());
        Recorder rec(&t);
        t.send(request(1));
        QTRY_COMPARE(server.requestCount(), 1);
        QTest::qWait(300);
        QCOMPARE(rec.failures.size(), 0); // the protocol layer's timeout decides, not the transport
        QCOMPARE(t.activeExchangeCount(), 1);
        t.close();
        QTRY_COMPARE(rec.closed, 1);
        QCOMPARE(t.activeExchangeCount(), 0);
        QCOMPARE(rec.failures.size(), 0); // failed by the protocol layer on closed()
        QTRY_COMPARE(server.openConnectionCount(), 0);
    }

    void tooLargeAnswerIsCutOff_data()
    {
        QTest::addColumn<int>("variant");
        QTest::newRow("json with Content-Length") << 0;
        QTest::newRow("json chunked") << 1;
        QTest::newRow("json until close") << 2;
        QTest::newRow("one SSE event") << 3;
    }
    void tooLargeAnswerIsCutOff()
    {
        QFETCH(int, variant);
        // Far more than the limit: between the transport's hang-up and the server noticing it, the
        // loopback socket buffers and Qt's HTTP thread can take several MB (up to 38 MB seen with both
        // cores busy), so "the server could not deliver the rest" is checked against 256 MB.
        constexpr qint64 total = 256LL * 1024 * 1024;
        const QByteArray jsonPrefix = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"blob\":\"";
        FakeHttpServer server;
        QVERIFY(server.listen());
        Script script;
        switch (variant) {
        case 0:
            script
                .head(200, { { "Content-Type", "application/json" }, { "Content-Length", QByteArray::number(total) } })
                .streamBody(total, jsonPrefix);
            break;
        case 1:
            script.chunkedHead(200, { { "Content-Type", "application/json" } }).streamBody(total, jsonPrefix, true);
            break;
        case 2:
            script.head(200, { { "Content-Type", "application/json" } }).streamBody(total, jsonPrefix).close();
            break;
        case 3:
            script.chunkedHead(200, { { "Content-Type", "text/event-stream" } })
                .streamBody(total, "id: big\ndata: " + jsonPrefix, true);
            break;
        }
        server.enqueue(script);
        server.enqueue(Script::json(answerBody(2)));
        StreamableHttpTransport t(server.url());
        t.setMaxMessageBytes(1024 * 1024);
        Recorder rec(&t);
        t.send(request(1));
        QTRY_COMPARE(rec.failures.size(), 1);
        QCOMPARE(rec.failures[0].second.kind, Error::Kind::TooLarge);
        // The transport hung up early: the server could not deliver the rest.
        QTRY_VERIFY(server.streamInterrupted());
        QVERIFY(!server.streamCompleted());
        QVERIFY2(server.streamBytesWritten() < total / 4,
            qPrintable(QStringLiteral("server wrote %1 bytes").arg(server.streamBytesWritten())));
        QCOMPARE(rec.messages.size(), 0);
        t.send(request(2));
        QTRY_VERIFY(rec.hasAnswer(2));
    }

    void unauthorizedRetriesOnceWithFreshHeaders()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.enqueue(Script::response(401,
            { { "WWW-Authenticate",
                "Bearer error=\"invalid_token\", resource_metadata=\""
                    + server.url(QStringLiteral("/.well-known/oauth-protected-resource/mcp")).toEncoded() + "\"" } }));
        server.enqueue(Script::json(answerBody(1)));
        FakeTokenProvider provider;
        provider.tokenAfterChallenge = kNewToken;
        StreamableHttpTransport t(server.url());
        t.setTokenProvider(&provider);
        Recorder rec(&t);
        test::LogCapture logs;
        t.send(request(1));
        QTRY_VERIFY(rec.hasAnswer(1));
        QCOMPARE(rec.failures.size(), 0);
        QCOMPARE(provider.challenges.size(), 1);
        QCOMPARE(provider.challenges[0].httpStatus, 401);
        QCOMPARE(provider.challenges[0].error, QStringLiteral("invalid_token"));
        QCOMPARE(provider.challenges[0].resourceMetadata.path(),
            QStringLiteral("/.well-known/oauth-protected-resource/mcp"));
        QCOMPARE(provider.headersCalls, 2);
        const auto requests = server.requests();
        QCOMPARE(requests.size(), 2);
        QCOMPARE(requests[0].header("Authorization"), "Bearer " + kOldToken);
        QCOMPARE(requests[1].header("Authorization"), "Bearer " + kNewToken);
        QCOMPARE(requests[1].body, requests[0].body);
        // No token in any log line or traffic record.
        QTRY_VERIFY(rec.traffic.size() >= 4);
        for (const TrafficRecord& r : std::as_const(rec.traffic)) {
            QVERIFY(!r.body.contains(kOldToken));
            QVERIFY(!r.body.contains(kNewToken));
        }
        QVERIFY(rec.traffic[0].body.contains("Authorization: Bearer ***"));
        QVERIFY(!logs.contains(QString::fromLatin1(kOldToken)));
        QVERIFY(!logs.contains(QString::fromLatin1(kNewToken)));
    }

    void unauthorizedTwiceFails()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.setHandler([](const FakeHttpServer::Request&) {
            return Script::response(401, { { "WWW-Authenticate", "Bearer error=\"invalid_token\"" } });
        });
        FakeTokenProvider provider;
        provider.tokenAfterChallenge = kNewToken;
        StreamableHttpTransport t(server.url());
        t.setTokenProvider(&provider);
        Recorder rec(&t);
        t.send(request(1));
        QTRY_COMPARE(rec.failures.size(), 1);
        const Error e = rec.failures[0].second;
        QCOMPARE(e.kind, Error::Kind::Auth);
        QCOMPARE(e.code, 401);
        QVERIFY(e.message.contains(QLatin1String("access token")));
        QVERIFY(e.message.contains(QLatin1String("invalid_token")));
        QCOMPARE(provider.challenges.size(), 1); // consulted once, not in a loop
        QCOMPARE(server.requestCount(), 2);
    }

    void unauthorizedWithoutProviderSaysTokenMissing()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.enqueue(Script::response(401, { { "WWW-Authenticate", "Bearer realm=\"mcp\"" } }));
        StreamableHttpTransport t(server.url());
        Recorder rec(&t);
        t.send(request(1));
        QTRY_COMPARE(rec.failures.size(), 1);
        QCOMPARE(rec.failures[0].second.kind, Error::Kind::Auth);
        QVERIFY(rec.failures[0].second.message.contains(QLatin1String("no access token was sent")));
    }

    void forbiddenInsufficientScopeNamesTheScope()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.enqueue(Script::response(
            403, { { "WWW-Authenticate", "Bearer error=\"insufficient_scope\", scope=\"files:write\"" } }));
        FakeTokenProvider provider;
        provider.retry = false;
        StreamableHttpTransport t(server.url());
        t.setTokenProvider(&provider);
        Recorder rec(&t);
        t.send(request(1));
        QTRY_COMPARE(rec.failures.size(), 1);
        const Error e = rec.failures[0].second;
        QCOMPARE(e.kind, Error::Kind::Auth);
        QCOMPARE(e.code, 403);
        QVERIFY(e.message.contains(QLatin1String("files:write")));
        QCOMPARE(provider.challenges.size(), 1);
        QCOMPARE(provider.challenges[0].scope, QStringLiteral("files:write"));
        QCOMPARE(server.requestCount(), 1);
    }

    void providerErrorFailsTheRequest()
    {
        class FailingProvider : public TokenProvider
        {
        public:
            void headersFor(const QUrl&, HeadersCallback callback) override
            {
                callback({}, Error(Error::Kind::Auth, QStringLiteral("Sign-in was cancelled.")));
            }
            QString strategyName() const override { return QStringLiteral("failing"); }
        } provider;
        FakeHttpServer server;
        QVERIFY(server.listen());
        StreamableHttpTransport t(server.url());
        t.setTokenProvider(&provider);
        Recorder rec(&t);
        t.send(request(1));
        QTRY_COMPARE(rec.failures.size(), 1);
        QCOMPARE(rec.failures[0].second.message, QStringLiteral("Sign-in was cancelled."));
        QCOMPARE(server.requestCount(), 0);
    }

    void crossOriginRedirectRefused_data()
    {
        QTest::addColumn<int>("status");
        QTest::newRow("307") << 307;
        QTest::newRow("308") << 308;
        QTest::newRow("302") << 302;
    }
    void crossOriginRedirectRefused()
    {
        QFETCH(int, status);
        FakeHttpServer server;
        FakeHttpServer elsewhere;
        QVERIFY(server.listen());
        QVERIFY(elsewhere.listen());
        server.enqueue(Script::response(status, { { "Location", elsewhere.url().toEncoded() } }));
        server.enqueue(Script::json(answerBody(2)));
        elsewhere.setHandler([](const FakeHttpServer::Request&) { return Script::json(answerBody(1)); });
        FakeTokenProvider provider;
        StreamableHttpTransport t(server.url());
        t.setTokenProvider(&provider);
        Recorder rec(&t);
        t.send(request(1));
        QTRY_COMPARE(rec.failures.size(), 1);
        QCOMPARE(rec.failures[0].second.kind, Error::Kind::Protocol);
        QVERIFY(rec.failures[0].second.message.contains(QLatin1String("another site")));
        QTest::qWait(100);
        QCOMPARE(elsewhere.requestCount(), 0); // nothing, let alone the token, reached the other origin
        QVERIFY(!rec.hasAnswer(1));
        t.send(request(2));
        QTRY_VERIFY(rec.hasAnswer(2));
    }

    void sameOriginRedirectFollowed()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.enqueue(Script::response(307, { { "Location", "/mcp/v2" } }));
        server.enqueue(Script::json(answerBody(1)));
        FakeTokenProvider provider;
        StreamableHttpTransport t(server.url());
        t.setTokenProvider(&provider);
        Recorder rec(&t);
        t.send(request(1));
        QTRY_VERIFY(rec.hasAnswer(1));
        const auto requests = server.requests();
        QCOMPARE(requests.size(), 2);
        QCOMPARE(requests[1].path, QByteArray("/mcp/v2"));
        QCOMPARE(requests[1].method, QByteArray("POST"));
        QCOMPARE(requests[1].body, requests[0].body);
        QCOMPARE(requests[1].header("Authorization"), "Bearer " + kOldToken);
    }

    void listeningStreamDeliversServerMessages()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.enqueue(Script::json(answerBody(1), { { "Mcp-Session-Id", "sess-L" } }));
        Script stream;
        stream.chunkedHead(200, { { "Content-Type", "text/event-stream" } })
            .chunk(sseEvent(dumpJson(json { { "jsonrpc", "2.0" }, { "id", "srv-1" }, { "method", "ping" } }), "g-1"))
            .hang();
        server.enqueue(stream);
        StreamableHttpTransport t(server.url());
        Recorder rec(&t);
        t.send(request(1, "initialize"));
        QTRY_VERIFY(rec.hasAnswer(1));
        t.startListening();
        QVERIFY(t.isListening());
        QTRY_COMPARE(rec.messages.size(), 2);
        QCOMPARE(qs(rec.messages[1], "method"), QStringLiteral("ping"));
        const auto get = server.lastRequest();
        QCOMPARE(get.method, QByteArray("GET"));
        QCOMPARE(get.header("Accept"), QByteArray("text/event-stream"));
        QCOMPARE(get.header("Mcp-Session-Id"), QByteArray("sess-L"));
        server.enqueue(Script::response(200));
        t.close();
        QTRY_COMPARE(rec.closed, 1);
        QVERIFY(!t.isListening());
    }

    void listeningNotSupported()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.setHandler([](const FakeHttpServer::Request&) { return Script::response(405); });
        StreamableHttpTransport t(server.url());
        Recorder rec(&t);
        t.startListening();
        QTRY_VERIFY(t.listeningUnsupported());
        QVERIFY(!t.isListening());
        t.startListening(); // does not try again
        QTest::qWait(50);
        QCOMPARE(server.requestCount(), 1);
        QCOMPARE(rec.errors.size(), 0);
    }

    void listeningStreamReconnects()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.enqueue(Script::sse({ "retry: 20\n" + sseEvent(dumpJson(notification("notifications/a")), "l-1") }));
        Script second;
        second.chunkedHead(200, { { "Content-Type", "text/event-stream" } })
            .chunk(sseEvent(dumpJson(notification("notifications/b")), "l-2"))
            .hang();
        server.enqueue(second);
        StreamableHttpTransport t(server.url());
        Recorder rec(&t);
        t.startListening();
        QTRY_COMPARE(rec.messages.size(), 2);
        QCOMPARE(server.requests().at(1).header("Last-Event-ID"), QByteArray("l-1"));
        QVERIFY(t.isListening());
        t.close();
        QTRY_COMPARE(rec.closed, 1);
    }

    void sharedNetworkAccessManager()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.enqueue(Script::json(answerBody(1)));
        QNetworkAccessManager network;
        StreamableHttpTransport t(server.url(), &network);
        Recorder rec(&t);
        t.send(request(1));
        QTRY_VERIFY(rec.hasAnswer(1));
        QCOMPARE(t.findChildren<QNetworkAccessManager*>().size(), 0);
    }

    void destroyedWhileBusy()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.enqueue(Script::never());
        {
            StreamableHttpTransport t(server.url());
            t.send(request(1));
            QTRY_COMPARE(server.requestCount(), 1);
        }
        QTRY_COMPARE(server.openConnectionCount(), 0);
    }
};

QTEST_GUILESS_MAIN(TestStreamableHttpTransport)
#include "TestStreamableHttpTransport.moc"
