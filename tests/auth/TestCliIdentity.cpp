// SPDX-License-Identifier: MIT
// lanyard-cli's identity commands as a person uses them, against the identity lab: login (the
// test plays the browser with the URL the CLI prints), whoami, token, a call that exchanges on
// demand, lifecycle, persistence across invocations (file store), logout.
#include "LabFixture.h"

#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace lanyard;

namespace {
struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};
} // namespace

class TestCliIdentity : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();
    void loginWhoamiTokenCallLifecycleLogout();
    void commandSignsInWhenNeeded();
    void notConfigured();

private:
    Run run(const QStringList& args, bool playBrowser = false, int timeoutMs = 30000);
    void writeConfig(const json& identityExtra = json::object());

    QString m_cli;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<authtest::LabFixture> m_lab;
    std::unique_ptr<authtest::LabBrowser> m_browser;
    QString m_config;
};

void TestCliIdentity::initTestCase()
{
    m_cli = qEnvironmentVariable("LANYARD_BINARY_DIR") + QStringLiteral("/app/cli/lanyard-cli");
    QVERIFY2(QFile::exists(m_cli), qPrintable(m_cli));
}

void TestCliIdentity::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_lab = std::make_unique<authtest::LabFixture>();
    QVERIFY(m_lab->start(false)); // real clock: the CLI runs in another process
    m_browser = std::make_unique<authtest::LabBrowser>();
    writeConfig();
}

void TestCliIdentity::cleanup()
{
    m_browser.reset();
    m_lab.reset();
    m_dir.reset();
}

void TestCliIdentity::writeConfig(const json& identityExtra)
{
    json identity{{"authority", ss(m_lab->authority())},
                  {"clientId", ss(m_lab->clientId())},
                  {"store", "file"},
                  {"storeFile", ss(m_dir->filePath(QStringLiteral("credentials.json")))},
                  {"signInTimeoutSeconds", 20}};
    for (auto it = identityExtra.begin(); it != identityExtra.end(); ++it)
        identity[it.key()] = *it;
    json config{{"identity", identity},
                {"servers",
                 {{{"name", "hr"},
                   {"url", ss(m_lab->hr->endpointUrl().toString())},
                   {"auth",
                    {{"type", "token-exchange"},
                     {"tokenEndpoint", ss(m_lab->lab->tokenServiceTokenUrl().toString())},
                     {"subjectScopes", {ss(m_lab->lab->tokenServiceScope())}},
                     {"scopes", {"HR.Read"}}}}},
                  {{"name", "docs"},
                   {"url", ss(m_lab->docs->endpointUrl().toString())},
                   {"auth", {{"type", "entra"}, {"scopes", {"api://lab-docs/Docs.Read"}}, {"audience", lab::builtin::kDocsAppId}}}}}}};
    m_config = m_dir->filePath(QStringLiteral("config.json"));
    QFile f(m_config);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(dumpJson(config, 2));
}

