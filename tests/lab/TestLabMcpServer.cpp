// SPDX-License-Identifier: MIT
#include "mcp/DemoServers.h"
#include "mcp/McpServer.h"

#include "LogCapture.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QtTest>

#include <memory>
#include <set>

using namespace lanyard;
using namespace lanyard::lab;

namespace {

struct SseEvent
{
    QByteArray id;
    QByteArray data;
    int retry = -1;
    bool hasData = false;
};

// Splits complete SSE blocks off `buffer` (test-side parser, deliberately independent of core's).
QList<SseEvent> takeSseEvents(QByteArray& buffer)
{
    QList<SseEvent> out;
    buffer.replace("\r\n", "\n");
    qsizetype end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
        const QByteArray block = buffer.left(end);
        buffer.remove(0, end + 2);
        SseEvent e;
        bool any = false;
        for (const QByteArray& line : block.split('\n')) {
            if (line.startsWith(':') || line.isEmpty())
                continue;
            const qsizetype colon = line.indexOf(':');
            const QByteArray field = colon < 0 ? line : line.left(colon);
            QByteArray value = colon < 0 ? QByteArray() : line.mid(colon + 1);
            if (value.startsWith(' '))
                value.remove(0, 1);
            if (field == "id") {
                e.id = value;
                any = true;
            } else if (field == "data") {
                e.data += (e.hasData ? "\n" : "") + value;
                e.hasData = true;
                any = true;
            } else if (field == "retry") {
                e.retry = value.toInt();
                any = true;
            }
        }
        if (any)
            out << e;
    }
    return out;
}

json parseOrNull(const QByteArray& bytes)
{
    return json::parse(bytes.constBegin(), bytes.constEnd(), nullptr, false);
}

struct Reply
{
    int status = 0;
    QByteArray body;
    QHash<QByteArray, QByteArray> headers; // lower-case names
    QList<SseEvent> events;

    QByteArray header(const QByteArray& name) const { return headers.value(name.toLower()); }
    bool isSse() const { return header("content-type").startsWith("text/event-stream"); }
    json message() const
    {
        if (!isSse())
            return parseOrNull(body);
        for (auto it = events.crbegin(); it != events.crend(); ++it) {
            const json m = parseOrNull(it->data);
            if (m.is_object() && m.contains("id") && (m.contains("result") || m.contains("error")))
                return m;
        }
        return json();
    }
    QList<json> messages() const
    {
        QList<json> out;
        for (const auto& e : events) {
            if (!e.data.isEmpty())
                out << parseOrNull(e.data);
        }
        return out;
    }
};

// Reads a streamed reply as it arrives.
class StreamReader : public QObject
{
public:
    explicit StreamReader(QNetworkReply* reply)
        : m_reply(reply)
    {
        connect(reply, &QNetworkReply::readyRead, this, [this] { pump(); });
        connect(reply, &QNetworkReply::finished, this, [this] { pump(); });
    }
    ~StreamReader() override
    {
        if (m_reply) {
            m_reply->abort();
            m_reply->deleteLater();
        }
    }
    void pump()
    {
        if (!m_reply || !m_reply->isOpen())
            return;
        const QByteArray chunk = m_reply->readAll();
        raw += chunk;
        m_buffer += chunk;
        events += takeSseEvents(m_buffer);
    }
    QList<json> messages() const
    {
        QList<json> out;
        for (const auto& e : events) {
            if (!e.data.isEmpty())
                out << parseOrNull(e.data);
        }
        return out;
    }
    int countMethod(const std::string& method) const
    {
        int n = 0;
        for (const auto& m : messages())
            n += m.is_object() && m.value("method", std::string()) == method ? 1 : 0;
        return n;
    }
    bool hasResponse() const
    {
        for (const auto& m : messages()) {
            if (m.is_object() && m.contains("id") && (m.contains("result") || m.contains("error")))
                return true;
        }
        return false;
    }
    QByteArray lastId() const
    {
        for (auto it = events.crbegin(); it != events.crend(); ++it) {
            if (!it->id.isEmpty())
                return it->id;
        }
        return {};
    }
    bool isFinished() const { return !m_reply || m_reply->isFinished(); }
    QNetworkReply* reply() const { return m_reply; }
    void abort()
    {
        if (m_reply)
            m_reply->abort();
    }

    QByteArray raw;
    QList<SseEvent> events;

private:
    QPointer<QNetworkReply> m_reply;
    QByteArray m_buffer;
};

class Client
{
public:
    explicit Client(QUrl url, QByteArray bearer = {})
        : m_url(std::move(url))
        , m_bearer(std::move(bearer))
    {
    }

    QNetworkAccessManager nam;
    QByteArray sessionId;
    QByteArray protocolVersion = "2025-11-25";
    int nextId = 1;

    QNetworkRequest request(bool withSession = true) const
    {
        QNetworkRequest req(m_url);
        req.setRawHeader("Accept", "application/json, text/event-stream");
        req.setRawHeader("Content-Type", "application/json");
        if (withSession && !sessionId.isEmpty()) {
            req.setRawHeader("Mcp-Session-Id", sessionId);
            req.setRawHeader("MCP-Protocol-Version", protocolVersion);
        }
        if (!m_bearer.isEmpty())
            req.setRawHeader("Authorization", "Bearer " + m_bearer);
        return req;
    }

    Reply finish(QNetworkReply* r)
    {
        Reply out;
        if (!r->isFinished()) {
            // An event loop, not QTest::qWaitFor (which sleeps 10 ms per round).
            QEventLoop loop;
            QObject::connect(r, &QNetworkReply::finished, &loop, &QEventLoop::quit);
            QTimer::singleShot(15000, &loop, &QEventLoop::quit);
            loop.exec();
        }
        if (!r->isFinished()) {
            r->abort();
            return out;
        }
        out.status = r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        out.body = r->readAll();
        for (const auto& h : r->rawHeaderPairs())
            out.headers.insert(h.first.toLower(), h.second);
        if (out.isSse()) {
            QByteArray buffer = out.body;
            out.events = takeSseEvents(buffer);
        }
        r->deleteLater();
        return out;
    }

    Reply send(const QByteArray& verb, const QNetworkRequest& req, const QByteArray& body = {})
    {
        return finish(nam.sendCustomRequest(req, verb, body));
    }
    Reply postRaw(const QByteArray& body, bool withSession = true) { return send("POST", request(withSession), body); }
    Reply post(const json& message, bool withSession = true) { return postRaw(dumpJson(message), withSession); }

    json requestMessage(const QString& method, const json& params = json::object())
    {
        return { { "jsonrpc", "2.0" }, { "id", nextId++ }, { "method", method.toStdString() }, { "params", params } };
    }
    // A request; returns the JSON-RPC response message (from JSON or the SSE stream).
    json call(const QString& method, const json& params = json::object())
    {
        return post(requestMessage(method, params)).message();
    }
    json tool(const QString& name, const json& args = json::object())
    {
        return call(QStringLiteral("tools/call"), { { "name", name.toStdString() }, { "arguments", args } });
    }
    Reply notify(const QString& method, const json& params = json::object())
    {
        return post({ { "jsonrpc", "2.0" }, { "method", method.toStdString() }, { "params", params } });
    }

