// SPDX-License-Identifier: MIT
// lanyard-cli as a user runs it: a real process against a scripted MCP server on loopback.
// Checks output, --json, exit codes, configuration errors and Ctrl-C cancellation.
#include "util/Json.h"

#include "FakeHttpServer.h"
#include "RpcMessages.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

using namespace lanyard;
using lanyard::test::FakeHttpServer;
using lanyard::test::rpcResult;
using Script = FakeHttpServer::Script;

namespace {
struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};
} // namespace

class TestCli : public QObject
{
    Q_OBJECT
private:
    FakeHttpServer m_server;
    QTemporaryDir m_dir;
    QString m_config;

    // Runs lanyard-cli while this process's event loop keeps serving the fake server.
    Run cli(const QStringList& args, std::function<void(QProcess&)> whileRunning = nullptr)
    {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("LANYARD_CONFIG"), m_dir.filePath(QStringLiteral("absent.json")));
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(LANYARD_CLI_PATH), args);
        if (!p.waitForStarted())
            return {};
        if (whileRunning)
            whileRunning(p);
        QElapsedTimer t;
        t.start();
        while (p.state() != QProcess::NotRunning && t.elapsed() < 20000)
            QTest::qWait(10);
        Run r;
        r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
        r.out = QString::fromUtf8(p.readAllStandardOutput());
        r.err = QString::fromUtf8(p.readAllStandardError());
        return r;
    }
    QString url() const { return m_server.url().toString(); }

