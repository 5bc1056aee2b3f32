// SPDX-License-Identifier: MIT
// Interop with @modelcontextprotocol/server-everything (the reference server, pinned), over
// Streamable HTTP and over stdio: every tool kind, resources, templates, prompts, progress and
// cancellation, through the same ClientFactory + McpClient the CLI and the app use.
#include "InteropSupport.h"

#include "protocol/McpClient.h"
#include "session/ClientFactory.h"

#include <QSignalSpy>
#include <QTcpSocket>
#include <QtTest>

using namespace lanyard;

class TestEverythingInterop : public QObject
{
    Q_OBJECT
private:
    QProcess* m_httpServer = nullptr;
    quint16 m_port = 0;
    McpClient* m_client = nullptr;

    ServerConfig serverFor(const QString& transport) const
    {
        if (transport == QLatin1String("http"))
            return ClientFactory::inlineHttp(QUrl(QStringLiteral("http://127.0.0.1:%1/mcp").arg(m_port)));
        return ClientFactory::inlineStdio({test::nodeExecutable(),
                                           test::nodeModule(QStringLiteral("@modelcontextprotocol/server-everything/dist/index.js")),
                                           QStringLiteral("stdio")});
    }
    json await(PendingRequest* r, Error* error = nullptr, int ms = 20000)
    {
        QSignalSpy ok(r, &PendingRequest::finished);
        QSignalSpy bad(r, &PendingRequest::failed);
        QElapsedTimer t;
        t.start();
        while (ok.isEmpty() && bad.isEmpty() && t.elapsed() < ms)
            QTest::qWait(10);
        if (!bad.isEmpty() && error)
            *error = bad.at(0).at(0).value<Error>();
        if (ok.isEmpty() && bad.isEmpty() && error)
            *error = Error(Error::Kind::Timeout, QStringLiteral("test timeout"));
        return ok.isEmpty() ? json() : ok.at(0).at(0).value<json>();
    }
    void connectTo(const QString& transport)
    {
        Error e;
        m_client = ClientFactory::instance().create(serverFor(transport), ClientOptions(), &e);
        QVERIFY2(m_client, qPrintable(e.message));
        QSignalSpy ready(m_client, &McpClient::ready);
        QSignalSpy failed(m_client, &McpClient::errorOccurred);
        m_client->connectToServer();
        QTRY_VERIFY_WITH_TIMEOUT(!ready.isEmpty() || !failed.isEmpty(), 20000);
        QVERIFY2(!ready.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.at(0).at(0).value<Error>().message));
        QCOMPARE(qs(m_client->serverInfo().implementation, "name"), QStringLiteral("mcp-servers/everything"));
    }