    Reply initialize(const json& capabilities = json::object(), const char* version = "2025-11-25")
    {
        const Reply r = post({ { "jsonrpc", "2.0" }, { "id", nextId++ }, { "method", "initialize" },
                                 { "params",
                                     { { "protocolVersion", version }, { "capabilities", capabilities },
                                         { "clientInfo", { { "name", "test" }, { "version", "1" } } } } } },
            false);
        sessionId = r.header("mcp-session-id");
        const json m = r.message();
        if (m.contains("result"))
            protocolVersion = QByteArray::fromStdString(m["result"].value("protocolVersion", std::string()));
        if (!sessionId.isEmpty())
            notify(QStringLiteral("notifications/initialized"));
        return r;
    }

    // Starts a POST whose answer is read as it streams.
    std::unique_ptr<StreamReader> postStreaming(const json& message)
    {
        return std::make_unique<StreamReader>(nam.post(request(), dumpJson(message)));
    }
    std::unique_ptr<StreamReader> getStream(const QByteArray& lastEventId = {})
    {
        QNetworkRequest req = request();
        req.setRawHeader("Accept", "text/event-stream");
        if (!lastEventId.isEmpty())
            req.setRawHeader("Last-Event-ID", lastEventId);
        return std::make_unique<StreamReader>(nam.get(req));
    }

private:
    QUrl m_url;
    QByteArray m_bearer;
};

const json kAlice = { { "sub", "sub-alice" }, { "oid", "oid-alice" }, { "name", "Alice Anders" },
    { "preferred_username", "alice@lanyard.test" }, { "roles", { "HR.Admin" } }, { "scp", "HR.Read HR.Write" },
    { "act", { { "sub", "lanyard-sts" }, { "client_id", "sts" }, { "act", { { "sub", "lanyard-desktop" } } } } } };
const json kAliceReadOnly = { { "oid", "oid-alice" }, { "preferred_username", "alice@lanyard.test" },
    { "roles", { "HR.Admin" } }, { "scp", "HR.Read" } };
const json kBob = { { "oid", "oid-bob" }, { "preferred_username", "bob@lanyard.test" }, { "scp", "HR.Read HR.Write" } };

} // namespace

class TestLabMcpServer : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void initializeCreatesSession();
    void versionNegotiation_data();
    void versionNegotiation();
    void sessionRequiredAndUnknownIs404();
    void deleteEndsSession();
    void notificationsAndResponsesGet202();
    void protocolVersionHeader_data();
    void protocolVersionHeader();
    void jsonRpcErrors_data();
    void jsonRpcErrors();
    void acceptAndContentTypeChecked();
    void foreignOriginRefused();
    void toolsListPagination();
    void toolsCallBasics();
    void slowToolStreamsProgressOverSse();
    void slowToolWithoutProgressAnswersJson();
    void cancellationStopsSlowTool();
    void resumptionWithLastEventId();
    void serverClosedStreamIsPolledBack();
    void standaloneGetStream();
    void resourceSubscriptionNotifies();
    void loggingNotifications();
    void elicitationRoundTrip();
    void resourcesPromptsCompletion();
    void docsContentTypes();
    void authHookDenies401WithChallenge();
    void protectedResourceMetadata();
    void scopeAndRoleChecks();
    void sessionBoundToCaller();
    void noSecretsInLog();

private:
    std::unique_ptr<HttpServer> m_http;
    HrDemoServer* m_hr = nullptr;
    QUrl m_url;
    void startHr(McpServerOptions options = HrDemoServer::defaultOptions(), AuthHook hook = {});
};

void TestLabMcpServer::init()
{
    startHr();
}

void TestLabMcpServer::startHr(McpServerOptions options, AuthHook hook)
{
    delete m_hr;
    m_hr = nullptr;
    m_http = std::make_unique<HttpServer>();
    QVERIFY(m_http->listen(0));
    m_hr = new HrDemoServer(std::move(options));
    if (hook)
        m_hr->setAuthHook(std::move(hook));
    m_hr->attach(m_http.get());
    m_url = m_hr->endpointUrl();
}

void TestLabMcpServer::cleanup()
{
    delete m_hr;
    m_hr = nullptr;
    m_http.reset();
}

void TestLabMcpServer::initializeCreatesSession()
{
    Client c(m_url);
    QSignalSpy created(m_hr, &McpServer::sessionCreated);
    const Reply r = c.initialize({ { "roots", json::object() } });
    QCOMPARE(r.status, 200);
    QVERIFY(r.header("content-type").startsWith("application/json"));
    QVERIFY(!c.sessionId.isEmpty());
    for (char ch : c.sessionId)
        QVERIFY(ch >= 0x21 && ch <= 0x7e);
    const json m = r.message();
    QCOMPARE(m["jsonrpc"], "2.0");
    QCOMPARE(m["result"]["protocolVersion"], "2025-11-25");
    QCOMPARE(m["result"]["serverInfo"]["name"], "lab-hr");
    QVERIFY(m["result"]["capabilities"].contains("tools"));
    QVERIFY(m["result"]["capabilities"]["resources"]["subscribe"].get<bool>());
    QVERIFY(m["result"]["capabilities"].contains("prompts"));
    QVERIFY(m["result"]["capabilities"].contains("completions"));
    QCOMPARE(created.size(), 1);
    QCOMPARE(m_hr->sessionCount(), 1);

    // Two clients, two sessions.
    Client other(m_url);
    other.initialize();
    QVERIFY(other.sessionId != c.sessionId);
    QCOMPARE(m_hr->sessionCount(), 2);
    QCOMPARE(c.call(QStringLiteral("ping"))["result"], json::object());
}

void TestLabMcpServer::versionNegotiation_data()
{
    QTest::addColumn<QByteArray>("requested");
    QTest::addColumn<QByteArray>("answered");
    QTest::newRow("current") << QByteArray("2025-11-25") << QByteArray("2025-11-25");
    QTest::newRow("2025-06-18") << QByteArray("2025-06-18") << QByteArray("2025-06-18");
    QTest::newRow("2025-03-26") << QByteArray("2025-03-26") << QByteArray("2025-03-26");
    QTest::newRow("too old") << QByteArray("2024-11-05") << QByteArray("2025-11-25");
    QTest::newRow("from the future") << QByteArray("2099-01-01") << QByteArray("2025-11-25");
}

void TestLabMcpServer::versionNegotiation()
{
    QFETCH(QByteArray, requested);
    QFETCH(QByteArray, answered);
    Client c(m_url);
    const Reply r = c.initialize(json::object(), requested.constData());
    QCOMPARE(QByteArray::fromStdString(r.message()["result"]["protocolVersion"].get<std::string>()), answered);
    // An older session gets no priming event on its streams; a current one does.
    auto stream = c.postStreaming(c.requestMessage(QStringLiteral("tools/call"),
        { { "name", "generate_report" }, { "arguments", { { "steps", 1 }, { "step_ms", 10 } } },
            { "_meta", { { "progressToken", "p" } } } }));
    QTRY_VERIFY(stream->isFinished());
    QVERIFY(stream->hasResponse());
    const bool primed
        = !stream->events.isEmpty() && stream->events.first().data.isEmpty() && !stream->events.first().id.isEmpty();
    QCOMPARE(primed, answered >= "2025-11-25");
}

void TestLabMcpServer::sessionRequiredAndUnknownIs404()
{
    Client c(m_url);
    // No session header on a non-initialize request → 400.
    Reply r = c.post(c.requestMessage(QStringLiteral("tools/list")), false);
    QCOMPARE(r.status, 400);
    QCOMPARE(r.message()["error"]["code"], rpc::InvalidRequest);
    // Unknown session → 404.
    c.sessionId = "not-a-session";
    r = c.post(c.requestMessage(QStringLiteral("tools/list")));
    QCOMPARE(r.status, 404);
    r = c.send("GET", [&] {
        QNetworkRequest req = c.request();
        req.setRawHeader("Accept", "text/event-stream");
        return req;
    }());
    QCOMPARE(r.status, 404);
}