private slots:
    void initTestCase()
    {
        QVERIFY(m_server.listen());
        m_server.setHandler([](const FakeHttpServer::Request& req) -> Script {
            if (req.method == "DELETE")
                return Script::response(200);
            if (req.method == "GET")
                return Script::response(405);
            auto msg = parseJson(req.body);
            if (!msg || !msg->contains("id"))
                return Script::accepted();
            const json id = (*msg)["id"];
            const std::string method = msg->value("method", std::string());
            if (method == "initialize")
                return Script::json(rpcResult(id, json{{"protocolVersion", "2025-06-18"},
                                                    {"capabilities", {{"tools", json::object()}}},
                                                    {"serverInfo", {{"name", "fake-cli-server"}, {"version", "1"}}}}),
                                    {{"Mcp-Session-Id", "cli-session"}});
            if (method == "tools/list") {
                const bool second = (*msg)["params"].contains("cursor");
                json tools = json::array();
                if (!second) {
                    tools.push_back(json{{"name", "add"}, {"description", "Adds"},
                                         {"inputSchema", {{"type", "object"}}},
                                         {"outputSchema", {{"type", "object"}, {"properties", {{"sum", {{"type", "number"}}}}},
                                                           {"required", {"sum"}}}},
                                         {"annotations", {{"readOnlyHint", true}}}});
                    tools.push_back(json{{"name", "fail"}, {"inputSchema", {{"type", "object"}}}});
                    return Script::json(rpcResult(id, json{{"tools", tools}, {"nextCursor", "page2"}}));
                }
                tools.push_back(json{{"name", "slow"}, {"inputSchema", {{"type", "object"}}},
                                     {"annotations", {{"destructiveHint", true}}}});
                return Script::json(rpcResult(id, json{{"tools", tools}}));
            }
            if (method == "tools/call") {
                const std::string name = (*msg)["params"]["name"];
                const json args = (*msg)["params"].value("arguments", json::object());
                if (name == "add")
                    return Script::json(rpcResult(id, json{{"content", {{{"type", "text"}, {"text", "sum computed"}}}},
                                                        {"structuredContent", {{"sum", args.value("a", 0) + args.value("b", 0)}}}}));
                if (name == "fail")
                    return Script::json(rpcResult(id, json{{"content", {{{"type", "text"}, {"text", "the tool broke"}}}},
                                                        {"isError", true}}));
                return Script::never(); // slow
            }
            if (method == "ping")
                return Script::json(rpcResult(id, json::object()));
            return Script::json(dumpJson(json{{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", -32601}, {"message", "nope"}}}}));
        });
        m_config = m_dir.filePath(QStringLiteral("config.json"));
        QFile f(m_config);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(dumpJson(json{{"servers", {{{"name", "fake"}, {"url", url().toStdString()}}}}}));
    }

    void versionAndHelp()
    {
        Run r = cli({QStringLiteral("--version")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.startsWith(QStringLiteral("lanyard-cli ")));
        r = cli({QStringLiteral("--help")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains(QStringLiteral("Exit codes")));
    }

    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("no command") << QStringList() << QStringLiteral("No command");
        QTest::newRow("unknown command") << QStringList{QStringLiteral("frobnicate")} << QStringLiteral("frobnicate");
        QTest::newRow("unknown option") << QStringList{QStringLiteral("--frob")} << QStringLiteral("--frob");
        QTest::newRow("missing server") << QStringList{QStringLiteral("tools")} << QStringLiteral("SERVER");
        QTest::newRow("bad timeout") << QStringList{QStringLiteral("--timeout"), QStringLiteral("soon"), QStringLiteral("servers")}
                                     << QStringLiteral("--timeout");
        QTest::newRow("stdio without command") << QStringList{QStringLiteral("tools"), QStringLiteral("--stdio")}
                                               << QStringLiteral("--stdio");
    }
    void usageErrors()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, mentions);
        const Run r = cli(args);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(mentions), qPrintable(r.err));
    }

    void configErrorsNameTheFileAndLine()
    {
        const QString bad = m_dir.filePath(QStringLiteral("bad.json"));
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\n  \"servers\": [\n    {\"name\": \"x\",, \"url\": \"http://a\"}\n  ]\n}\n");
        f.close();
        const QByteArray before = [&] { QFile g(bad); g.open(QIODevice::ReadOnly); return g.readAll(); }();
        const Run r = cli({QStringLiteral("--config"), bad, QStringLiteral("servers")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(bad) && r.err.contains(QStringLiteral("line 3")), qPrintable(r.err));
        QFile g(bad);
        QVERIFY(g.open(QIODevice::ReadOnly));
        QCOMPARE(g.readAll(), before); // never overwritten
        const Run r2 = cli({QStringLiteral("--config"), m_config, QStringLiteral("tools"), QStringLiteral("nosuch")});
        QCOMPARE(r2.exitCode, 2);
        QVERIFY2(r2.err.contains(QStringLiteral("No server named \"nosuch\"")) && r2.err.contains(QStringLiteral("fake")),
                 qPrintable(r2.err));
    }

    void serversListsTheConfig()
    {
        const Run r = cli({QStringLiteral("--config"), m_config, QStringLiteral("servers")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains(QStringLiteral("fake")));
        QVERIFY(r.out.contains(url()));
    }

    void toolsFollowsPagesByNameAndUrl()
    {
        Run r = cli({QStringLiteral("--config"), m_config, QStringLiteral("tools"), QStringLiteral("fake")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(QStringLiteral("3 tool(s)")), qPrintable(r.out));
        QVERIFY(r.out.contains(QStringLiteral("[read-only]")));
        QVERIFY(r.out.contains(QStringLiteral("[destructive]")));
        r = cli({QStringLiteral("--json"), QStringLiteral("tools"), url()});
        QCOMPARE(r.exitCode, 0);
        auto j = parseJson(r.out.toUtf8());
        QVERIFY2(j, qPrintable(r.out));
        QCOMPARE((*j)["tools"].size(), 3u);
        QCOMPARE((*j)["pages"], 2);
    }

    void callPrintsResultAndChecksSchema()
    {
        Run r = cli({QStringLiteral("--json"), QStringLiteral("call"), url(), QStringLiteral("add"), QStringLiteral("--args"),
                     QStringLiteral("{\"a\": 2, \"b\": 40}")});
        QCOMPARE(r.exitCode, 0);
        auto j = parseJson(r.out.toUtf8());
        QVERIFY2(j, qPrintable(r.out));
        QCOMPARE((*j)["result"]["structuredContent"]["sum"], 42);
        QCOMPARE((*j)["check"]["schemaCheck"], "valid");
        // session ended with DELETE
        bool deleted = false;
        for (const auto& req : m_server.requests())
            deleted |= req.method == "DELETE" && req.header("Mcp-Session-Id") == "cli-session";
        QVERIFY(deleted);
    }

    void argsFromFileAndBadArgs()
    {
        const QString argsFile = m_dir.filePath(QStringLiteral("args.json"));
        QFile f(argsFile);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"a\": 1, \"b\": 1}");
        f.close();
        Run r = cli({QStringLiteral("call"), url(), QStringLiteral("add"), QStringLiteral("--args"), QLatin1Char('@') + argsFile});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains(QStringLiteral("sum computed")));
        r = cli({QStringLiteral("call"), url(), QStringLiteral("add"), QStringLiteral("--args"), QStringLiteral("{oops")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("--args must be a JSON object")), qPrintable(r.err));
    }

    void repeatMakesSequentialCallsInOneSession()
    {
        const int before = m_server.requestCount();
        const Run r = cli({QStringLiteral("--json"), QStringLiteral("call"), url(), QStringLiteral("add"), QStringLiteral("--args"),
                           QStringLiteral("{\"a\": 1, \"b\": 2}"), QStringLiteral("--repeat"), QStringLiteral("25")});
        QCOMPARE(r.exitCode, 0);
        auto j = parseJson(r.out.toUtf8());
        QVERIFY2(j, qPrintable(r.out));
        QCOMPARE((*j)["calls"], 25);
        QVERIFY((*j)["callsPerSecond"].get<double>() > 0);
        int calls = 0;
        int initializes = 0;
        const auto reqs = m_server.requests();
        for (int i = before; i < reqs.size(); ++i) {
            calls += reqs[i].body.contains("\"tools/call\"") ? 1 : 0;
            initializes += reqs[i].body.contains("\"initialize\"") ? 1 : 0;
        }
        QCOMPARE(calls, 25);
        QCOMPARE(initializes, 1);
        const Run bad = cli({QStringLiteral("call"), url(), QStringLiteral("add"), QStringLiteral("--repeat"), QStringLiteral("0")});
        QCOMPARE(bad.exitCode, 2);
    }

    void toolErrorExitsFive()
    {
        const Run r = cli({QStringLiteral("call"), url(), QStringLiteral("fail")});
        QCOMPARE(r.exitCode, 5);
        QVERIFY(r.err.contains(QStringLiteral("the tool broke")));
    }

    void unreachableServerExitsThree()
    {
        // Port 1 on loopback: nothing listens there, the connection is refused at once.
        const Run r = cli({QStringLiteral("ping"), QStringLiteral("http://127.0.0.1:1/mcp")});
        QCOMPARE(r.exitCode, 3);
        QVERIFY(!r.err.isEmpty());
    }

    void timeoutExitsSix()
    {
        const Run r = cli({QStringLiteral("--timeout"), QStringLiteral("0.5"), QStringLiteral("call"), url(), QStringLiteral("slow")});
        QCOMPARE(r.exitCode, 6);
        QVERIFY2(r.err.contains(QStringLiteral("did not answer")), qPrintable(r.err));
    }

    void ctrlCCancelsTheCallAndExits130()
    {
        const int before = m_server.requestCount();
        const Run r = cli({QStringLiteral("call"), url(), QStringLiteral("slow")}, [this, before](QProcess& p) {
            // Wait until the call is in flight, then press Ctrl-C.
            QElapsedTimer t;
            t.start();
            auto callSeen = [&] {
                const auto reqs = m_server.requests();
                for (int i = before; i < reqs.size(); ++i) {
                    if (reqs[i].body.contains("\"tools/call\""))
                        return true;
                }
                return false;
            };
            while (!callSeen() && t.elapsed() < 10000)
                QTest::qWait(10);
            ::kill(static_cast<pid_t>(p.processId()), SIGINT);
        });
        QCOMPARE(r.exitCode, 130);
        bool cancelled = false;
        const auto reqs = m_server.requests();
        for (int i = before; i < reqs.size(); ++i)
            cancelled |= reqs[i].body.contains("notifications/cancelled");
        QVERIFY2(cancelled, "Ctrl-C must send notifications/cancelled for the call in flight");
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "TestCli.moc"
