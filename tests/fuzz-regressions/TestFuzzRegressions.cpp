// SPDX-License-Identifier: MIT
// Replays every committed fuzz input (tests/fuzz/regressions/<target>/: the crash inputs of past
// findings; tests/fuzz/corpus/<target>/: the seeds) through the same code the libFuzzer targets
// run (tests/fuzz/FuzzEntryPoints.cpp), in the normal build. Plus one focused test per finding
// that checks the behaviour after the fix, not only the absence of a crash.
#include "FuzzEntryPoints.h"

#include "auth/Identity.h"
#include "auth/LoopbackListener.h"
#include "protocol/JsonRpcConnection.h"
#include "protocol/McpClient.h"
#include "protocol/Transport.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTest>

#include <functional>
#include <map>

using namespace lanyard;

namespace {

using EntryPoint = bool (*)(const std::uint8_t*, std::size_t);

const std::map<QString, EntryPoint>& entryPoints()
{
    static const std::map<QString, EntryPoint> entries {
        { QStringLiteral("sse"), &fuzz::runSse },
        { QStringLiteral("jsonrpc"), &fuzz::runJsonRpc },
        { QStringLiteral("jwt"), &fuzz::runJwt },
        { QStringLiteral("jwks"), &fuzz::runJwks },
        { QStringLiteral("www_authenticate"), &fuzz::runWwwAuthenticate },
        { QStringLiteral("loopback_request"), &fuzz::runLoopbackRequest },
        { QStringLiteral("discovery"), &fuzz::runDiscovery },
        { QStringLiteral("config"), &fuzz::runConfig },
        { QStringLiteral("large_message"), &fuzz::runLargeMessage },
        { QStringLiteral("http_response"), &fuzz::runHttpResponse },
    };
    return entries;
}

QString fuzzDir()
{
    return qEnvironmentVariable("LANYARD_SOURCE_DIR") + QStringLiteral("/tests/fuzz");
}

QStringList filesIn(const QString& dir)
{
    QStringList out;
    for (const QString& name : QDir(dir).entryList(QDir::Files, QDir::Name))
        out << dir + QLatin1Char('/') + name;
    return out;
}

// A transport the test plays the server on.
class ScriptedTransport : public Transport
{
public:
    using Transport::Transport;
    void start() override { emit started(); }
    void send(const json& message) override { sent.append(message); }
    void close() override { emit closed(); }
    void receive(const QByteArray& bytes)
    {
        if (auto message = parseJson(bytes))
            emit messageReceived(*message);
    }
    QList<json> sent;
};

} // namespace

class TestFuzzRegressions : public QObject
{
    Q_OBJECT

private slots:
    void entryPointsCoverEveryCorpus();
    void replay_data();
    void replay();
    void jwtTargetReachesSignatureChecks();

    // Findings (docs/fuzzing.md), checked for behaviour.
    void answerWithNonStringJsonrpcFailsTheRequest();
    void progressWithWrongTypesIsIgnored();
    void notificationsWithNonObjectParamsAreHarmless();
    void toolsListWithNonObjectItems();
    void toolResultWithNonBooleanIsError();
    void identityNumbersOutOfIntRange();

    // The loopback callback request, now a pure function.
    void callbackRequest_data();
    void callbackRequest();
};