void TestLabMcpServer::deleteEndsSession()
{
    Client c(m_url);
    c.initialize();
    QSignalSpy closed(m_hr, &McpServer::sessionClosed);
    Reply r = c.send("DELETE", c.request());
    QCOMPARE(r.status, 200);
    QCOMPARE(closed.size(), 1);
    QCOMPARE(m_hr->sessionCount(), 0);
    r = c.post(c.requestMessage(QStringLiteral("ping")));
    QCOMPARE(r.status, 404);
    r = c.send("DELETE", c.request());
    QCOMPARE(r.status, 404);
    // A new initialize works after that.
    c.initialize();
    QCOMPARE(c.call(QStringLiteral("ping"))["result"], json::object());

    // A server may refuse client-ended sessions.
    McpServerOptions o = HrDemoServer::defaultOptions();
    o.allowDelete = false;
    startHr(o);
    Client d(m_url);
    d.initialize();
    QCOMPARE(d.send("DELETE", d.request()).status, 405);
}

void TestLabMcpServer::notificationsAndResponsesGet202()
{
    Client c(m_url);
    c.initialize();
    Reply r = c.notify(QStringLiteral("notifications/initialized"));
    QCOMPARE(r.status, 202);
    QVERIFY(r.body.isEmpty());
    r = c.notify(QStringLiteral("notifications/roots/list_changed"));
    QCOMPARE(r.status, 202);
    // A response to a request the server never sent is accepted and ignored.
    r = c.post({ { "jsonrpc", "2.0" }, { "id", "lab-999" }, { "result", json::object() } });
    QCOMPARE(r.status, 202);
    // Cancelling an unknown request is ignored too.
    r = c.notify(QStringLiteral("notifications/cancelled"), { { "requestId", 12345 } });
    QCOMPARE(r.status, 202);
}

void TestLabMcpServer::protocolVersionHeader_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<int>("status");
    QTest::newRow("negotiated") << QByteArray("2025-11-25") << 200;
    QTest::newRow("older supported") << QByteArray("2025-03-26") << 200;
    QTest::newRow("absent") << QByteArray() << 200;
    QTest::newRow("unsupported") << QByteArray("2024-11-05") << 400;
    QTest::newRow("garbage") << QByteArray("banana") << 400;
}

void TestLabMcpServer::protocolVersionHeader()
{
    QFETCH(QByteArray, header);
    QFETCH(int, status);
    Client c(m_url);
    c.initialize();
    QNetworkRequest req = c.request();
    if (header.isEmpty())
        req.setRawHeader("MCP-Protocol-Version", QByteArray());
    else
        req.setRawHeader("MCP-Protocol-Version", header);
    const Reply r = c.send("POST", req, dumpJson(c.requestMessage(QStringLiteral("ping"))));
    QCOMPARE(r.status, status);
    if (status == 400)
        QVERIFY(QString::fromStdString(r.message()["error"]["message"].get<std::string>()).contains("2025-11-25"));
}

void TestLabMcpServer::jsonRpcErrors_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<int>("code");
    QTest::newRow("bad JSON") << QByteArray("{\"jsonrpc\": \"2.0\", \"id\": 1, ") << 400 << rpc::ParseError;
    QTest::newRow("not JSON at all") << QByteArray("hello") << 400 << rpc::ParseError;
    QTest::newRow("batch") << QByteArray("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]") << 400
                           << rpc::InvalidRequest;
    QTest::newRow("no jsonrpc") << QByteArray("{\"id\":1,\"method\":\"ping\"}") << 400 << rpc::InvalidRequest;
    QTest::newRow("wrong version") << QByteArray("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}") << 400
                                   << rpc::InvalidRequest;
    QTest::newRow("numeric method") << QByteArray("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":5}") << 400
                                    << rpc::InvalidRequest;
    QTest::newRow("object id") << QByteArray("{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"ping\"}") << 400
                               << rpc::InvalidRequest;
    QTest::newRow("scalar params") << QByteArray("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":3}")
                                   << 400 << rpc::InvalidRequest;
    QTest::newRow("nothing") << QByteArray("{\"jsonrpc\":\"2.0\"}") << 400 << rpc::InvalidRequest;
    QTest::newRow("unknown method") << QByteArray("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"no/such\"}") << 200
                                    << rpc::MethodNotFound;
    QTest::newRow("tools/call without name")
        << QByteArray("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{}}") << 200
        << rpc::InvalidParams;
    QTest::newRow("unknown tool") << QByteArray(
        "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"nope\"}}")
                                  << 200 << rpc::InvalidParams;
    QTest::newRow("arguments not an object") << QByteArray(
        "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"whoami\",\"arguments\":[1]}}")
                                             << 200 << rpc::InvalidParams;
    QTest::newRow("invalid cursor") << QByteArray(
        "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/list\",\"params\":{\"cursor\":\"!!\"}}")
                                    << 200 << rpc::InvalidParams;
    QTest::newRow("unknown resource") << QByteArray(
        "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"resources/read\",\"params\":{\"uri\":\"hr://nope\"}}")
                                      << 200 << rpc::ResourceNotFound;
    QTest::newRow("bad log level") << QByteArray(
        "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"logging/setLevel\",\"params\":{\"level\":\"loud\"}}")
                                   << 200 << rpc::InvalidParams;
    QTest::newRow("initialize without version")
        << QByteArray("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"initialize\",\"params\":{}}") << 200
        << rpc::InvalidParams;
}

void TestLabMcpServer::jsonRpcErrors()
{
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(int, code);
    Client c(m_url);
    c.initialize();
    const Reply r = c.postRaw(body);
    QCOMPARE(r.status, status);
    const json m = r.message();
    QVERIFY2(m.is_object() && m.contains("error"), r.body.constData());
    QCOMPARE(m["error"]["code"].get<int>(), code);
    QCOMPARE(m["jsonrpc"], "2.0");
    if (code == rpc::ParseError)
        QVERIFY(m["id"].is_null());
    if (status == 200)
        QCOMPARE(m["id"], 7);
    // The session still works afterwards.
    QCOMPARE(c.call(QStringLiteral("ping"))["result"], json::object());
}

void TestLabMcpServer::acceptAndContentTypeChecked()
{
    Client c(m_url);
    c.initialize();
    QNetworkRequest req = c.request();
    req.setRawHeader("Accept", "application/json");
    QCOMPARE(c.send("POST", req, dumpJson(c.requestMessage(QStringLiteral("ping")))).status, 406);
    req = c.request();
    req.setRawHeader("Content-Type", "text/plain");
    QCOMPARE(c.send("POST", req, dumpJson(c.requestMessage(QStringLiteral("ping")))).status, 415);
    req = c.request();
    req.setRawHeader("Accept", "*/*");
    QCOMPARE(c.send("POST", req, dumpJson(c.requestMessage(QStringLiteral("ping")))).status, 200);
    req = c.request();
    req.setRawHeader("Accept", "application/json");
    QCOMPARE(c.send("GET", req).status, 406);
    QCOMPARE(c.send("PUT", c.request(), "{}").status, 405);
}

