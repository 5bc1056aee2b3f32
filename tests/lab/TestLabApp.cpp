// SPDX-License-Identifier: MIT
#include "Lab.h"
#include "idp/Scenario.h"
#include "sts/IdentityLab.h"

#include "lanyard/Version.h"
#include "util/Json.h"

#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

using namespace lanyard;
using namespace lanyard::lab;

namespace {

struct Started
{
    QMap<QString, QUrl> endpoints;
    QString configPath;
    bool ready = false;
};

// Reads stdout lines until "ready ..." (or timeout / exit).
Started readStartup(QProcess& process, QByteArray& stdoutText)
{
    Started s;
    [[maybe_unused]] const bool done = QTest::qWaitFor(
        [&] {
            stdoutText += process.readAllStandardOutput();
            return stdoutText.contains("\nready") || process.state() == QProcess::NotRunning;
        },
        20000);
    for (const QByteArray& line : stdoutText.split('\n')) {
        const QList<QByteArray> parts = line.trimmed().split(' ');
        if (parts.size() == 3 && parts[0] == "endpoint")
            s.endpoints.insert(QString::fromUtf8(parts[1]), QUrl(QString::fromUtf8(parts[2])));
        else if (parts.size() == 2 && parts[0] == "config")
            s.configPath = QString::fromUtf8(parts[1]);
        else if (parts.value(0) == "ready")
            s.ready = true;
    }
    return s;
}

// POSTs a JSON-RPC body to an MCP endpoint as a client would and waits for the answer (the caller
// deletes the reply).
QNetworkReply* postMcp(
    QNetworkAccessManager& nam, const QUrl& url, const QByteArray& body, const QByteArray& session = {})
{
    QNetworkRequest req(url);
    req.setRawHeader("Accept", "application/json, text/event-stream");
    req.setRawHeader("Content-Type", "application/json");
    if (!session.isEmpty())
        req.setRawHeader("Mcp-Session-Id", session);
    QNetworkReply* reply = nam.post(req, body);
    [[maybe_unused]] const bool finished = QTest::qWaitFor([reply] { return reply->isFinished(); }, 10000);
    return reply;
}

const QByteArray kInitialize
    = R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25"}})";

QString labExecutable()
{
    return QStringLiteral(LANYARD_LAB_EXE);
}

} // namespace

class TestLabApp : public QObject
{
    Q_OBJECT

private slots:
    void inProcessLab();
    void inProcessLabFixedPorts();
    void hrCopies();
    void startsPrintsAndStopsOnSigterm();
    void sigintAndTemporaryConfig();
    void versionAndHelp();
    void badArguments_data();
    void badArguments();
    void noIdentityAndPrintScenario();
};

void TestLabApp::inProcessLab()
{
    Lab lab;
    QString error;
    LabOptions options;
    options.benchTools = 30;
    QStringList configured;
    options.configureServer = [&](const QString& name, McpServer& server) {
        configured << name;
        server.mutableOptions().authorizationServers = { QStringLiteral("http://127.0.0.1:1/tenant/v2.0") };
    };
    options.authConfigFor = [](const QString& name) -> json {
        if (name == QLatin1String("hr"))
            return { { "type", "bearer" }, { "env", "LAB_HR_TOKEN" } };
        return nullptr;
    };
    QVERIFY2(lab.start(options, &error), qPrintable(error));
    QCOMPARE(configured, Lab::serverNames());
    QCOMPARE(lab.endpoints().size(), 3);
    QSet<int> ports;
    for (const LabEndpoint& e : lab.endpoints()) {
        QCOMPARE(e.url.host(), QStringLiteral("127.0.0.1"));
        QCOMPARE(e.url.path(), QStringLiteral("/mcp"));
        ports.insert(e.url.port());
        QCOMPARE(lab.http(e.name)->address(), QHostAddress(QHostAddress::LocalHost));
    }
    QCOMPARE(ports.size(), 3);
    QVERIFY(lab.hr());
    QVERIFY(lab.docs());
    QCOMPARE(lab.bench()->toolCount(), 31);
    QCOMPARE(lab.server(QStringLiteral("docs")), static_cast<McpServer*>(lab.docs()));
    QVERIFY(!lab.server(QStringLiteral("nope")));

    const json cfg = lab.lanyardConfig();
    QCOMPARE(cfg["servers"].size(), size_t(3));
    QCOMPARE(cfg["servers"][0]["name"], "hr");
    QCOMPARE(cfg["servers"][0]["auth"]["type"], "bearer");
    QCOMPARE(cfg["servers"][1]["auth"]["type"], "none");
    QCOMPARE(QString::fromStdString(cfg["servers"][1]["url"].get<std::string>()),
        lab.url(QStringLiteral("docs")).toString());

    // The servers answer.
    QNetworkAccessManager nam;
    QNetworkReply* reply = postMcp(nam, lab.url(QStringLiteral("docs")), kInitialize);
    QVERIFY(reply->isFinished());
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    QVERIFY(!reply->rawHeader("Mcp-Session-Id").isEmpty());
    reply->deleteLater();

    lab.stop();
    QVERIFY(!lab.isRunning());
    QVERIFY(lab.endpoints().isEmpty());
}

