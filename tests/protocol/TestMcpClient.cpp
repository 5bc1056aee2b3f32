// SPDX-License-Identifier: MIT
#include "protocol/Elicitation.h"
#include "protocol/McpClient.h"

#include "InMemoryTransport.h"

#include <QSignalSpy>
#include <QtTest>

using namespace lanyard;
using lanyard::test::InMemoryTransport;

// A scripted MCP server on the other end of an in-memory transport.
class FakeServer
{
public:
    explicit FakeServer(InMemoryTransport* t) : transport(t)
    {
        t->onSend = [this](const json& m) { onClientMessage(m); };
    }
    InMemoryTransport* transport;
    QString version = QStringLiteral("2025-11-25");
    int toolCount = 3;
    int pageSize = 2;
    bool repeatCursor = false;
    int initializeCount = 0;
    bool expireNext = false;
    json lastInitializeParams;
    QStringList methods;

    void reply(const json& id, const json& result)
    {
        transport->inject(json{{"jsonrpc", "2.0"}, {"id", id}, {"result", result}});
    }
    void onClientMessage(const json& m)
    {
        if (!m.contains("method") || !m.contains("id"))
            return;
        const std::string method = m["method"];
        methods << QString::fromStdString(method);
        const json id = m["id"];
        if (method == "initialize") {
            ++initializeCount;
            lastInitializeParams = m["params"];
            reply(id, json{{"protocolVersion", version.toStdString()},
                           {"capabilities", {{"tools", {{"listChanged", true}}}}},
                           {"serverInfo", {{"name", "fake"}, {"version", "1"}}}});
        } else if (method == "tools/list") {
            if (expireNext) {
                expireNext = false;
                emit transport->sendFailed(id, Error(Error::Kind::SessionExpired, QStringLiteral("expired")));
                return;
            }
            int start = 0;
            if (m["params"].contains("cursor"))
                start = std::stoi(m["params"]["cursor"].get<std::string>());
            json tools = json::array();
            for (int i = start; i < std::min(toolCount, start + pageSize); ++i)
                tools.push_back(json{{"name", "tool" + std::to_string(i)}, {"inputSchema", {{"type", "object"}}}});
            json result = {{"tools", tools}};
            if (start + pageSize < toolCount)
                result["nextCursor"] = repeatCursor ? std::string("0") : std::to_string(start + pageSize);
            reply(id, result);
        } else {
            reply(id, json::object());
        }
    }
};

class TestMcpClient : public QObject
{
    Q_OBJECT
private:
    McpClient* m_client = nullptr;
    InMemoryTransport* m_transport = nullptr;
    std::unique_ptr<FakeServer> m_server;

    bool connectClient()
    {
        QSignalSpy ready(m_client, &McpClient::ready);
        m_client->connectToServer();
        return ready.wait(2000) || ready.count() == 1;
    }
    json await(PendingRequest* r, Error* error = nullptr)
    {
        QSignalSpy ok(r, &PendingRequest::finished);
        QSignalSpy bad(r, &PendingRequest::failed);
        for (int i = 0; i < 200 && ok.isEmpty() && bad.isEmpty(); ++i)
            QTest::qWait(10);
        if (!bad.isEmpty() && error)
            *error = bad.at(0).at(0).value<Error>();
        return ok.isEmpty() ? json() : ok.at(0).at(0).value<json>();
    }

private slots:
    void init()
    {
        m_transport = new InMemoryTransport;
        m_server = std::make_unique<FakeServer>(m_transport);
        ClientOptions o;
        o.roots = json::array({json{{"uri", "file:///tmp/project"}, {"name", "project"}}});
        m_client = new McpClient(m_transport, o);
    }
    void cleanup()
    {
        delete m_client;
        m_server.reset();
    }

    void handshakeOffersLatestAndSendsInitialized()
    {
        QVERIFY(connectClient());
        QCOMPARE(m_client->state(), McpClient::State::Connected);
        const json p = m_server->lastInitializeParams;
        QCOMPARE(p["protocolVersion"], "2025-11-25");
        QCOMPARE(p["clientInfo"]["name"], "lanyard");
        QVERIFY(p["capabilities"].contains("roots"));
        QVERIFY(p["capabilities"].contains("elicitation"));
        QTRY_VERIFY(std::any_of(m_transport->sent.begin(), m_transport->sent.end(), [](const json& m) {
            return m.value("method", std::string()) == "notifications/initialized";
        }));
        QCOMPARE(m_transport->protocolVersion(), QStringLiteral("2025-11-25"));
    }

    void acceptsOlderServers_data()
    {
        QTest::addColumn<QString>("version");
        QTest::addColumn<bool>("accepted");
        QTest::newRow("2025-11-25") << "2025-11-25" << true;
        QTest::newRow("2025-06-18") << "2025-06-18" << true;
        QTest::newRow("2025-03-26") << "2025-03-26" << true;
        QTest::newRow("2024-11-05") << "2024-11-05" << false;
        QTest::newRow("garbage") << "banana" << false;
    }
    void acceptsOlderServers()
    {
        QFETCH(QString, version);
        QFETCH(bool, accepted);
        m_server->version = version;
        QSignalSpy errors(m_client, &McpClient::errorOccurred);
        const bool ok = connectClient();
        QCOMPARE(ok, accepted);
        if (!accepted) {
            QTRY_COMPARE(errors.count(), 1);
            const Error e = errors.at(0).at(0).value<Error>();
            QVERIFY(e.message.contains(version));
            QVERIFY(e.message.contains(QStringLiteral("2025-11-25")));
            QCOMPARE(m_client->state(), McpClient::State::Failed);
        } else {
            QCOMPARE(m_client->serverInfo().protocolVersion, version);
        }
    }