void TestLabMcpServer::foreignOriginRefused()
{
    Client c(m_url);
    c.initialize();
    QNetworkRequest req = c.request();
    req.setRawHeader("Origin", "http://evil.example");
    Reply r = c.send("POST", req, dumpJson(c.requestMessage(QStringLiteral("ping"))));
    QCOMPARE(r.status, 403);
    QCOMPARE(r.message()["error"]["code"], rpc::InvalidRequest);
    req.setRawHeader("Origin", "http://localhost:5173");
    r = c.send("POST", req, dumpJson(c.requestMessage(QStringLiteral("ping"))));
    QCOMPARE(r.status, 200);
}

void TestLabMcpServer::toolsListPagination()
{
    McpServerOptions o = BenchDemoServer::defaultOptions();
    o.pageSize = 10;
    HttpServer http2;
    QVERIFY(http2.listen(0));
    McpServerOptions o2 = o;
    o2.path = QStringLiteral("/bench");
    BenchDemoServer bench2(25, o2);
    bench2.attach(&http2);

    Client c(bench2.endpointUrl());
    c.initialize();
    QStringList names;
    json params = json::object();
    int pages = 0;
    while (true) {
        const json m = c.call(QStringLiteral("tools/list"), params);
        QVERIFY2(m.contains("result"), dumpJson(m).constData());
        ++pages;
        for (const auto& t : m["result"]["tools"]) {
            names << QString::fromStdString(t["name"].get<std::string>());
            QVERIFY(t.contains("inputSchema"));
            QVERIFY(t["annotations"]["readOnlyHint"].get<bool>());
        }
        if (!m["result"].contains("nextCursor"))
            break;
        QVERIFY(m["result"]["tools"].size() == 10);
        params = { { "cursor", m["result"]["nextCursor"] } };
        QVERIFY(pages < 10);
    }
    QCOMPARE(pages, 3);
    QCOMPARE(names.size(), 26); // 25 bench tools + whoami
    QCOMPARE(QSet<QString>(names.begin(), names.end()).size(), 26);
    QVERIFY(names.contains(BenchDemoServer::toolName(25)));
    const json echo = c.tool(BenchDemoServer::toolName(7), { { "value", "hi" } });
    QCOMPARE(echo["result"]["content"][0]["text"], "bench_00007: hi");

    // A large bench answers a page quickly.
    BenchDemoServer big(10000, BenchDemoServer::defaultOptions());
    HttpServer http3;
    QVERIFY(http3.listen(0));
    big.attach(&http3);
    Client b(big.endpointUrl());
    b.initialize();
    QElapsedTimer timer;
    timer.start();
    const json first = b.call(QStringLiteral("tools/list"));
    QCOMPARE(first["result"]["tools"].size(), size_t(100));
    QVERIFY(first["result"].contains("nextCursor"));
    QVERIFY2(timer.elapsed() < 5000, "a page of tools/list on 10,000 tools took too long");
}

void TestLabMcpServer::toolsCallBasics()
{
    Client c(m_url);
    c.initialize();
    QSignalSpy called(m_hr, &McpServer::toolCalled);
    json m = c.tool(QStringLiteral("list_employees"), { { "department", "HR" } });
    QVERIFY(!m["result"].value("isError", false));
    QCOMPARE(m["result"]["structuredContent"]["employees"].size(), size_t(3));
    QVERIFY(QString::fromStdString(m["result"]["content"][0]["text"].get<std::string>()).contains("Carol Chen"));
    QCOMPARE(called.size(), 1);
    QCOMPARE(called.first().at(2).toString(), QStringLiteral("allowed"));

    // Arguments that do not fit the schema: a tool error, not a protocol error (2025-11-25).
    m = c.tool(QStringLiteral("get_employee"), json::object());
    QVERIFY(m["result"]["isError"].get<bool>());
    m = c.tool(QStringLiteral("list_employees"), { { "department", 5 } });
    QVERIFY(m["result"]["isError"].get<bool>());
    m = c.tool(QStringLiteral("list_employees"), { { "unexpected", true } });
    QVERIFY(m["result"]["isError"].get<bool>());

    // Anonymous caller: no salary; no role for update_salary (tool error); audit_log is not even listed.
    m = c.tool(QStringLiteral("get_employee"), { { "id", "E1003" } });
    QVERIFY(!m["result"]["structuredContent"].contains("salary"));
    m = c.tool(QStringLiteral("update_salary"), { { "id", "E1003" }, { "salary", 1 } });
    QVERIFY(m["result"]["isError"].get<bool>());
    QVERIFY(QString::fromStdString(m["result"]["content"][0]["text"].get<std::string>()).contains("HR.Admin"));
    const json list = c.call(QStringLiteral("tools/list"));
    QStringList names;
    for (const auto& t : list["result"]["tools"])
        names << QString::fromStdString(t["name"].get<std::string>());
    QVERIFY(names.contains("update_salary"));
    QVERIFY(!names.contains("audit_log"));
    QCOMPARE(c.tool(QStringLiteral("audit_log"))["error"]["code"], rpc::InvalidParams);
    // Annotations are set on every tool.
    for (const auto& t : list["result"]["tools"]) {
        QVERIFY(t["annotations"].contains("readOnlyHint"));
        QVERIFY(t["annotations"].contains("destructiveHint"));
        QVERIFY(t["annotations"].contains("idempotentHint"));
        QVERIFY(t["annotations"].contains("openWorldHint"));
    }
    // The refusals are in the audit log.
    bool deniedRecorded = false;
    for (const auto& e : m_hr->auditLog())
        deniedRecorded = deniedRecorded || (e["tool"] == "update_salary" && e["outcome"] == "denied-role");
    QVERIFY(deniedRecorded);
}

void TestLabMcpServer::slowToolStreamsProgressOverSse()
{
    Client c(m_url);
    c.initialize();
    const Reply r = c.post(c.requestMessage(QStringLiteral("tools/call"),
        { { "name", "generate_report" }, { "arguments", { { "steps", 4 }, { "step_ms", 20 } } },
            { "_meta", { { "progressToken", "tok-1" } } } }));
    QCOMPARE(r.status, 200);
    QVERIFY(r.isSse());
    QVERIFY(r.events.size() >= 6);
    // Priming event: an id and empty data, with a retry hint.
    QVERIFY(!r.events.first().id.isEmpty());
    QVERIFY(r.events.first().data.isEmpty());
    QVERIFY(r.events.first().retry > 0);
    double last = 0;
    int progress = 0;
    QSet<QByteArray> ids;
    for (const auto& e : r.events) {
        QVERIFY(!e.id.isEmpty());
        QVERIFY(!ids.contains(e.id));
        ids.insert(e.id);
        const json m = parseOrNull(e.data);
        if (m.is_object() && m.value("method", std::string()) == "notifications/progress") {
            ++progress;
            QCOMPARE(m["params"]["progressToken"], "tok-1");
            QVERIFY(m["params"]["progress"].get<double>() > last);
            last = m["params"]["progress"].get<double>();
            QCOMPARE(m["params"]["total"].get<double>(), 4.0);
        }
    }
    QCOMPARE(progress, 4);
    const json result = r.message();
    QCOMPARE(result["id"], c.nextId - 1);
    QCOMPARE(result["result"]["structuredContent"]["steps"], 4);
    // The response is the last event.
    QCOMPARE(parseOrNull(r.events.last().data)["id"], result["id"]);
}

