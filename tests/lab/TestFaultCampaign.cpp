// SPDX-License-Identifier: MIT
// The fault campaign of docs/reliability.md, one row per data tag. lanyard-lab (in-process, its
// identity lab included) injects each fault with the same `--fault` specs the executable takes;
// the real lanyard-cli runs against it. Every row must end in a clear error (the exit code and a
// message that names the problem) or in a recovery, never a crash; the config file is never
// touched; no token reaches the output; and once the fault is gone the same command succeeds.
// The second half keeps one core client session (what the desktop app's ServerSession holds)
// connected across each transport fault: the failed call reports the problem, the next call on
// the same session succeeds.
#include "Lab.h"

#include "protocol/McpClient.h"
#include "transport/StreamableHttpTransport.h"
#include "util/Json.h"

#include <QCryptographicHash>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace lanyard;
using namespace lanyard::lab;

namespace {

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

QByteArray fileHash(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
}

} // namespace

class TestFaultCampaign : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanup();
    void cliRow_data();
    void cliRow();
    void signedInThenFault_data();
    void signedInThenFault();
    void sessionSurvives_data();
    void sessionSurvives();
    void faultSpecsAreChecked();

private:
    Run cli(const QString& config, const QStringList& args, int timeoutMs = 60000);
    void writeConfig(const QString& path, bool fileStore);

    QTemporaryDir m_dir;
    Lab m_lab;
    QString m_config; // memory store: every run signs in (through the robot)
    QString m_fileConfig; // file store: the sign-in outlives the process
};

void TestFaultCampaign::writeConfig(const QString& path, bool fileStore)
{
    json config = m_lab.lanyardConfig();
    config["identity"]["store"] = fileStore ? "file" : "memory";
    if (fileStore)
        config["identity"]["storeFile"] = m_dir.filePath(QStringLiteral("credentials.json")).toStdString();
    config["identity"]["signInTimeoutSeconds"] = 20;
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(dumpJson(config, 2));
}

void TestFaultCampaign::initTestCase()
{
    QVERIFY(m_dir.isValid());
    LabOptions options;
    options.identity = true;
    options.benchTools = 3;
    QString error;
    QVERIFY2(m_lab.start(options, &error), qPrintable(error));
    m_config = m_dir.filePath(QStringLiteral("lab.json"));
    m_fileConfig = m_dir.filePath(QStringLiteral("lab-file-store.json"));
    writeConfig(m_config, false);
    writeConfig(m_fileConfig, true);
    QTest::qWait(300); // the servers' validators fetch the keys
}

void TestFaultCampaign::cleanup()
{
    m_lab.clearFaults();
}