    void listAllFollowsCursors()
    {
        m_server->toolCount = 7;
        m_server->pageSize = 3;
        QVERIFY(connectClient());
        const json r = await(m_client->listTools());
        QCOMPARE(r["tools"].size(), 7u);
        QCOMPARE(r["pages"], 3);
        QCOMPARE(m_client->toolByName(QStringLiteral("tool6"))["name"], "tool6");
    }

    void repeatedCursorStops()
    {
        m_server->toolCount = 7;
        m_server->pageSize = 3;
        m_server->repeatCursor = true;
        QVERIFY(connectClient());
        Error e;
        await(m_client->listTools(), &e);
        QCOMPARE(e.kind, Error::Kind::Protocol);
        QVERIFY(e.message.contains(QStringLiteral("endless")));
    }

    void sessionExpiryReinitializesAndRetries()
    {
        QVERIFY(connectClient());
        QCOMPARE(m_server->initializeCount, 1);
        m_server->expireNext = true;
        const json r = await(m_client->listTools());
        QCOMPARE(r["tools"].size(), 3u);
        QCOMPARE(m_server->initializeCount, 2);
        QCOMPARE(m_client->state(), McpClient::State::Connected);
    }

    void requestBeforeConnectFailsClearly()
    {
        Error e;
        await(m_client->ping(), &e);
        QCOMPARE(e.kind, Error::Kind::Connection);
        QVERIFY(e.message.contains(QStringLiteral("connect first")));
    }

    void rootsAreServed()
    {
        QVERIFY(connectClient());
        m_transport->sent.clear();
        m_transport->inject(json{{"jsonrpc", "2.0"}, {"id", 99}, {"method", "roots/list"}});
        QTRY_VERIFY(!m_transport->sent.isEmpty());
        QCOMPARE(m_transport->sent.last()["result"]["roots"][0]["uri"], "file:///tmp/project");
    }

    void elicitationUsesHandlerAndDefaults()
    {
        QVERIFY(connectClient());
        m_client->setElicitationHandler([](const json& params, std::function<void(const json&)> reply) {
            reply(json{{"action", "accept"}, {"content", elicitation::withDefaults(params["requestedSchema"])}});
        });
        m_transport->sent.clear();
        const json schema = {{"type", "object"},
                             {"properties", {{"name", {{"type", "string"}, {"default", "Ada"}}},
                                             {"age", {{"type", "integer"}, {"default", 36}}},
                                             {"note", {{"type", "string"}}}}}};
        m_transport->inject(json{{"jsonrpc", "2.0"}, {"id", 5}, {"method", "elicitation/create"},
                                 {"params", {{"message", "Who?"}, {"requestedSchema", schema}}}});
        QTRY_VERIFY(!m_transport->sent.isEmpty());
        const json r = m_transport->sent.last()["result"];
        QCOMPARE(r["action"], "accept");
        QCOMPARE(r["content"]["name"], "Ada");
        QCOMPARE(r["content"]["age"], 36);
        QVERIFY(!r["content"].contains("note"));
    }

    void elicitationWithoutHandlerDeclines()
    {
        QVERIFY(connectClient());
        m_transport->sent.clear();
        m_transport->inject(json{{"jsonrpc", "2.0"}, {"id", 6}, {"method", "elicitation/create"}, {"params", json::object()}});
        QTRY_VERIFY(!m_transport->sent.isEmpty());
        QCOMPARE(m_transport->sent.last()["result"]["action"], "decline");
    }

    void toolResultCheck_data()
    {
        QTest::addColumn<QByteArray>("result");
        QTest::addColumn<QByteArray>("tool");
        QTest::addColumn<int>("schema");
        const QByteArray tool = R"({"name":"t","outputSchema":{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]}})";
        QTest::newRow("valid") << QByteArray(R"({"content":[],"structuredContent":{"n":3}})") << tool
                               << int(ToolResultCheck::Schema::Valid);
        QTest::newRow("invalid") << QByteArray(R"({"content":[],"structuredContent":{"n":"x"}})") << tool
                                 << int(ToolResultCheck::Schema::Invalid);
        QTest::newRow("missing") << QByteArray(R"({"content":[]})") << tool
                                 << int(ToolResultCheck::Schema::MissingStructuredContent);
        QTest::newRow("no schema") << QByteArray(R"({"content":[]})") << QByteArray(R"({"name":"t"})")
                                   << int(ToolResultCheck::Schema::NoSchema);
        QTest::newRow("unsupported keyword") << QByteArray(R"({"content":[],"structuredContent":{"n":1}})")
                                             << QByteArray(R"({"name":"t","outputSchema":{"type":"object","unevaluatedProperties":false}})")
                                             << int(ToolResultCheck::Schema::NotFullyChecked);
    }
    void toolResultCheck()
    {
        QFETCH(QByteArray, result);
        QFETCH(QByteArray, tool);
        QFETCH(int, schema);
        const auto check = McpClient::checkToolResult(json::parse(result.toStdString()), json::parse(tool.toStdString()));
        QCOMPARE(int(check.schema), schema);
        QVERIFY(!check.summary().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestMcpClient)
#include "TestMcpClient.moc"