void TestLabApp::inProcessLabFixedPorts()
{
    // Find three consecutive free ports, then ask for them.
    quint16 base = 0;
    for (quint16 candidate = 41000; candidate < 41900 && base == 0; candidate += 7) {
        HttpServer a, b, c;
        if (a.listen(candidate) && b.listen(candidate + 1) && c.listen(candidate + 2))
            base = candidate;
    }
    if (base == 0)
        QSKIP("no three consecutive free ports found");
    Lab lab;
    LabOptions options;
    options.basePort = base;
    options.benchTools = 1;
    options.latencyMs = 150;
    QString error;
    QVERIFY2(lab.start(options, &error), qPrintable(error));
    QCOMPARE(lab.url(QStringLiteral("hr")).port(), int(base));
    QCOMPARE(lab.url(QStringLiteral("docs")).port(), int(base + 1));
    QCOMPARE(lab.url(QStringLiteral("bench")).port(), int(base + 2));
    QCOMPARE(lab.http(QStringLiteral("hr"))->faults().latencyMs, 150);

    // A second lab on the same ports fails with a message naming the port.
    Lab clash;
    QVERIFY(!clash.start(options, &error));
    QVERIFY2(error.contains(QString::number(base)), qPrintable(error));
    QVERIFY(!clash.isRunning());
}

void TestLabApp::hrCopies()
{
    // lanyard-lab --hr-copies N: servers like hr for the "20 servers at once" benchmark, each on
    // its own port, each taking only token-service tokens issued for its own URL.
    Lab lab;
    LabOptions options;
    options.identity = true;
    options.benchTools = 1;
    options.hrCopies = 2;
    options.latencyMs = 1; // also for the identity provider and the token service
    QString error;
    QVERIFY2(lab.start(options, &error), qPrintable(error));
    QCOMPARE(lab.identity()->idpServer()->faults().latencyMs, 1);
    QCOMPARE(lab.identity()->tokenServiceServer()->faults().latencyMs, 1);
    QCOMPARE(lab.http(QStringLiteral("hr-3"))->faults().latencyMs, 1);
    QStringList names;
    QSet<int> ports;
    for (const LabEndpoint& e : lab.endpoints()) {
        names << e.name;
        ports.insert(e.url.port());
    }
    QCOMPARE(names,
        (QStringList { QStringLiteral("hr"), QStringLiteral("hr-2"), QStringLiteral("hr-3"), QStringLiteral("docs"),
            QStringLiteral("bench") }));
    QCOMPARE(ports.size(), 5);
    QCOMPARE(Lab::kindOf(QStringLiteral("hr-3")), QStringLiteral("hr"));
    QCOMPARE(Lab::kindOf(QStringLiteral("hr-x")), QStringLiteral("hr-x"));
    QCOMPARE(lab.protection(QStringLiteral("hr-2")), QStringLiteral("token-service"));
    QCOMPARE(lab.server(QStringLiteral("hr-2"))->options().name, QStringLiteral("lab-hr-2"));
    const TokenServiceServer* copy = lab.identity()->scenario().findServer(QStringLiteral("hr-3"));
    QVERIFY(copy);
    QCOMPARE(copy->resource, lab.url(QStringLiteral("hr-3")).toString());
    QCOMPARE(copy->appKey, QStringLiteral("lab-hr"));

    const json cfg = lab.lanyardConfig();
    QCOMPARE(cfg["servers"].size(), size_t(5));
    QCOMPARE(cfg["servers"][1]["name"], "hr-2");
    QCOMPARE(cfg["servers"][1]["auth"], cfg["servers"][0]["auth"]); // token exchange, like hr

    // hr-2 refuses a caller without a token and names its own metadata, for its own URL.
    QNetworkAccessManager nam;
    QNetworkReply* refused = postMcp(nam, lab.url(QStringLiteral("hr-2")), kInitialize);
    QVERIFY(refused->isFinished());
    refused->deleteLater();
    QCOMPARE(refused->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 401);
    const QByteArray challenge = refused->rawHeader("WWW-Authenticate");
    const QUrl metadataUrl(
        QString::fromUtf8(challenge.mid(challenge.indexOf("resource_metadata=\"") + 19).split('"').first()));
    QCOMPARE(metadataUrl.port(), lab.url(QStringLiteral("hr-2")).port());
    QNetworkReply* metadata = nam.get(QNetworkRequest(metadataUrl));
    QTRY_VERIFY(metadata->isFinished());
    metadata->deleteLater();
    const auto doc = parseJson(metadata->readAll());
    QVERIFY(doc.has_value());
    QCOMPARE(QString::fromStdString((*doc)["resource"].get<std::string>()), lab.url(QStringLiteral("hr-2")).toString());
    QCOMPARE(QString::fromStdString((*doc)["authorization_servers"][0].get<std::string>()),
        lab.identity()->tokenServiceIssuer());

    // A bad count is refused with the limits.
    Lab tooMany;
    options.hrCopies = Lab::kMaxHrCopies + 1;
    QVERIFY(!tooMany.start(options, &error));
    QVERIFY2(error.contains(QString::number(Lab::kMaxHrCopies)), qPrintable(error));
}