private slots:
    void initTestCase()
    {
        const QString missing = test::missingPeers({QStringLiteral("@modelcontextprotocol/server-everything")});
        if (!missing.isEmpty())
            QFAIL(qPrintable(missing));
        m_port = test::freePort();
        m_httpServer = new QProcess(this);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("PORT"), QString::number(m_port));
        m_httpServer->setProcessEnvironment(env);
        m_httpServer->setProcessChannelMode(QProcess::MergedChannels);
        m_httpServer->start(test::nodeExecutable(),
                            {test::nodeModule(QStringLiteral("@modelcontextprotocol/server-everything/dist/index.js")),
                             QStringLiteral("streamableHttp")});
        QVERIFY(m_httpServer->waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT([this] {
            QTcpSocket s;
            s.connectToHost(QHostAddress::LocalHost, m_port);
            return s.waitForConnected(200);
        }(), 20000);
    }
    void cleanupTestCase()
    {
        if (m_httpServer) {
            m_httpServer->terminate();
            if (!m_httpServer->waitForFinished(3000))
                m_httpServer->kill();
        }
    }
    void cleanup()
    {
        if (m_client) {
            m_client->close();
            QTest::qWait(50);
            delete m_client;
            m_client = nullptr;
        }
    }

    void transports_data()
    {
        QTest::addColumn<QString>("transport");
        QTest::newRow("http") << QStringLiteral("http");
        QTest::newRow("stdio") << QStringLiteral("stdio");
    }

    void everyToolKind_data() { transports_data(); }
    void everyToolKind()
    {
        QFETCH(QString, transport);
        connectTo(transport);
        Error e;
        const json tools = await(m_client->listTools(), &e);
        QVERIFY2(!e, qPrintable(e.message));
        QVERIFY(tools["tools"].size() >= 10);

        // text
        json r = await(m_client->callTool(QStringLiteral("echo"), json{{"message", "hello lanyard"}}), &e);
        QVERIFY2(!e, qPrintable(e.message));
        QVERIFY(QString::fromStdString(r["content"][0]["text"]).contains(QStringLiteral("hello lanyard")));
        // numbers
        r = await(m_client->callTool(QStringLiteral("get-sum"), json{{"a", 2}, {"b", 40}}), &e);
        QVERIFY(QString::fromStdString(r["content"][0]["text"]).contains(QStringLiteral("42")));
        // image
        r = await(m_client->callTool(QStringLiteral("get-tiny-image"), json::object()), &e);
        bool sawImage = false;
        for (const auto& c : r["content"])
            sawImage |= c["type"] == "image" && !QByteArray::fromBase64(QByteArray::fromStdString(c["data"])).isEmpty();
        QVERIFY(sawImage);
        // resource links
        r = await(m_client->callTool(QStringLiteral("get-resource-links"), json{{"count", 2}}), &e);
        int links = 0;
        for (const auto& c : r["content"])
            links += c["type"] == "resource_link" ? 1 : 0;
        QCOMPARE(links, 2);
        // embedded resource
        r = await(m_client->callTool(QStringLiteral("get-resource-reference"), json{{"resourceType", "Text"}, {"resourceId", 1}}), &e);
        bool sawEmbedded = false;
        for (const auto& c : r["content"])
            sawEmbedded |= c["type"] == "resource" && c["resource"].contains("uri");
        QVERIFY(sawEmbedded);
        // annotated content
        r = await(m_client->callTool(QStringLiteral("get-annotated-message"), json{{"messageType", "success"}, {"includeImage", true}}), &e);
        QVERIFY2(!e, qPrintable(e.message));
        QVERIFY(r["content"].size() >= 1);
        // structured content checked against the tool's outputSchema
        r = await(m_client->callTool(QStringLiteral("get-structured-content"), json{{"location", "Chicago"}}), &e);
        QVERIFY2(!e, qPrintable(e.message));
        const auto check = McpClient::checkToolResult(r, m_client->toolByName(QStringLiteral("get-structured-content")));
        QCOMPARE(int(check.schema), int(ToolResultCheck::Schema::Valid));
        // a tool that toggles server-side behaviour
        r = await(m_client->callTool(QStringLiteral("toggle-simulated-logging"), json::object()), &e);
        QVERIFY2(!e, qPrintable(e.message));
        // unknown tool → error, client stays usable
        r = await(m_client->callTool(QStringLiteral("no-such-tool"), json::object()), &e);
        QVERIFY(e || r.value("isError", false));
        e = Error();
        await(m_client->ping(), &e);
        QVERIFY2(!e, qPrintable(e.message));
    }

    void resourcesTemplatesPrompts_data() { transports_data(); }
    void resourcesTemplatesPrompts()
    {
        QFETCH(QString, transport);
        connectTo(transport);
        Error e;
        const json resources = await(m_client->listResources(), &e);
        QVERIFY2(!e, qPrintable(e.message));
        QVERIFY(resources["resources"].size() >= 2);
        const QString uri = QString::fromStdString(resources["resources"][0]["uri"]);
        const json read = await(m_client->readResource(uri), &e);
        QVERIFY2(!e, qPrintable(e.message));
        QCOMPARE(QString::fromStdString(read["contents"][0]["uri"]), uri);

        const json templates = await(m_client->listResourceTemplates(), &e);
        QVERIFY2(!e, qPrintable(e.message));
        QVERIFY(templates["resourceTemplates"].size() >= 1);
        const json dyn = await(m_client->readResource(QStringLiteral("demo://resource/dynamic/text/7")), &e);
        QVERIFY2(!e, qPrintable(e.message));
        QVERIFY(dyn["contents"][0].contains("text"));
        const json blob = await(m_client->readResource(QStringLiteral("demo://resource/dynamic/blob/7")), &e);
        QVERIFY2(!e, qPrintable(e.message));
        QVERIFY(blob["contents"][0].contains("blob"));

        const json sub = await(m_client->subscribeResource(uri), &e);
        QVERIFY2(!e, qPrintable(e.message));
        await(m_client->unsubscribeResource(uri), &e);
        QVERIFY2(!e, qPrintable(e.message));

        const json prompts = await(m_client->listPrompts(), &e);
        QVERIFY2(!e, qPrintable(e.message));
        QVERIFY(prompts["prompts"].size() >= 3);
        const json p = await(m_client->getPrompt(QStringLiteral("args-prompt"), json{{"city", "Oslo"}}), &e);
        QVERIFY2(!e, qPrintable(e.message));
        QVERIFY(QString::fromUtf8(dumpJson(p["messages"])).contains(QStringLiteral("Oslo")));
        const json completion = await(m_client->complete(json{{"type", "ref/prompt"}, {"name", "completable-prompt"}},
                                                         QStringLiteral("department"), QStringLiteral("E")), &e);
        QVERIFY2(!e, qPrintable(e.message));
        QVERIFY(completion["completion"]["values"].is_array());
        await(m_client->setLoggingLevel(QStringLiteral("debug")), &e);
        QVERIFY2(!e, qPrintable(e.message));
    }

    void progressThenCancel_data() { transports_data(); }
    void progressThenCancel()
    {
        QFETCH(QString, transport);
        connectTo(transport);
        PendingRequest* call = m_client->callTool(QStringLiteral("trigger-long-running-operation"),
                                                  json{{"duration", 20}, {"steps", 20}});
        QSignalSpy progress(call, &PendingRequest::progress);
        QSignalSpy failed(call, &PendingRequest::failed);
        QTRY_VERIFY_WITH_TIMEOUT(progress.count() >= 2, 10000);
        QCOMPARE(progress.at(0).at(1).toDouble(), 20.0);
        call->cancel(QStringLiteral("test cancels"));
        QCOMPARE(failed.count(), 1);
        QCOMPARE(failed.at(0).at(0).value<Error>().kind, Error::Kind::Cancelled);
        // The server stops sending progress for the cancelled request and the session goes on.
        Error e;
        await(m_client->ping(), &e);
        QVERIFY2(!e, qPrintable(e.message));
    }
};

QTEST_GUILESS_MAIN(TestEverythingInterop)
#include "TestEverythingInterop.moc"