void TestLabMcpServer::slowToolWithoutProgressAnswersJson()
{
    Client c(m_url);
    c.initialize();
    const Reply r = c.post(c.requestMessage(QStringLiteral("tools/call"),
        { { "name", "generate_report" }, { "arguments", { { "steps", 2 }, { "step_ms", 20 } } } }));
    QCOMPARE(r.status, 200);
    QVERIFY(r.header("content-type").startsWith("application/json"));
    QVERIFY(r.message()["result"].contains("structuredContent"));

    // alwaysSse: even a quick request comes as a stream.
    McpServerOptions o = HrDemoServer::defaultOptions();
    o.alwaysSse = true;
    startHr(o);
    Client d(m_url);
    d.initialize();
    const Reply s = d.post(d.requestMessage(QStringLiteral("ping")));
    QVERIFY(s.isSse());
    QCOMPARE(s.message()["result"], json::object());
}

void TestLabMcpServer::cancellationStopsSlowTool()
{
    Client c(m_url);
    c.initialize();
    QSignalSpy cancelled(m_hr, &McpServer::requestCancelled);
    const json request = c.requestMessage(QStringLiteral("tools/call"),
        { { "name", "generate_report" }, { "arguments", { { "steps", 100 }, { "step_ms", 30 } } },
            { "_meta", { { "progressToken", 77 } } } });
    auto stream = c.postStreaming(request);
    QTRY_VERIFY(stream->countMethod("notifications/progress") >= 1);
    const Reply ack
        = c.notify(QStringLiteral("notifications/cancelled"), { { "requestId", request["id"] }, { "reason", "test" } });
    QCOMPARE(ack.status, 202);
    QTRY_VERIFY(stream->isFinished());
    QCOMPARE(cancelled.size(), 1);
    QCOMPARE(cancelled.first().at(1).toString(), QString::fromStdString(request["id"].dump()));
    QVERIFY(!stream->hasResponse());
    const int progressAtCancel = stream->countMethod("notifications/progress");
    QTest::qWait(150);
    QCOMPARE(stream->countMethod("notifications/progress"), progressAtCancel);
    QVERIFY(progressAtCancel < 100);
    bool recorded = false;
    for (const auto& e : m_hr->auditLog())
        recorded = recorded || (e["tool"] == "generate_report" && e["outcome"] == "cancelled");
    QVERIFY(recorded);
    // The session is fine and the same id can be used again.
    QCOMPARE(c.call(QStringLiteral("ping"))["result"], json::object());
}