void TestLabApp::startsPrintsAndStopsOnSigterm()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString configPath = dir.filePath(QStringLiteral("sub/lab.json"));
    QProcess process;
    process.start(labExecutable(),
        { QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--config-out"), configPath,
            QStringLiteral("--tools"), QStringLiteral("12") });
    QVERIFY2(process.waitForStarted(5000), qPrintable(process.errorString()));
    QByteArray out;
    const Started s = readStartup(process, out);
    QVERIFY2(s.ready, out.constData());
    QVERIFY(out.startsWith("lanyard-lab " LANYARD_VERSION));
    QCOMPARE(
        s.endpoints.keys(), (QStringList { QStringLiteral("bench"), QStringLiteral("docs"), QStringLiteral("hr") }));
    QCOMPARE(QFileInfo(s.configPath).canonicalFilePath(), QFileInfo(configPath).canonicalFilePath());

    QFile file(configPath);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const auto cfg = parseJson(file.readAll());
    QVERIFY(cfg.has_value());
    QCOMPARE((*cfg)["servers"].size(), size_t(3));
    // The config carries the identity lab: hr by token exchange, docs with an Entra token for its
    // own app, bench open.
    QVERIFY(out.contains("identity authority http://127.0.0.1:"));
    QVERIFY(out.contains("user ada@lanyardlab.onmicrosoft.com (Ada Admin)"));
    QCOMPARE((*cfg)["identity"]["clientId"], lab::builtin::kLanyardClientId);
    QVERIFY(QString::fromStdString((*cfg)["identity"]["authority"].get<std::string>())
                .endsWith(QStringLiteral("/%1/v2.0").arg(QString::fromLatin1(lab::builtin::kTenantId))));
    const QMap<QString, QString> expectedAuth { { QStringLiteral("hr"), QStringLiteral("token-exchange") },
        { QStringLiteral("docs"), QStringLiteral("entra") }, { QStringLiteral("bench"), QStringLiteral("none") } };
    for (const auto& server : (*cfg)["servers"]) {
        const QString name = QString::fromStdString(server["name"].get<std::string>());
        QCOMPARE(QUrl(QString::fromStdString(server["url"].get<std::string>())), s.endpoints.value(name));
        QCOMPARE(QString::fromStdString(server["auth"]["type"].get<std::string>()), expectedAuth.value(name));
    }
    QCOMPARE((*cfg)["servers"][0]["auth"]["subjectScopes"][0], "api://lanyard-lab-sts/.default");
    QCOMPARE((*cfg)["servers"][1]["auth"]["audience"], lab::builtin::kDocsAppId);

    // The running servers answer; the bench has the requested tools (+ whoami).
    QNetworkAccessManager nam;
    auto post = [&](const QUrl& url, const QByteArray& body, const QByteArray& session = {}) {
        QNetworkReply* reply = postMcp(nam, url, body, session);
        reply->deleteLater();
        return reply;
    };
    QNetworkReply* init = post(s.endpoints.value(QStringLiteral("bench")), kInitialize);
    QCOMPARE(init->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    const QByteArray session = init->rawHeader("Mcp-Session-Id");
    QNetworkReply* list = post(
        s.endpoints.value(QStringLiteral("bench")), R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})", session);
    const auto tools = parseJson(list->readAll());
    QVERIFY(tools.has_value());
    QCOMPARE((*tools)["result"]["tools"].size(), size_t(13));

    // hr and docs refuse a caller without a token, pointing at their metadata (RFC 9728), which
    // names the authorization server that issues their tokens.
    for (const QString& name : { QStringLiteral("hr"), QStringLiteral("docs") }) {
        QNetworkReply* refused = post(s.endpoints.value(name), kInitialize);
        QCOMPARE(refused->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 401);
        const QByteArray challenge = refused->rawHeader("WWW-Authenticate");
        QVERIFY2(challenge.startsWith("Bearer ") && challenge.contains("resource_metadata=\""), challenge.constData());
        const QUrl metadataUrl(
            QString::fromUtf8(challenge.mid(challenge.indexOf("resource_metadata=\"") + 19).split('"').first()));
        QNetworkReply* metadata = nam.get(QNetworkRequest(metadataUrl));
        QVERIFY(QTest::qWaitFor([metadata] { return metadata->isFinished(); }, 10000));
        metadata->deleteLater();
        const auto doc = parseJson(metadata->readAll());
        QVERIFY(doc.has_value());
        const QString as = QString::fromStdString((*doc)["authorization_servers"][0].get<std::string>());
        if (name == QLatin1String("hr"))
            QVERIFY2(!as.contains(QLatin1String("/v2.0")), qPrintable(as)); // the token service
        else
            QVERIFY2(as.endsWith(QLatin1String("/v2.0")), qPrintable(as)); // the Entra-like IdP
    }

    process.terminate(); // SIGTERM
    QVERIFY(process.waitForFinished(10000));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 0);
    const QByteArray err = process.readAllStandardError();
    QVERIFY2(err.contains("POST /mcp 200"), err.constData());
    QVERIFY(err.contains("stopped"));
    QVERIFY(!err.contains(session)); // session ids are not logged
    QVERIFY(QFile::exists(configPath)); // an explicit config file stays
}