Run TestCliIdentity::run(const QStringList& args, bool playBrowser, int timeoutMs)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("XDG_DATA_HOME"), m_dir->filePath(QStringLiteral("data")));
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_dir->filePath(QStringLiteral("config")));
    env.remove(QStringLiteral("BROWSER"));
    env.remove(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"));
    p.setProcessEnvironment(env);
    QStringList all{QStringLiteral("--config"), m_config};
    all << args;
    Run r;
    bool browsed = false;
    connect(&p, &QProcess::readyReadStandardError, this, [&] {
        r.err += QString::fromUtf8(p.readAllStandardError());
        if (!playBrowser || browsed)
            return;
        static const QRegularExpression urlRe(QStringLiteral("(http://127\\.0\\.0\\.1:\\d+/\\S+/oauth2/v2\\.0/authorize\\?\\S+)"));
        const auto m = urlRe.match(r.err);
        if (m.hasMatch()) {
            browsed = true;
            const QUrl url(m.captured(1), QUrl::StrictMode);
            QTimer::singleShot(0, m_browser.get(), [this, url] { m_browser->browse(url); });
        }
    });
    p.start(m_cli, all);
    if (!p.waitForStarted(5000))
        return r;
    QSignalSpy finished(&p, &QProcess::finished);
    if (!finished.wait(timeoutMs)) {
        p.kill();
        p.waitForFinished(2000);
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err += QString::fromUtf8(p.readAllStandardError());
    return r;
}

void TestCliIdentity::loginWhoamiTokenCallLifecycleLogout()
{
    Run login = run({QStringLiteral("login"), QStringLiteral("--no-browser")}, true);
    QVERIFY2(login.exitCode == 0, qPrintable(login.err + m_browser->failure));
    QVERIFY(login.out.contains(QLatin1String("Signed in as Ada Admin")));
    QVERIFY(login.err.contains(QLatin1String("/oauth2/v2.0/authorize?"))); // the address, on stderr
    QVERIFY(login.err.contains(QLatin1String("assumed S256")));             // the notice, visible
    QVERIFY(QFile::exists(m_dir->filePath(QStringLiteral("credentials.json"))));

    // A new process: the sign-in persisted.
    Run who = run({QStringLiteral("whoami")});
    QVERIFY2(who.exitCode == 0, qPrintable(who.err));
    QVERIFY(who.out.contains(QLatin1String("ada@lanyardlab.onmicrosoft.com")));
    QVERIFY(who.out.contains(QString::fromLatin1(lab::builtin::kAdaOid)));

    Run token = run({QStringLiteral("token"), QStringLiteral("hr")});
    QVERIFY2(token.exitCode == 0, qPrintable(token.err));
    QVERIFY2(token.out.contains(QLatin1String("token-exchange")), qPrintable(token.out));
    QVERIFY(token.out.contains(QLatin1String("Entra token (subject)")));
    QVERIFY(token.out.contains(m_lab->hr->endpointUrl().toString().left(30)));
    QVERIFY(!token.out.contains(QLatin1String("eyJ"))); // no raw token without --reveal
    Run tokenJson = run({QStringLiteral("token"), QStringLiteral("hr"), QStringLiteral("--json")});
    const auto chain = parseJson(tokenJson.out.toUtf8());
    QVERIFY2(chain && (*chain)["chain"].size() == 2, qPrintable(tokenJson.out));
    QCOMPARE(qs((*chain)["chain"][1]["claims"], "aud"), m_lab->hr->endpointUrl().toString());
    QVERIFY(!(*chain)["chain"][1].contains("token"));
    Run revealed = run({QStringLiteral("token"), QStringLiteral("hr"), QStringLiteral("--reveal")});
    QVERIFY(revealed.out.contains(QLatin1String("eyJ")));

    Run call = run({QStringLiteral("call"), QStringLiteral("docs"), QStringLiteral("whoami")});
    QVERIFY2(call.exitCode == 0, qPrintable(call.err));
    QVERIFY(call.out.contains(QString::fromLatin1(lab::builtin::kAdaOid)));
    QCOMPARE(m_browser->opened, 0); // no second sign-in
    QCOMPARE(m_browser->pages.count(QStringLiteral("signin")), 1);

    Run life = run({QStringLiteral("lifecycle")});
    QVERIFY2(life.exitCode == 0, qPrintable(life.err));
    for (const char* kind : {"signed-in", "notice", "refreshed", "exchanged"})
        QVERIFY2(life.out.contains(QLatin1String(kind)), kind);
    QVERIFY(!life.out.contains(QLatin1String("eyJ")));

    Run out = run({QStringLiteral("logout")});
    QVERIFY2(out.exitCode == 0, qPrintable(out.err));
    Run who2 = run({QStringLiteral("whoami")});
    QCOMPARE(who2.exitCode, 4);
    QVERIFY(who2.err.contains(QLatin1String("Not signed in")));
}

void TestCliIdentity::commandSignsInWhenNeeded()
{
    // No login first: the tool call signs in on its own (address on stderr, browser = the test).
    Run call = run({QStringLiteral("call"), QStringLiteral("hr"), QStringLiteral("whoami"), QStringLiteral("--no-browser")}, true);
    QVERIFY2(call.exitCode == 0, qPrintable(call.err + m_browser->failure));
    QVERIFY(call.err.contains(QLatin1String("/oauth2/v2.0/authorize?")));
    QVERIFY(call.out.contains(QString::fromLatin1(lab::builtin::kAdaOid)));
}

void TestCliIdentity::notConfigured()
{
    QFile f(m_config);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(R"({"servers": []})");
    f.close();
    Run r = run({QStringLiteral("login")});
    QCOMPARE(r.exitCode, 2);
    QVERIFY(r.err.contains(QLatin1String("identity")));
}

QTEST_GUILESS_MAIN(TestCliIdentity)
#include "TestCliIdentity.moc"