void TestLabMcpServer::resumptionWithLastEventId()
{
    Client c(m_url);
    c.initialize();
    const json request = c.requestMessage(QStringLiteral("tools/call"),
        { { "name", "generate_report" }, { "arguments", { { "steps", 6 }, { "step_ms", 60 } } },
            { "_meta", { { "progressToken", "resume" } } } });
    auto stream = c.postStreaming(request);
    QTRY_VERIFY(stream->countMethod("notifications/progress") >= 2);
    const QByteArray lastId = stream->lastId();
    QVERIFY(!lastId.isEmpty());
    QList<double> seen;
    for (const auto& m : stream->messages())
        seen << m["params"]["progress"].get<double>();
    stream->abort(); // the connection drops; the tool keeps running (disconnect is not cancellation)
    QTest::qWait(200);

    auto resumed = c.getStream(lastId);
    QTRY_VERIFY_WITH_TIMEOUT(resumed->isFinished(), 5000);
    QCOMPARE(resumed->reply()->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    QVERIFY(resumed->hasResponse());
    for (const auto& m : resumed->messages()) {
        if (m.value("method", std::string()) == "notifications/progress")
            seen << m["params"]["progress"].get<double>();
        else
            QCOMPARE(m["id"], request["id"]);
    }
    // Every step exactly once, in order, across both connections.
    QCOMPARE(seen, (QList<double> { 1, 2, 3, 4, 5, 6 }));
    for (const auto& e : resumed->events)
        QVERIFY(e.id.split('-').first() == lastId.split('-').first());

    // Resuming a finished stream again replays only what follows the given id.
    auto again = c.getStream(resumed->lastId());
    QTRY_VERIFY(again->isFinished());
    QVERIFY(again->messages().isEmpty());

    // An id that belongs to no stream is refused.
    auto bogus = c.getStream("999-1");
    QTRY_VERIFY(bogus->isFinished());
    QCOMPARE(bogus->reply()->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 400);
}

void TestLabMcpServer::serverClosedStreamIsPolledBack()
{
    McpServerOptions o = HrDemoServer::defaultOptions();
    o.sseCloseAfterEvents = 2;
    o.sseRetryMs = 250;
    startHr(o);
    Client c(m_url);
    c.initialize();
    const json request = c.requestMessage(QStringLiteral("tools/call"),
        { { "name", "generate_report" }, { "arguments", { { "steps", 5 }, { "step_ms", 50 } } },
            { "_meta", { { "progressToken", 1 } } } });
    const Reply first = c.post(request);
    QVERIFY(first.isSse());
    QVERIFY(first.message().is_null()); // the connection closed before the answer
    QCOMPARE(first.events.last().retry, 250);
    QByteArray lastId;
    for (const auto& e : first.events) {
        if (!e.id.isEmpty())
            lastId = e.id;
    }
    json answer;
    int polls = 0;
    while (answer.is_null() && polls < 10) {
        ++polls;
        auto s = c.getStream(lastId);
        QTRY_VERIFY(s->isFinished());
        if (!s->lastId().isEmpty())
            lastId = s->lastId();
        for (const auto& m : s->messages()) {
            if (m.contains("result"))
                answer = m;
        }
    }
    QCOMPARE(answer["id"], request["id"]);
}

void TestLabMcpServer::standaloneGetStream()
{
    Client c(m_url);
    c.initialize();
    auto stream = c.getStream();
    QTRY_VERIFY(!stream->events.isEmpty()); // priming event
    QCOMPARE(stream->reply()->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    QVERIFY(stream->reply()->header(QNetworkRequest::ContentTypeHeader).toString().startsWith("text/event-stream"));
    // Only one standalone stream per session.
    auto second = c.getStream();
    QTRY_VERIFY(second->isFinished());
    QCOMPARE(second->reply()->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 409);

    m_hr->notifyToolsChanged();
    QTRY_COMPARE(stream->countMethod("notifications/tools/list_changed"), 1);
    // Adding a tool at run time announces itself.
    ToolDefinition t;
    t.descriptor = { { "name", "late_tool" } };
    t.handler = [](const CallPtr& ctx) { ctx->respond(McpServer::textResult(QStringLiteral("late"))); };
    m_hr->addTool(t);
    QTRY_COMPARE(stream->countMethod("notifications/tools/list_changed"), 2);
    QCOMPARE(c.tool(QStringLiteral("late_tool"))["result"]["content"][0]["text"], "late");
    m_hr->logMessage(QStringLiteral("error"), "not delivered: no setLevel yet");
    QCOMPARE(c.call(QStringLiteral("logging/setLevel"), { { "level", "warning" } })["result"], json::object());
    m_hr->logMessage(QStringLiteral("info"), "below the level");
    m_hr->logMessage(QStringLiteral("error"), "delivered");
    QTRY_COMPARE(stream->countMethod("notifications/message"), 1);

    // Without a GET stream, server-initiated messages are dropped (and said so).
    Client d(m_url);
    d.initialize();
    QSignalSpy dropped(m_hr, &McpServer::notificationDropped);
    m_hr->notifyPromptsChanged();
    QVERIFY(!dropped.isEmpty());

    // A server without a GET stream answers 405.
    McpServerOptions o = HrDemoServer::defaultOptions();
    o.standaloneStream = false;
    startHr(o);
    Client e(m_url);
    e.initialize();
    auto refused = e.getStream();
    QTRY_VERIFY(refused->isFinished());
    QCOMPARE(refused->reply()->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 405);
}

void TestLabMcpServer::resourceSubscriptionNotifies()
{
    startHr(HrDemoServer::defaultOptions(), auth::staticBearer({ { "alice", kAlice } }));
    Client c(m_url, "alice");
    c.initialize();
    auto stream = c.getStream();
    QTRY_VERIFY(!stream->events.isEmpty());
    QCOMPARE(c.call(QStringLiteral("resources/subscribe"), { { "uri", "hr://audit-log" } })["result"], json::object());
    c.tool(QStringLiteral("whoami"));
    QTRY_VERIFY(stream->countMethod("notifications/resources/updated") >= 1);
    for (const auto& m : stream->messages()) {
        if (m.value("method", std::string()) == "notifications/resources/updated")
            QCOMPARE(m["params"]["uri"], "hr://audit-log");
    }
    const json read = c.call(QStringLiteral("resources/read"), { { "uri", "hr://audit-log" } });
    QVERIFY(QString::fromStdString(read["result"]["contents"][0]["text"].get<std::string>()).contains("whoami"));
    QCOMPARE(
        c.call(QStringLiteral("resources/unsubscribe"), { { "uri", "hr://audit-log" } })["result"], json::object());
    const int before = stream->countMethod("notifications/resources/updated");
    c.tool(QStringLiteral("whoami"));
    QTest::qWait(100);
    QCOMPARE(stream->countMethod("notifications/resources/updated"), before);
}

void TestLabMcpServer::loggingNotifications()
{
    Client c(m_url);
    c.initialize();
    QCOMPARE(c.call(QStringLiteral("logging/setLevel"), { { "level", "info" } })["result"], json::object());
    // No progress token, but log messages: the answer switches to SSE.
    const Reply r = c.post(c.requestMessage(QStringLiteral("tools/call"),
        { { "name", "generate_report" }, { "arguments", { { "steps", 2 }, { "step_ms", 10 } } } }));
    QVERIFY(r.isSse());
    int logs = 0;
    for (const auto& m : r.messages()) {
        if (m.value("method", std::string()) == "notifications/message") {
            ++logs;
            QCOMPARE(m["params"]["level"], "info");
            QCOMPARE(m["params"]["logger"], "hr.report");
        }
    }
    QCOMPARE(logs, 2);
    QVERIFY(r.message().contains("result"));
    // Above the level: nothing.
    c.call(QStringLiteral("logging/setLevel"), { { "level", "error" } });
    const Reply quiet = c.post(c.requestMessage(QStringLiteral("tools/call"),
        { { "name", "generate_report" }, { "arguments", { { "steps", 2 }, { "step_ms", 10 } } } }));
    QVERIFY(!quiet.isSse());
}

void TestLabMcpServer::elicitationRoundTrip()
{
    Client c(m_url);
    c.initialize({ { "elicitation", json::object() } });
    const json request = c.requestMessage(
        QStringLiteral("tools/call"), { { "name", "request_time_off" }, { "arguments", json::object() } });
    auto stream = c.postStreaming(request);
    QTRY_VERIFY(stream->countMethod("elicitation/create") == 1);
    json ask;
    for (const auto& m : stream->messages()) {
        if (m.value("method", std::string()) == "elicitation/create")
            ask = m;
    }
    QVERIFY(ask.contains("id"));
    QCOMPARE(ask["params"]["mode"], "form");
    QVERIFY(ask["params"]["requestedSchema"]["properties"].contains("start_date"));
    const Reply ack = c.post({ { "jsonrpc", "2.0" }, { "id", ask["id"] },
        { "result", { { "action", "accept" }, { "content", { { "start_date", "2026-12-01" }, { "days", 3 } } } } } });
    QCOMPARE(ack.status, 202);
    QTRY_VERIFY(stream->isFinished());
    QVERIFY(stream->hasResponse());
    json answer;
    for (const auto& m : stream->messages()) {
        if (m.contains("result"))
            answer = m;
    }
    QCOMPARE(answer["id"], request["id"]);
    QCOMPARE(answer["result"]["structuredContent"]["filed"], true);
    QCOMPARE(answer["result"]["structuredContent"]["days"], 3);

    // Declined.
    auto declined = c.postStreaming(c.requestMessage(QStringLiteral("tools/call"), { { "name", "request_time_off" } }));
    QTRY_VERIFY(declined->countMethod("elicitation/create") == 1);
    for (const auto& m : declined->messages()) {
        if (m.value("method", std::string()) == "elicitation/create")
            c.post({ { "jsonrpc", "2.0" }, { "id", m["id"] }, { "result", { { "action", "decline" } } } });
    }
    QTRY_VERIFY(declined->hasResponse());

    // A client without the capability gets a tool error, not a hanging call.
    Client plain(m_url);
    plain.initialize();
    const json m = plain.tool(QStringLiteral("request_time_off"));
    QVERIFY(m["result"]["isError"].get<bool>());
}

void TestLabMcpServer::resourcesPromptsCompletion()
{
    startHr(HrDemoServer::defaultOptions(),
        auth::staticBearer({ { "carol", { { "oid", "oid-carol" }, { "preferred_username", "carol@lanyard.test" } } },
            { "alice", kAlice } }));
    Client c(m_url, "carol");
    c.initialize();
    json m = c.call(QStringLiteral("resources/list"));
    QStringList uris;
    for (const auto& r : m["result"]["resources"])
        uris << QString::fromStdString(r["uri"].get<std::string>());
    QVERIFY(uris.contains("hr://me"));
    QVERIFY(!uris.contains("hr://audit-log"));
    m = c.call(QStringLiteral("resources/read"), { { "uri", "hr://me" } });
    const json me = parseOrNull(QByteArray::fromStdString(m["result"]["contents"][0]["text"].get<std::string>()));
    QCOMPARE(me["name"], "Carol Chen");
    QCOMPARE(me["salary"], 72000); // your own salary
    QCOMPARE(c.call(QStringLiteral("resources/read"), { { "uri", "hr://audit-log" } })["error"]["code"],
        rpc::ResourceNotFound);

    m = c.call(QStringLiteral("resources/templates/list"));
    QCOMPARE(m["result"]["resourceTemplates"][0]["uriTemplate"], "hr://employees/{id}");
    m = c.call(QStringLiteral("resources/read"), { { "uri", "hr://employees/E1002" } });
    const json bob = parseOrNull(QByteArray::fromStdString(m["result"]["contents"][0]["text"].get<std::string>()));
    QCOMPARE(bob["name"], "Bob Berg");
    QVERIFY(!bob.contains("salary"));
    QCOMPARE(m["result"]["contents"][0]["uri"], "hr://employees/E1002");
    QCOMPARE(c.call(QStringLiteral("resources/read"), { { "uri", "hr://employees/E9999" } })["error"]["code"],
        rpc::ResourceNotFound);

    m = c.call(QStringLiteral("completion/complete"),
        { { "ref", { { "type", "ref/resource" }, { "uri", "hr://employees/{id}" } } },
            { "argument", { { "name", "id" }, { "value", "E100" } } } });
    QCOMPARE(m["result"]["completion"]["values"].size(), size_t(9));
    QCOMPARE(m["result"]["completion"]["hasMore"], false);
    m = c.call(QStringLiteral("completion/complete"),
        { { "ref", { { "type", "ref/prompt" }, { "name", "performance_review" } } },
            { "argument", { { "name", "focus" }, { "value", "gr" } } } });
    QCOMPARE(m["result"]["completion"]["values"], json::array({ "growth" }));
    QCOMPARE(c.call(QStringLiteral("completion/complete"),
                 { { "ref", { { "type", "ref/prompt" }, { "name", "nope" } } },
                     { "argument", { { "name", "x" }, { "value", "" } } } })["error"]["code"],
        rpc::InvalidParams);

    m = c.call(QStringLiteral("prompts/list"));
    QCOMPARE(m["result"]["prompts"][0]["name"], "performance_review");
    QCOMPARE(c.call(QStringLiteral("prompts/get"), { { "name", "performance_review" } })["error"]["code"],
        rpc::InvalidParams);
    QCOMPARE(c.call(QStringLiteral("prompts/get"),
                 { { "name", "performance_review" }, { "arguments", { { "employee_id", "E0" } } } })["error"]["code"],
        rpc::InvalidParams);
    m = c.call(QStringLiteral("prompts/get"),
        { { "name", "performance_review" }, { "arguments", { { "employee_id", "E1003" }, { "focus", "growth" } } } });
    QCOMPARE(m["result"]["messages"].size(), size_t(2));
    QVERIFY(QString::fromStdString(m["result"]["messages"][0]["content"]["text"].get<std::string>())
                .contains("Carol Chen"));
    QCOMPARE(m["result"]["messages"][1]["content"]["type"], "resource");
    QCOMPARE(c.call(QStringLiteral("prompts/get"), { { "name", "nope" } })["error"]["code"], rpc::InvalidParams);

    // An admin sees the audit log resource.
    Client admin(m_url, "alice");
    admin.initialize();
    m = admin.call(QStringLiteral("resources/list"));
    bool listed = false;
    for (const auto& r : m["result"]["resources"])
        listed = listed || r["uri"] == "hr://audit-log";
    QVERIFY(listed);
}

void TestLabMcpServer::docsContentTypes()
{
    HttpServer http;
    QVERIFY(http.listen(0));
    DocsDemoServer docs;
    docs.attach(&http);
    Client c(docs.endpointUrl());
    c.initialize();

    json m = c.tool(QStringLiteral("media_sampler"));
    std::set<std::string> types;
    for (const auto& item : m["result"]["content"])
        types.insert(item["type"].get<std::string>());
    QVERIFY((types == std::set<std::string> { "text", "image", "audio", "resource_link", "resource" }));
    for (const auto& item : m["result"]["content"]) {
        if (item["type"] == "image")
            QVERIFY(QByteArray::fromBase64(QByteArray::fromStdString(item["data"].get<std::string>()))
                        .startsWith("\x89PNG\r\n\x1a\n"));
        if (item["type"] == "audio")
            QVERIFY(
                QByteArray::fromBase64(QByteArray::fromStdString(item["data"].get<std::string>())).startsWith("RIFF"));
    }

    m = c.call(QStringLiteral("resources/read"), { { "uri", "docs://logo.png" } });
    QCOMPARE(m["result"]["contents"][0]["mimeType"], "image/png");
    QVERIFY(QByteArray::fromBase64(QByteArray::fromStdString(m["result"]["contents"][0]["blob"].get<std::string>()))
                .startsWith("\x89PNG"));
    m = c.call(QStringLiteral("resources/read"), { { "uri", "docs://sample.bin" } });
    QCOMPARE(
        QByteArray::fromBase64(QByteArray::fromStdString(m["result"]["contents"][0]["blob"].get<std::string>())).size(),
        256);
    m = c.call(QStringLiteral("resources/read"), { { "uri", "docs://config.json" } });
    QVERIFY(parseOrNull(QByteArray::fromStdString(m["result"]["contents"][0]["text"].get<std::string>()))
                .contains("servers"));
    m = c.call(QStringLiteral("resources/read"), { { "uri", "docs://pages/authentication" } });
    QVERIFY(QString::fromStdString(m["result"]["contents"][0]["text"].get<std::string>()).contains("Entra"));

    m = c.tool(QStringLiteral("echo_structured"), { { "message", "hi" }, { "count", 3 }, { "tags", { "a" } } });
    QCOMPARE(m["result"]["structuredContent"]["repeated"], "hi hi hi");
    QCOMPARE(m["result"]["structuredContent"]["length"], 8);
    QCOMPARE(parseOrNull(QByteArray::fromStdString(m["result"]["content"][0]["text"].get<std::string>())),
        m["result"]["structuredContent"]);

    m = c.tool(QStringLiteral("large_result"), { { "size", 100000 } });
    QCOMPARE(m["result"]["content"][0]["text"].get<std::string>().size(), size_t(100000));
    m = c.tool(QStringLiteral("search_docs"), { { "query", "token" } });
    int links = 0;
    for (const auto& item : m["result"]["content"])
        links += item["type"] == "resource_link" ? 1 : 0;
    QVERIFY(links >= 2);
    QVERIFY(c.tool(QStringLiteral("read_doc"), { { "name", "nope" } })["result"]["isError"].get<bool>());
}

void TestLabMcpServer::authHookDenies401WithChallenge()
{
    McpServerOptions o = HrDemoServer::defaultOptions();
    o.authorizationServers = { QStringLiteral("http://127.0.0.1:1/tenant/v2.0") };
    startHr(o, auth::staticBearer({ { "alice", kAlice } }));
    const QByteArray metadataUrl = m_hr->resourceMetadataUrl().toString().toUtf8();
    QVERIFY(metadataUrl.endsWith("/.well-known/oauth-protected-resource/mcp"));

    Client none(m_url);
    Reply r = none.post(none.requestMessage(QStringLiteral("ping")), false);
    QCOMPARE(r.status, 401);
    QByteArray challenge = r.header("www-authenticate");
    QVERIFY2(challenge.startsWith("Bearer "), challenge.constData());
    QVERIFY(challenge.contains("resource_metadata=\"" + metadataUrl + "\""));
    QVERIFY(challenge.contains("scope=\"HR.Read HR.Write\""));
    QVERIFY(!challenge.contains("error="));

    Client wrong(m_url, "not-a-valid-token");
    r = wrong.post(wrong.requestMessage(QStringLiteral("ping")), false);
    QCOMPARE(r.status, 401);
    challenge = r.header("www-authenticate");
    QVERIFY(challenge.contains("error=\"invalid_token\""));
    // The GET stream and DELETE are guarded too.
    QCOMPARE(wrong.send("GET", wrong.request()).status, 401);
    QCOMPARE(wrong.send("DELETE", wrong.request()).status, 401);

    Client good(m_url, "alice");
    QCOMPARE(good.initialize().status, 200);
    const json who = good.tool(QStringLiteral("whoami"));
    const json out = who["result"]["structuredContent"];
    QCOMPARE(out["claims"], kAlice);
    QCOMPARE(out["anonymous"], false);
    QCOMPARE(out["subject"], "oid-alice");
    QCOMPARE(out["delegation_chain"].size(), size_t(2));
    QCOMPARE(out["delegation_chain"][0]["sub"], "lanyard-sts");
    QVERIFY(!out["delegation_chain"][0].contains("act"));
    QCOMPARE(out["delegation_chain"][1]["sub"], "lanyard-desktop");
    QCOMPARE(out["roles"], json::array({ "HR.Admin" }));

    // A custom hook can answer 403 with its own challenge.
    m_hr->setAuthHook([](const Request&) {
        AuthDecision d = AuthDecision::deny(403, "insufficient_scope");
        d.wwwAuthenticate = "Bearer error=\"insufficient_scope\", scope=\"custom\"";
        return d;
    });
    r = good.post(good.requestMessage(QStringLiteral("ping")));
    QCOMPARE(r.status, 403);
    QCOMPARE(r.header("www-authenticate"), QByteArray("Bearer error=\"insufficient_scope\", scope=\"custom\""));
}

void TestLabMcpServer::protectedResourceMetadata()
{
    McpServerOptions o = HrDemoServer::defaultOptions();
    o.authorizationServers = { QStringLiteral("http://127.0.0.1:9/lab-tenant/v2.0") };
    startHr(o, auth::staticBearer({}));
    Client c(m_url);
    for (const QByteArray& path : { QByteArray("/.well-known/oauth-protected-resource/mcp"),
             QByteArray("/.well-known/oauth-protected-resource") }) {
        QNetworkRequest req(QUrl(m_http->baseUrl().toString() + QString::fromLatin1(path)));
        const Reply r = c.send("GET", req);
        QCOMPARE(r.status, 200);
        const json doc = parseOrNull(r.body);
        QCOMPARE(QString::fromStdString(doc["resource"].get<std::string>()), m_url.toString());
        QCOMPARE(doc["authorization_servers"], json::array({ "http://127.0.0.1:9/lab-tenant/v2.0" }));
        QCOMPARE(doc["scopes_supported"], json::array({ "HR.Read", "HR.Write" }));
        QCOMPARE(doc["bearer_methods_supported"], json::array({ "header" }));
        QCOMPARE(doc["resource_name"], "Lanyard Lab HR");
    }
    // The canonical resource URI can be set explicitly.
    m_hr->mutableOptions().resource = QStringLiteral("api://lab-hr");
    QNetworkRequest req(m_hr->resourceMetadataUrl());
    QCOMPARE(parseOrNull(c.send("GET", req).body)["resource"], "api://lab-hr");
}

void TestLabMcpServer::scopeAndRoleChecks()
{
    McpServerOptions o = HrDemoServer::defaultOptions();
    o.scopePrefix = QStringLiteral("api://lab-hr/");
    startHr(o, auth::staticBearer({ { "alice", kAlice }, { "alice-ro", kAliceReadOnly }, { "bob", kBob } }));

    // Role, but no HR.Write scope: HTTP 403 insufficient_scope, asking for the union.
    Client ro(m_url, "alice-ro");
    ro.initialize();
    Reply r = ro.post(ro.requestMessage(QStringLiteral("tools/call"),
        { { "name", "update_salary" }, { "arguments", { { "id", "E1003" }, { "salary", 80000 } } } }));
    QCOMPARE(r.status, 403);
    const QByteArray challenge = r.header("www-authenticate");
    QVERIFY2(challenge.contains("error=\"insufficient_scope\""), challenge.constData());
    QVERIFY2(challenge.contains("scope=\"api://lab-hr/HR.Read api://lab-hr/HR.Write\""), challenge.constData());
    QVERIFY(challenge.contains("resource_metadata="));
    QCOMPARE(m_hr->employees()[2].salary, 72000);

    // Scope, but no role: a tool error (a new token would not help).
    Client bob(m_url, "bob");
    bob.initialize();
    json m = bob.tool(QStringLiteral("update_salary"), { { "id", "E1003" }, { "salary", 80000 } });
    QVERIFY(m["result"]["isError"].get<bool>());
    QCOMPARE(m_hr->employees()[2].salary, 72000);

    // Both: done and audited.
    Client alice(m_url, "alice");
    alice.initialize();
    m = alice.tool(QStringLiteral("update_salary"), { { "id", "E1003" }, { "salary", 80000 } });
    QVERIFY2(!m["result"].value("isError", false), dumpJson(m).constData());
    QCOMPARE(m["result"]["structuredContent"]["new"], 80000);
    QCOMPARE(m_hr->employees()[2].salary, 80000);
    m = alice.tool(QStringLiteral("get_employee"), { { "id", "E1003" } });
    QCOMPARE(m["result"]["structuredContent"]["salary"], 80000);
    m = alice.tool(QStringLiteral("audit_log"), { { "limit", 1000 } });
    QStringList outcomes;
    for (const auto& e : m["result"]["structuredContent"]["entries"]) {
        if (e["tool"] == "update_salary")
            outcomes << QString::fromStdString(e["subject"].get<std::string>() + ":" + e["outcome"].get<std::string>());
    }
    QCOMPARE(outcomes,
        (QStringList { "oid-alice:denied-scope", "oid-bob:denied-role", "oid-alice:allowed", "oid-alice:changed" }));

    // Tokens from the lab token service carry the role as "hr.admin" and scopes in `scope`.
    startHr(o,
        auth::staticBearer({ { "exchanged",
            { { "sub", "pairwise-ada" }, { "name", "Ada Admin" }, { "roles", { "hr.admin" } },
                { "scope", "HR.Read HR.Write" } } } }));
    Client ex(m_url, "exchanged");
    ex.initialize();
    m = ex.tool(QStringLiteral("update_salary"), { { "id", "E1002" }, { "salary", 99000 } });
    QVERIFY2(!m["result"].value("isError", false), dumpJson(m).constData());
    m = ex.call(QStringLiteral("resources/read"), { { "uri", "hr://me" } });
    QVERIFY(QString::fromStdString(m["result"]["contents"][0]["text"].get<std::string>()).contains("E1013"));
}

void TestLabMcpServer::sessionBoundToCaller()
{
    startHr(HrDemoServer::defaultOptions(), auth::staticBearer({ { "alice", kAlice }, { "bob", kBob } }));
    Client alice(m_url, "alice");
    alice.initialize();
    Client bob(m_url, "bob");
    bob.sessionId = alice.sessionId; // Bob presents Alice's session id
    const Reply r = bob.post(bob.requestMessage(QStringLiteral("ping")));
    QCOMPARE(r.status, 404);
    QCOMPARE(alice.call(QStringLiteral("ping"))["result"], json::object());
}

void TestLabMcpServer::noSecretsInLog()
{
    test::LogCapture capture;
    startHr(HrDemoServer::defaultOptions(), auth::staticBearer({ { "secret-token-abc123", kAlice } }));
    Client c(m_url, "secret-token-abc123");
    c.initialize();
    c.tool(QStringLiteral("whoami"));
    c.call(QStringLiteral("resources/read"), { { "uri", "hr://me" } });
    Client bad(m_url, "wrong-token-xyz789");
    bad.post(bad.requestMessage(QStringLiteral("ping")), false);
    QVERIFY(capture.contains(QStringLiteral("POST /mcp 200")));
    QVERIFY(capture.contains(QStringLiteral("POST /mcp 401")));
    for (const QString& s : { QStringLiteral("secret-token-abc123"), QStringLiteral("wrong-token-xyz789"),
             QString::fromLatin1(c.sessionId), QStringLiteral("alice@lanyard.test") })
        QVERIFY2(!capture.contains(s), qPrintable(s));
}

QTEST_GUILESS_MAIN(TestLabMcpServer)
#include "TestLabMcpServer.moc"