void TestLabApp::sigintAndTemporaryConfig()
{
    QProcess process;
    QTemporaryDir dir;
    const QString scenario = dir.filePath(QStringLiteral("scenario.json"));
    QFile f(scenario);
    QVERIFY(f.open(QIODevice::WriteOnly));
    json doc = Scenario::builtIn().toJson();
    for (json& user : doc["users"]) {
        if (user["username"] == "olli@lanyardlab.onmicrosoft.com")
            user["name"] = "Olli From The File";
    }
    f.write(dumpJson(doc, 2));
    f.close();

    process.start(
        labExecutable(), { QStringLiteral("--tools"), QStringLiteral("1"), QStringLiteral("--scenario"), scenario });
    QVERIFY(process.waitForStarted(5000));
    QByteArray out;
    const Started s = readStartup(process, out);
    QVERIFY2(s.ready, out.constData());
    QVERIFY(out.contains("scenario "));
    QVERIFY2(out.contains("user olli@lanyardlab.onmicrosoft.com (Olli From The File)"), out.constData()); // applied
    QVERIFY(!s.configPath.isEmpty());
    QVERIFY(QFile::exists(s.configPath));
    ::kill(pid_t(process.processId()), SIGINT);
    QVERIFY(process.waitForFinished(10000));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 0);
    QVERIFY(!QFile::exists(s.configPath)); // the temporary config is removed
}