void TestFuzzRegressions::entryPointsCoverEveryCorpus()
{
    const QStringList targets
        = QDir(fuzzDir() + QStringLiteral("/corpus")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    QCOMPARE(targets.size(), int(entryPoints().size()));
    for (const QString& t : targets) {
        QVERIFY2(entryPoints().count(t) == 1, qPrintable(t));
        QVERIFY2(!filesIn(fuzzDir() + QStringLiteral("/corpus/") + t).isEmpty(), qPrintable(t));
    }
    // Every finding left its crash input behind.
    QVERIFY(!filesIn(fuzzDir() + QStringLiteral("/regressions/jsonrpc")).isEmpty());
    QVERIFY(!filesIn(fuzzDir() + QStringLiteral("/regressions/config")).isEmpty());
}

void TestFuzzRegressions::replay_data()
{
    QTest::addColumn<QString>("target");
    QTest::addColumn<QString>("file");
    for (const auto& [target, entry] : entryPoints()) {
        (void)entry;
        for (const char* kind : { "regressions", "corpus" }) {
            for (const QString& file :
                filesIn(fuzzDir() + QLatin1Char('/') + QLatin1String(kind) + QLatin1Char('/') + target)) {
                const QString row
                    = QStringLiteral("%1/%2/%3").arg(QLatin1String(kind), target, QFileInfo(file).fileName());
                QTest::newRow(qPrintable(row)) << target << file;
            }
        }
    }
}

void TestFuzzRegressions::replay()
{
    QFETCH(QString, target);
    QFETCH(QString, file);
    QFile f(file);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray bytes = f.readAll();
    const EntryPoint entry = entryPoints().at(target);
    QVERIFY(entry(reinterpret_cast<const std::uint8_t*>(bytes.constData()), static_cast<std::size_t>(bytes.size())));
}

void TestFuzzRegressions::jwtTargetReachesSignatureChecks()
{
    QVERIFY(fuzz::selfCheck());
}

void TestFuzzRegressions::answerWithNonStringJsonrpcFailsTheRequest()
{
    ScriptedTransport transport;
    JsonRpcConnection connection(&transport);
    RequestOptions options;
    options.timeoutMs = 0;
    PendingRequest* request = connection.request(QStringLiteral("tools/list"), json(), options);
    QSignalSpy failed(request, &PendingRequest::failed);
    transport.receive(R"({"jsonrpc":2,"id":1,"result":{}})"); // used to throw out of the signal
    QCOMPARE(failed.count(), 1);
    QCOMPARE(failed.at(0).at(0).value<Error>().kind, Error::Kind::Protocol);
    QCOMPARE(connection.pendingCount(), 0);
}

void TestFuzzRegressions::progressWithWrongTypesIsIgnored()
{
    ScriptedTransport transport;
    JsonRpcConnection connection(&transport);
    RequestOptions options;
    options.timeoutMs = 0;
    options.reportProgress = true;
    PendingRequest* request = connection.request(QStringLiteral("tools/call"), json { { "name", "x" } }, options);
    QSignalSpy progress(request, &PendingRequest::progress);
    transport.receive(
        R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":"half"}})");
    transport.receive(R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1}})");
    transport.receive(
        R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":3,"total":4}})");
    QCOMPARE(progress.count(), 3);
    QCOMPARE(progress.at(0).at(0).toDouble(), 0.0);
    QCOMPARE(progress.at(1).at(0).toDouble(), 0.0);
    QCOMPARE(progress.at(2).at(0).toDouble(), 3.0);
    QCOMPARE(progress.at(2).at(1).toDouble(), 4.0);
    QCOMPARE(connection.pendingCount(), 1);
}

void TestFuzzRegressions::notificationsWithNonObjectParamsAreHarmless()
{
    auto* transport = new ScriptedTransport;
    McpClient client(transport);
    QSignalSpy logs(&client, &McpClient::logMessage);
    QSignalSpy notifications(&client, &McpClient::notificationReceived);
    transport->receive(R"({"jsonrpc":"2.0","method":"notifications/progress","params":"x"})");
    transport->receive(R"({"jsonrpc":"2.0","method":"notifications/message","params":[1]})");
    QCOMPARE(notifications.count(), 2);
    QCOMPARE(logs.count(), 1);
    QVERIFY(logs.at(0).at(2).value<json>().is_null());
}

void TestFuzzRegressions::toolsListWithNonObjectItems()
{
    auto* transport = new ScriptedTransport;
    McpClient client(transport);
    client.connectToServer();
    QVERIFY(!transport->sent.isEmpty());
    const json init = { { "jsonrpc", "2.0" }, { "id", transport->sent.constFirst()["id"] },
        { "result",
            { { "protocolVersion", McpClient::latestProtocolVersion().toStdString() },
                { "capabilities", json::object() }, { "serverInfo", { { "name", "s" }, { "version", "1" } } } } } };
    transport->receive(QByteArray::fromStdString(init.dump()));
    transport->sent.clear();
    PendingRequest* request = client.listTools();
    QSignalSpy finished(request, &PendingRequest::finished);
    QVERIFY(!transport->sent.isEmpty());
    const json id = transport->sent.constLast()["id"];
    transport->receive(QByteArray(R"({"jsonrpc":"2.0","id":)") + QByteArray::fromStdString(id.dump())
        + R"(,"result":{"tools":[1,"x",{"name":"ok"}]}})");
    QCOMPARE(finished.count(), 1);
    QCOMPARE(finished.at(0).at(0).value<json>()["tools"].size(), std::size_t(3));
}

