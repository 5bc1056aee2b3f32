// SPDX-License-Identifier: MIT
// The desktop app's ServerSession (widget-free) against a server whose answers have members of the
// wrong JSON type: tool names that are numbers, a non-boolean isError, content items whose type is
// not a string. Reading server data must never throw (an exception out of a Qt slot ends the app):
// the session stays connected, the odd entries are simply not matched, and the call is recorded.
#include "session/ServerSession.h"

#include "FakeHttpServer.h"
#include "RpcMessages.h"

#include <QNetworkAccessManager>
#include <QSignalSpy>
#include <QtTest>

using namespace lanyard;
using lanyard::test::FakeHttpServer;
using lanyard::test::rpcResult;
using Script = FakeHttpServer::Script;

namespace {
// A scripted Streamable HTTP server: POSTs only, notifications accepted, each request answered by
// `answer(method, id)`.
FakeHttpServer::Handler answering(std::function<Script(const std::string& method, const json& id)> answer)
{
    return [answer](const FakeHttpServer::Request& req) -> Script {
        if (req.method != "POST")
            return Script::response(405);
        auto msg = parseJson(req.body);
        if (!msg || !msg->contains("id"))
            return Script::accepted();
        return answer(msg->value("method", std::string()), (*msg)["id"]);
    };
}
} // namespace

class TestSessionBadInput : public QObject
{
    Q_OBJECT
private slots:
    // Found by the sign-in benchmark: a handler of stateChanged(Connected) that disconnects the
    // session (as a tool that connects, reads one thing and quits would) made the session go on
    // with a client it had just deleted, and crashed.
    void disconnectingFromAStateHandlerIsSafe()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.setHandler(answering([](const std::string& method, const json& id) {
            if (method == "initialize")
                return Script::json(rpcResult(id,
                    json { { "protocolVersion", "2025-11-25" }, { "capabilities", { { "tools", json::object() } } },
                        { "serverInfo", { { "name", "quick" }, { "version", "1" } } } }));
            return Script::json(rpcResult(id, json { { "tools", json::array() } }));
        }));
        QNetworkAccessManager network;
        ServerConfig config;
        config.name = QStringLiteral("quick");
        config.url = server.url();
        ServerSession session(config);
        session.setNetworkAccessManager(&network);
        QList<ServerSession::State> seen;
        connect(&session, &ServerSession::stateChanged, this, [&](ServerSession::State state) {
            seen << state;
            if (state == ServerSession::State::Connected)
                session.disconnectFromServer();
        });
        session.connectToServer();
        QTRY_VERIFY_WITH_TIMEOUT(seen.contains(ServerSession::State::Connected), 10000);
        QTest::qWait(100); // the deleted client's events would run here
        QCOMPARE(session.state(), ServerSession::State::Disconnected);
        QCOMPARE(seen.last(), ServerSession::State::Disconnected);
        session.connectToServer(); // and it can connect again
        QTRY_COMPARE_WITH_TIMEOUT(seen.count(ServerSession::State::Connected), 2, 10000);
    }

    void wronglyTypedMembersDoNotThrow()
    {
        FakeHttpServer server;
        QVERIFY(server.listen());
        server.setHandler(answering([](const std::string& method, const json& id) {
            if (method == "initialize")
                return Script::json(rpcResult(id,
                    json { { "protocolVersion", "2025-11-25" },
                        { "capabilities",
                            { { "tools", json::object() }, { "prompts", json::object() },
                                { "resources", { { "subscribe", "yes" } } } } },
                        { "serverInfo", { { "name", "odd" }, { "version", "1" } } } }));
            if (method == "tools/list")
                return Script::json(rpcResult(id,
                    json { { "tools",
                        json::array({ json { { "name", 5 }, { "inputSchema", { { "type", "object" } } } },
                            json { { "name", "ok" }, { "inputSchema", { { "type", "object" } } } },
                            json { { "name", "ok" }, { "title", "second of the same name" } },
                            json("not an object") }) } }));
            if (method == "prompts/list")
                return Script::json(
                    rpcResult(id, json { { "prompts", json::array({ json { { "name", json::array() } } }) } }));
            if (method == "tools/call")
                return Script::json(rpcResult(id,
                    json { { "isError", "yes" },
                        { "content",
                            json::array({ json { { "type", 1 } }, json { { "type", "text" }, { "text", 5 } } }) } }));
            return Script::json(rpcResult(id, json::object()));
        }));
        QNetworkAccessManager network;
        ServerConfig config;
        config.name = QStringLiteral("odd");
        config.url = server.url();
        ServerSession session(config);
        session.setNetworkAccessManager(&network);
        session.connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), ServerSession::State::Connected, 10000);
        // The entry that is not an object is dropped; the one with a numeric name is kept (unmatched).
        QTRY_VERIFY_WITH_TIMEOUT(session.tools().is_array() && session.tools().size() == 3, 10000);
        QCOMPARE(qs(session.tool(QStringLiteral("ok")), "name"), QStringLiteral("ok"));
        QVERIFY(!session.tool(QStringLiteral("ok")).contains("title")); // the first of two with one name
        QVERIFY(session.hasTool(QStringLiteral("ok")));
        QVERIFY(session.tool(QStringLiteral("5")).empty()); // a number is not the name "5"
        QVERIFY(!session.hasTool(QStringLiteral("5")));
        QVERIFY(!session.hasTool(QString()));
        QVERIFY(session.prompt(QStringLiteral("x")).empty());

        QSignalSpy updated(&session, &ServerSession::historyUpdated);
        PendingRequest* call = session.callTool(QStringLiteral("ok"), json::object());
        QVERIFY(call);
        QTRY_VERIFY_WITH_TIMEOUT(!updated.isEmpty(), 10000);
        QTRY_VERIFY(!session.history().isEmpty() && session.history().last().outcome != CallRecord::Outcome::Running);
        QCOMPARE(session.state(), ServerSession::State::Connected);
    }
};

QTEST_GUILESS_MAIN(TestSessionBadInput)
#include "TestSessionBadInput.moc"