void TestLabApp::versionAndHelp()
{
    QProcess process;
    process.start(labExecutable(), { QStringLiteral("--version") });
    QVERIFY(process.waitForFinished(10000));
    QCOMPARE(process.exitCode(), 0);
    const QByteArray version = process.readAllStandardOutput();
    QVERIFY2(version.contains(LANYARD_VERSION), version.constData());
    QVERIFY(version.contains(LANYARD_GIT_REVISION));

    process.start(labExecutable(), { QStringLiteral("--help") });
    QVERIFY(process.waitForFinished(10000));
    QCOMPARE(process.exitCode(), 0);
    const QByteArray help = process.readAllStandardOutput();
    for (const char* option : { "--port", "--config-out", "--scenario", "--latency", "--tools", "--hr-copies",
             "--no-identity", "--print-scenario", "--sign-in-as", "--mfa", "--consent" })
        QVERIFY2(help.contains(option), option);
}

void TestLabApp::badArguments_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::newRow("port not a number") << QStringList { QStringLiteral("--port"), QStringLiteral("abc") };
    QTest::newRow("port too high") << QStringList { QStringLiteral("--port"), QStringLiteral("70000") };
    QTest::newRow("negative latency") << QStringList { QStringLiteral("--latency"), QStringLiteral("-5") };
    QTest::newRow("too many hr copies") << QStringList { QStringLiteral("--hr-copies"), QStringLiteral("201") };
    QTest::newRow("missing scenario") << QStringList { QStringLiteral("--scenario"),
        QStringLiteral("/nonexistent/x.json") };
    QTest::newRow("stray argument") << QStringList { QStringLiteral("extra") };
    QTest::newRow("scenario not usable") << QStringList { QStringLiteral("--scenario"),
        QStringLiteral(":placeholder") };
    QTest::newRow("scenario not JSON") << QStringList { QStringLiteral("--scenario"), QStringLiteral(":notjson") };
    QTest::newRow("scenario without identity") << QStringList { QStringLiteral("--no-identity"),
        QStringLiteral("--scenario"), QStringLiteral(":placeholder") };
}

void TestLabApp::badArguments()
{
    QFETCH(QStringList, args);
    QTemporaryDir dir;
    for (QString& a : args) { // ":name" = a scenario file written here
        if (a == QLatin1String(":placeholder") || a == QLatin1String(":notjson")) {
            const QString path = dir.filePath(a.mid(1) + QStringLiteral(".json"));
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(a == QLatin1String(":placeholder") ? R"({"name": "placeholder"})" : "{ nope");
            a = path;
        }
    }
    QProcess process;
    process.start(labExecutable(), args);
    QVERIFY(process.waitForFinished(10000));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 2);
    const QByteArray err = process.readAllStandardError();
    QVERIFY2(err.contains("lanyard-lab:"), err.constData());
    if (args.contains(QStringLiteral("--scenario")))
        QVERIFY2(err.contains("scenario"), err.constData()); // names the problem
    QVERIFY(!process.readAllStandardOutput().contains("ready"));
}

void TestLabApp::noIdentityAndPrintScenario()
{
    QProcess process;
    process.start(labExecutable(), { QStringLiteral("--print-scenario") });
    QVERIFY(process.waitForFinished(10000));
    QCOMPARE(process.exitCode(), 0);
    const auto scenario = parseJson(process.readAllStandardOutput());
    QVERIFY(scenario.has_value());
    QVERIFY(Scenario::fromJson(*scenario).has_value()); // what it prints loads again

    process.start(labExecutable(), { QStringLiteral("--no-identity"), QStringLiteral("--tools"), QStringLiteral("1") });
    QVERIFY(process.waitForStarted(5000));
    QByteArray out;
    const Started s = readStartup(process, out);
    QVERIFY2(s.ready, out.constData());
    QVERIFY(!out.contains("identity "));
    QFile file(s.configPath);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const auto cfg = parseJson(file.readAll());
    QVERIFY(cfg.has_value() && !cfg->contains("identity"));
    for (const auto& server : (*cfg)["servers"])
        QCOMPARE(server["auth"]["type"], "none");
    process.terminate();
    QVERIFY(process.waitForFinished(10000));
    QCOMPARE(process.exitCode(), 0);
}

QTEST_GUILESS_MAIN(TestLabApp)
#include "TestLabApp.moc"