void TestFuzzRegressions::toolResultWithNonBooleanIsError()
{
    QVERIFY(!McpClient::checkToolResult(json { { "isError", "yes" } }, json::object()).isError);
    QVERIFY(McpClient::checkToolResult(json { { "isError", true } }, json::object()).isError);
    QVERIFY(!McpClient::checkToolResult(json::array(), json::object()).isError);
}

void TestFuzzRegressions::identityNumbersOutOfIntRange()
{
    Error error;
    auto settings = auth::IdentitySettings::fromJson(json::parse(R"({"redirectPort": 4.4e66})"), &error);
    QVERIFY(!settings);
    QVERIFY(error.message.contains(QLatin1String("redirectPort")));
    settings = auth::IdentitySettings::fromJson(json::parse(R"({"signInTimeoutSeconds": 3000000000})"), &error);
    QVERIFY(settings);
    QVERIFY(settings->loopback.timeoutMs > 0);
    settings = auth::IdentitySettings::fromJson(
        json::parse(R"({"clockSkewSeconds": -1e300, "refreshLeadSeconds": 1e300})"), &error);
    QVERIFY(settings);
}

void TestFuzzRegressions::callbackRequest_data()
{
    using Outcome = auth::LoopbackListener::CallbackRequest::Outcome;
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("outcome");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("duplicate");
    QTest::newRow("callback") << QByteArray("GET /callback?code=a%20b+c&state=s HTTP/1.1\r\nHost: x\r\n\r\n")
                              << int(Outcome::Callback) << QStringLiteral("a b c") << QString();
    QTest::newRow("duplicate") << QByteArray("GET /callback?code=a&code=b HTTP/1.1\r\n\r\n") << int(Outcome::Callback)
                               << QStringLiteral("b") << QStringLiteral("code");
    QTest::newRow("incomplete") << QByteArray("GET /callback?code=a HTTP/1.1\r\n") << int(Outcome::Incomplete)
                                << QString() << QString();
    QTest::newRow("malformed") << QByteArray("GET /callback\r\n\r\n") << int(Outcome::Malformed) << QString()
                               << QString();
    QTest::newRow("not http") << QByteArray("GET /callback SPDY/3\r\n\r\n") << int(Outcome::Malformed) << QString()
                              << QString();
    QTest::newRow("prefix path") << QByteArray("GET /callbackx?code=a HTTP/1.1\r\n\r\n") << int(Outcome::WrongPath)
                                 << QString() << QString();
    QTest::newRow("encoded path") << QByteArray("GET /%63allback?code=a HTTP/1.1\r\n\r\n") << int(Outcome::Callback)
                                  << QStringLiteral("a") << QString();
    QTest::newRow("post") << QByteArray("POST /callback?code=a HTTP/1.1\r\n\r\n") << int(Outcome::WrongMethod)
                          << QString() << QString();
    QTest::newRow("too large") << (QByteArray("GET /callback?code=") + QByteArray(20000, 'a') + " HTTP/1.1\r\n\r\n")
                               << int(Outcome::TooLarge) << QString() << QString();
}

void TestFuzzRegressions::callbackRequest()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, outcome);
    QFETCH(QString, code);
    QFETCH(QString, duplicate);
    const auto request = auth::LoopbackListener::parseCallbackRequest(bytes, QStringLiteral("/callback"));
    QCOMPARE(int(request.outcome), outcome);
    QCOMPARE(request.parameters.value(QStringLiteral("code")), code);
    QCOMPARE(request.duplicate, duplicate);
}

QTEST_GUILESS_MAIN(TestFuzzRegressions)
#include "TestFuzzRegressions.moc"