Run TestFaultCampaign::cli(const QString& config, const QStringList& args, int timeoutMs)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"));
    env.remove(QStringLiteral("BROWSER"));
    env.insert(QStringLiteral("XDG_DATA_HOME"), m_dir.filePath(QStringLiteral("data")));
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_dir.filePath(QStringLiteral("config")));
    p.setProcessEnvironment(env);
    const QString robot
        = QStringLiteral("\"%1\" --sign-in-as ada@lanyardlab.onmicrosoft.com").arg(QStringLiteral(LANYARD_LAB_EXE));
    p.start(QStringLiteral(LANYARD_CLI_EXE),
        QStringList { QStringLiteral("--config"), config } + args
            + QStringList { QStringLiteral("--open-with"), robot });
    Run r;
    if (!p.waitForStarted(10000))
        return r;
    // The lab lives in this process: keep its event loop turning while the CLI runs.
    QSignalSpy finished(&p, &QProcess::finished);
    if (!finished.wait(timeoutMs)) {
        p.kill();
        p.waitForFinished(2000);
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

// Columns: the faults, the CLI command, the exit code, and what the message must say.
void TestFaultCampaign::cliRow_data()
{
    QTest::addColumn<QStringList>("faults");
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QStringList>("says");

    const QStringList benchCall { QStringLiteral("call"), QStringLiteral("bench"), QStringLiteral("whoami") };
    const QStringList hrCall { QStringLiteral("call"), QStringLiteral("hr"), QStringLiteral("whoami") };
    const QStringList docsCall { QStringLiteral("call"), QStringLiteral("docs"), QStringLiteral("whoami") };
    const QStringList quick { QStringLiteral("--timeout"), QStringLiteral("2") };
    auto row = [](const char* tag, const QStringList& faults, const QStringList& args, int code,
                   const QStringList& says) { QTest::newRow(tag) << faults << args << code << says; };
    // MCP server faults (transport and protocol).
    row("F01 malformed JSON answer", { "bench:malformed-json@tools/call" }, benchCall, 3,
        { "not valid JSON", "report this to its maintainers" });
    row("F02 garbage SSE events", { "bench:garbage-sse@tools/call" }, benchCall, 3, { "event that is not valid JSON" });
    row("F03 answer cut mid-body", { "bench:cut@tools/call" }, benchCall, 3,
        { "connection to the MCP server broke while its answer was arriving" });
    row("F04 slow drip beyond the timeout", { "bench:drip@tools/call" }, benchCall + quick, 6,
        { "did not answer tools/call within 2 s", "raise the timeout" });
    row("F05 200 MiB answer", { "bench:huge@tools/call" }, benchCall, 3,
        { "larger than the limit of 64.0 MB", "Raise the limit" });
    row("F06 connection reset", { "bench:reset@tools/call" }, benchCall, 3,
        { "Lost the connection to the MCP server", "before it answered" });
    row("F07 HTTP 500", { "bench:500@tools/call" }, benchCall, 3,
        { "had a problem answering (HTTP 500)", "check the server's logs" });
    row("F08 HTTP 503 at initialize", { "bench:503@initialize" }, benchCall, 3, { "(HTTP 503)" });
    row("F09 wrong content type", { "bench:wrong-content-type@tools/call" }, benchCall, 3,
        { "content type \"text/html\"", "points to an MCP endpoint" });
    row("F10 redirect to another origin (with a token)", { "hr:redirect@tools/call" }, hrCall, 3,
        { "redirected the request to another site", "credentials are never sent there" });
    row("F11 server slower than the timeout", { "bench:slow@tools/call" }, benchCall + quick, 6,
        { "did not answer tools/call within 2 s" });
    row("F12 server down", { "bench:down" }, benchCall, 3, { "connection was refused", "server is running" });
    row("F13 malformed JSON at initialize", { "hr:malformed-json@initialize" }, hrCall, 3, { "not valid JSON" });
    // Identity provider and token service faults.
    row("F14 identity provider down", { "idp:down" }, hrCall, 3,
        { "identity provider's configuration", "Connection refused" });
    row("F15 identity provider HTTP 500", { "idp:500" }, docsCall, 4, { "answered HTTP 500", "identity.authority" });
    row("F16 identity provider garbage JSON", { "idp:malformed-json" }, docsCall, 3,
        { "configuration", "is not usable", "identity.authority" });
    row("F17 token service refuses", { "sts:refuse" }, hrCall + QStringList { QStringLiteral("--verbose") }, 4,
        { "from the token service failed", "invalid_grant", "refuses every exchange" });
    row("F18 token service HTTP 503", { "sts:503" }, hrCall, 4, { "HTTP 503", "try again later" });
    row("F19 token service issues an expired token", { "sts:expired-token" }, hrCall, 4,
        { "had already expired when it arrived", "did not send it" });
    row("F20 token service issues a token for another server", { "sts:wrong-audience" }, hrCall, 4,
        { "is meant for \"http://127.0.0.1:9/somebody-else/mcp\"", "did not send it" });
    row("F21 identity provider clock 15 min ahead", { "idp:clock-skew" }, docsCall, 4,
        { "not valid before", "Check this computer's clock" });
    row("F22 token service resets the connection", { "sts:reset" }, hrCall, 3, { "token service" });
}

void TestFaultCampaign::cliRow()
{
    QFETCH(QStringList, faults);
    QFETCH(QStringList, args);
    QFETCH(int, exitCode);
    QFETCH(QStringList, says);

    for (const QString& spec : faults) {
        QString error;
        QVERIFY2(m_lab.applyFault(spec, &error), qPrintable(error));
    }
    const QByteArray before = fileHash(m_config);
    QElapsedTimer timer;
    timer.start();
    const Run failed = cli(m_config, args);
    const qint64 ms = timer.elapsed();
    QVERIFY2(failed.exitCode != -1, "lanyard-cli crashed or hung");
    QVERIFY2(failed.exitCode == exitCode,
        qPrintable(
            QStringLiteral("exit %1, expected %2; stderr:\n%3").arg(failed.exitCode).arg(exitCode).arg(failed.err)));
    for (const QString& s : says)
        QVERIFY2(failed.err.contains(s, Qt::CaseInsensitive),
            qPrintable(QStringLiteral("no '%1' in:\n%2").arg(s, failed.err)));
    QVERIFY2(!failed.err.contains(QLatin1String("eyJ")) && !failed.out.contains(QLatin1String("eyJ")),
        "a token in the output");
    QCOMPARE(fileHash(m_config), before); // the config is never rewritten
    qInfo().noquote() << QTest::currentDataTag() << "->"
                      << "exit" << failed.exitCode << "after" << ms
                      << "ms:" << failed.err.split(QLatin1Char('\n')).filter(QStringLiteral("lanyard-cli:")).value(0);

    // The fault gone, the same command works: nothing was lost.
    m_lab.clearFaults();
    const Run again = cli(m_config, args);
    QVERIFY2(again.exitCode == 0, qPrintable(again.err));
}

// Faults that hit a person already signed in (the sign-in kept in a credential file between runs).
void TestFaultCampaign::signedInThenFault_data()
{
    QTest::addColumn<QString>("fault");
    QTest::addColumn<QString>("server");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("says");
    // Keys rotated and the old one withdrawn: the stored ID token's key is gone; the refresh still
    // works and the new tokens carry the new key.
    QTest::newRow("F23 signing keys rotated mid-session") << "idp:rotate-keys"
                                                          << "docs" << 0 << "";
    // Every refresh token revoked (AADSTS50173): Lanyard signs in again in the browser.
    QTest::newRow("F24 sessions revoked mid-session") << "idp:revoke-sessions"
                                                      << "docs" << 0 << "";
    // Conditional access now wants MFA (AADSTS50076 with claims): a new authorization with claims.
    QTest::newRow("F25 MFA required mid-session") << "idp:mfa"
                                                  << "docs" << 0 << "";
    // The identity provider is down after the sign-in: the refresh cannot happen, said plainly.
    QTest::newRow("F26 identity provider down mid-session") << "idp:down"
                                                            << "hr" << 3 << "Cannot reach";
}

void TestFaultCampaign::signedInThenFault()
{
    QFETCH(QString, fault);
    QFETCH(QString, server);
    QFETCH(int, exitCode);
    QFETCH(QString, says);
    QFile::remove(m_dir.filePath(QStringLiteral("credentials.json")));
    const QStringList args { QStringLiteral("call"), server, QStringLiteral("whoami") };
    const Run first = cli(m_fileConfig, args);
    QVERIFY2(first.exitCode == 0, qPrintable(first.err));
    QVERIFY(QFile::exists(m_dir.filePath(QStringLiteral("credentials.json"))));

    QString error;
    QVERIFY2(m_lab.applyFault(fault, &error), qPrintable(error));
    const Run second = cli(m_fileConfig, args);
    QVERIFY2(
        second.exitCode == exitCode, qPrintable(QStringLiteral("exit %1:\n%2").arg(second.exitCode).arg(second.err)));
    if (!says.isEmpty())
        QVERIFY2(second.err.contains(says), qPrintable(second.err));
    qInfo().noquote() << QTest::currentDataTag() << "->"
                      << "exit" << second.exitCode << ":"
                      << second.err.split(QLatin1Char('\n')).filter(QStringLiteral("lanyard-cli:")).value(0);
    m_lab.clearFaults();
    const Run third = cli(m_fileConfig, args);
    QVERIFY2(third.exitCode == 0, qPrintable(third.err));
}

void TestFaultCampaign::sessionSurvives_data()
{
    QTest::addColumn<QString>("fault");
    QTest::addColumn<QString>("says");
    QTest::newRow("malformed JSON") << "bench:malformed-json@tools/call"
                                    << "not valid JSON";
    QTest::newRow("garbage SSE") << "bench:garbage-sse@tools/call"
                                 << "not valid JSON";
    QTest::newRow("cut") << "bench:cut@tools/call"
                         << "broke while its answer was arriving";
    QTest::newRow("huge") << "bench:huge@tools/call"
                          << "larger than the limit";
    QTest::newRow("reset") << "bench:reset@tools/call"
                           << "Lost the connection";
    QTest::newRow("HTTP 502") << "bench:502@tools/call"
                              << "HTTP 502";
    QTest::newRow("wrong content type") << "bench:wrong-content-type@tools/call"
                                        << "content type";
    QTest::newRow("redirect") << "bench:redirect@tools/call"
                              << "another site";
    QTest::newRow("slow") << "bench:slow@tools/call"
                          << "did not answer";
}

void TestFaultCampaign::sessionSurvives()
{
    QFETCH(QString, fault);
    QFETCH(QString, says);
    auto* transport = new StreamableHttpTransport(m_lab.url(QStringLiteral("bench")));
    ClientOptions options;
    options.requestDefaults.timeoutMs = 1500;
    McpClient client(transport, options);
    QSignalSpy ready(&client, &McpClient::ready);
    client.connectToServer();
    QTRY_COMPARE(ready.count(), 1);

    auto call = [&client](json* result, Error* error) {
        PendingRequest* r = client.callTool(QStringLiteral("whoami"), json::object());
        QSignalSpy ok(r, &PendingRequest::finished);
        QSignalSpy bad(r, &PendingRequest::failed);
        QTRY_VERIFY_WITH_TIMEOUT(!ok.isEmpty() || !bad.isEmpty(), 20000);
        if (!bad.isEmpty())
            *error = bad.at(0).at(0).value<Error>();
        else
            *result = ok.at(0).at(0).value<json>();
    };
    QString error;
    QVERIFY2(m_lab.applyFault(fault, &error), qPrintable(error));
    json result;
    Error failure;
    call(&result, &failure);
    QVERIFY2(failure.isError(), "the faulty call did not fail");
    QVERIFY2(failure.message.contains(says), qPrintable(failure.message));

    m_lab.clearFaults();
    Error none;
    json ok;
    call(&ok, &none);
    QVERIFY2(!none.isError(), qPrintable(none.message));
    QVERIFY(ok.contains("structuredContent"));
}

void TestFaultCampaign::faultSpecsAreChecked()
{
    QString error;
    QVERIFY(!m_lab.applyFault(QStringLiteral("hr"), &error));
    QVERIFY(error.contains(QLatin1String("TARGET:KIND")));
    QVERIFY(!m_lab.applyFault(QStringLiteral("hr:explode"), &error));
    QVERIFY(error.contains(QLatin1String("unknown fault 'explode'")));
    QVERIFY(!m_lab.applyFault(QStringLiteral("mars:500"), &error));
    QVERIFY(error.contains(QLatin1String("unknown target 'mars'")));
    QVERIFY(!m_lab.applyFault(QStringLiteral("hr:refuse"), &error));
    QVERIFY(error.contains(QLatin1String("write sts:refuse")));
    QVERIFY(!m_lab.applyFault(QStringLiteral("sts:rotate-keys"), &error));
    QVERIFY(error.contains(QLatin1String("write idp:rotate-keys")));
    QVERIFY(!m_lab.applyFault(QStringLiteral("idp:500@tools/call"), &error));
    QVERIFY(error.contains(QLatin1String("MCP servers only")));
}

QTEST_GUILESS_MAIN(TestFaultCampaign)
#include "TestFaultCampaign.moc"
