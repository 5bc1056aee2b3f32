// SPDX-License-Identifier: MIT
// The leak test (issue 7, fault campaign): a full identity session against the identity lab —
// sign-in, a token for every lab server (hr by token exchange, docs with Entra tokens), tool
// calls, refresh, lifecycle, sign-out — then every output, log line and file the session left
// under its profile is searched for every token, code, verifier and secret the lab issued or
// received (the lab's secret observer names them). Expected: 0 hits. See docs/reliability.md.
#include "LeakScanner.h"

#include "../auth/LabFixture.h"
#include "LogCapture.h"

#include "auth/CredentialStore.h"
#include "auth/Identity.h"
#include "auth/Lifecycle.h"
#include "auth/Strategies.h"
#include "protocol/McpClient.h"
#include "transport/StreamableHttpTransport.h"

#include <QLoggingCategory>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <cstdio>
#include <sys/stat.h>
#include <unistd.h>

using namespace lanyard;
using namespace lanyard::auth;

namespace {

struct Run
{
    QString name;
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

// Where one CLI session lives: a fresh HOME with its XDG directories and TMPDIR inside it.
struct Profile
{
    QTemporaryDir root;
    QString home() const { return root.filePath(QStringLiteral("home")); }
    QString dataHome() const { return home() + QStringLiteral("/.local/share"); }
    QString configHome() const { return home() + QStringLiteral("/.config"); }
    QString tmp() const { return home() + QStringLiteral("/tmp"); }
    QString configFile() const { return configHome() + QStringLiteral("/lanyard/config.json"); }
    QString credentialsFile() const { return dataHome() + QStringLiteral("/lanyard/default/credentials.json"); }
    QString journalFile() const { return dataHome() + QStringLiteral("/lanyard/default/lifecycle.jsonl"); }
};

} // namespace

class TestLeakScan : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();

    void scannerFindsEveryForm_data();
    void scannerFindsEveryForm();
    void cliSessionFileStore();
    void cliSessionMemoryStore();
    void inProcessSession();

private:
    void watchLab();
    bool writeConfig(const Profile& profile, const QString& store);
    Run run(const Profile& profile, const QStringList& args, bool playBrowser = false, int timeoutMs = 40000);
    QList<leaktest::Hit> scanRuns(const QList<Run>& runs) const;
    QList<leaktest::Hit> scanLog(const QString& source, const QStringList& lines) const;
    void report(const QString& variant, int files, int streams, int logLines, const QList<leaktest::Hit>& hits) const;

    QString m_cli;
    std::unique_ptr<authtest::LabFixture> m_lab;
    std::unique_ptr<authtest::LabBrowser> m_browser;
    std::unique_ptr<leaktest::LeakScanner> m_scanner;
    QByteArray m_plantable;
};

void TestLeakScan::initTestCase()
{
    m_cli = qEnvironmentVariable("LANYARD_BINARY_DIR") + QStringLiteral("/app/cli/lanyard-cli");
}

void TestLeakScan::init()
{
    m_scanner = std::make_unique<leaktest::LeakScanner>();
    m_browser = std::make_unique<authtest::LabBrowser>();
}

void TestLeakScan::cleanup()
{
    m_browser.reset();
    m_lab.reset();
    m_scanner.reset();
}

// Every secret the lab's IdP and token service issue or receive goes into the scanner.
void TestLeakScan::watchLab()
{
    auto observe = [this](const QByteArray& secret, const QString& kind) {
        m_scanner->addSecret(secret, kind);
        if (kind.startsWith(QLatin1String("refresh token")))
            m_plantable = secret; // for the self-check only
    };
    m_lab->lab->idp()->setSecretObserver(observe);
    m_lab->lab->tokenService()->setSecretObserver(observe);
}

// ---- The scanner itself can fail ----------------------------------------------------------------

void TestLeakScan::scannerFindsEveryForm_data()
{
    QTest::addColumn<QByteArray>("secret");
    QTest::addColumn<QByteArray>("written");
    QTest::addColumn<QString>("form");
    const QByteArray opaque = "Zm9vYmFyLWJheiAx-_~secret.value+with/odd=chars";
    const QByteArray jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJlLXBhcnQtb2YtdGhlLWp3dC0xMjM0NTY";
    QTest::newRow("raw") << opaque << "log: token=" + opaque + " end" << QStringLiteral("raw");
    QTest::newRow("percent") << opaque << "url?x=" + QUrl::toPercentEncoding(QString::fromLatin1(opaque)) + "&y"
                             << QStringLiteral("percent-encoded");
    for (int prefix = 0; prefix < 3; ++prefix) {
        const QByteArray inner = QByteArray("ab").left(prefix) + opaque + "tail";
        QTest::addRow("base64 at %d", prefix) << opaque << "x" + inner.toBase64() + "x" << QStringLiteral("base64");
        QTest::addRow("base64url at %d", prefix)
            << opaque << inner.toBase64(QByteArray::Base64UrlEncoding) << QStringLiteral("base64url");
    }
    QTest::newRow("hex") << opaque << "fp " + opaque.toHex() << QStringLiteral("hex");
    QTest::newRow("jwt signature") << jwt << "sig=" + jwt.split('.')[2] << QStringLiteral("JWT signature");
}

void TestLeakScan::scannerFindsEveryForm()
{
    QFETCH(QByteArray, secret);
    QFETCH(QByteArray, written);
    QFETCH(QString, form);
    leaktest::LeakScanner scanner;
    scanner.addSecret(secret, QStringLiteral("test secret"));
    scanner.addSecret(secret, QStringLiteral("test secret")); // counted once
    QCOMPARE(scanner.secretCount(), 1);
    QVERIFY(scanner.scan(QStringLiteral("clean"), "nothing secret here, eyJ and friends").isEmpty());
    const QList<leaktest::Hit> hits = scanner.scan(QStringLiteral("stream"), written);
    bool found = false;
    for (const auto& h : hits)
        found = found || h.form == form;
    QVERIFY2(found, qPrintable(leaktest::LeakScanner::describe(hits)));
    // The report names the place and the kind, never the secret.
    QVERIFY(!leaktest::LeakScanner::describe(hits).toUtf8().contains(secret));
}

// ---- Helpers for the CLI sessions ---------------------------------------------------------------

bool TestLeakScan::writeConfig(const Profile& profile, const QString& store)
{
    json identity { { "authority", ss(m_lab->authority()) }, { "clientId", ss(m_lab->clientId()) },
        { "store", ss(store) }, { "signInTimeoutSeconds", 30 } };
    json config { { "identity", identity },
        { "servers",
            { { { "name", "hr" }, { "url", ss(m_lab->hr->endpointUrl().toString()) },
                  { "auth",
                      { { "type", "token-exchange" },
                          { "tokenEndpoint", ss(m_lab->lab->tokenServiceTokenUrl().toString()) },
                          { "subjectScopes", { ss(m_lab->lab->tokenServiceScope()) } },
                          { "scopes", { "HR.Read" } } } } },
                { { "name", "docs" }, { "url", ss(m_lab->docs->endpointUrl().toString()) },
                    { "auth",
                        { { "type", "entra" }, { "scopes", { "api://lab-docs/Docs.Read" } },
                            { "audience", lab::builtin::kDocsAppId } } } } } } };
    if (!QDir().mkpath(QFileInfo(profile.configFile()).absolutePath()) || !QDir().mkpath(profile.tmp()))
        return false;
    QFile f(profile.configFile());
    if (!f.open(QIODevice::WriteOnly))
        return false;
    f.write(dumpJson(config, 2));
    return true;
}

Run TestLeakScan::run(const Profile& profile, const QStringList& args, bool playBrowser, int timeoutMs)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("HOME"), profile.home());
    env.insert(QStringLiteral("XDG_DATA_HOME"), profile.dataHome());
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), profile.configHome());
    env.insert(QStringLiteral("XDG_CACHE_HOME"), profile.home() + QStringLiteral("/.cache"));
    env.insert(QStringLiteral("XDG_STATE_HOME"), profile.home() + QStringLiteral("/.local/state"));
    env.insert(QStringLiteral("TMPDIR"), profile.tmp());
    // Every log line of every category, at every level.
    env.insert(QStringLiteral("QT_LOGGING_RULES"), QStringLiteral("*.debug=true;*.info=true"));
    env.remove(QStringLiteral("BROWSER"));
    env.remove(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"));
    p.setProcessEnvironment(env);
    p.setWorkingDirectory(profile.home());
    QStringList all { QStringLiteral("--config"), profile.configFile(), QStringLiteral("--verbose") };
    all << args;
    Run r;
    r.name = QStringLiteral("`lanyard-cli %1`").arg(args.join(QLatin1Char(' ')));
    bool browsed = false;
    connect(&p, &QProcess::readyReadStandardError, this, [&] {
        r.err += p.readAllStandardError();
        if (!playBrowser || browsed)
            return;
        static const QRegularExpression urlRe(
            QStringLiteral("(http://127\\.0\\.0\\.1:\\d+/\\S+/oauth2/v2\\.0/authorize\\?\\S+)"));
        const auto m = urlRe.match(QString::fromUtf8(r.err));
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
    r.out = p.readAllStandardOutput();
    r.err += p.readAllStandardError();
    return r;
}

QList<leaktest::Hit> TestLeakScan::scanRuns(const QList<Run>& runs) const
{
    QList<leaktest::Hit> hits;
    for (const Run& r : runs) {
        hits += m_scanner->scan(r.name + QStringLiteral(" stdout"), r.out);
        hits += m_scanner->scan(r.name + QStringLiteral(" stderr"), r.err);
    }
    return hits;
}

QList<leaktest::Hit> TestLeakScan::scanLog(const QString& source, const QStringList& lines) const
{
    QList<leaktest::Hit> hits;
    for (int i = 0; i < lines.size(); ++i) {
        hits += m_scanner->scan(QStringLiteral("%1 line %2").arg(source).arg(i + 1), lines[i].toUtf8());
    }
    return hits;
}

void TestLeakScan::report(
    const QString& variant, int files, int streams, int logLines, const QList<leaktest::Hit>& hits) const
{
    // Printed (not logged) so ctest -V shows what was covered; never a secret, only counts.
    std::fprintf(stderr,
        "leak scan [%s]: %d distinct secrets (%s); scanned %d files, %d process streams, %d log lines; %d hits\n",
        qPrintable(variant), m_scanner->secretCount(), qPrintable(m_scanner->kindCounts().join(QStringLiteral(", "))),
        files, streams, logLines, int(hits.size()));
}

// ---- The full session through lanyard-cli (file store: the session spans processes) --------------

void TestLeakScan::cliSessionFileStore()
{
    QVERIFY2(QFile::exists(m_cli), qPrintable(m_cli));
    test::LogCapture labLog; // the lab (in this process) logs at every level into it
    m_lab = std::make_unique<authtest::LabFixture>();
    QVERIFY(m_lab->start(false)); // real clock: the CLI runs in other processes
    watchLab();
    Profile profile;
    QVERIFY(profile.root.isValid());
    QVERIFY(writeConfig(profile, QStringLiteral("file")));

    QList<Run> runs;
    auto step = [&](const QStringList& args, bool browser = false) {
        runs << run(profile, args, browser);
        return runs.last();
    };
    const Run login = step({ QStringLiteral("login"), QStringLiteral("--no-browser") }, true);
    QVERIFY2(login.exitCode == 0, login.err.constData());
    QCOMPARE(m_browser->pages.count(QStringLiteral("signin")), 1);

    // The one opt-in file that may hold the refresh token: owner-only, and it does hold it (so
    // the observer's values are the real ones the CLI keeps).
    QVERIFY2(QFile::exists(profile.credentialsFile()), qPrintable(profile.credentialsFile()));
    struct stat st
    {
    };
    QCOMPARE(::stat(QFile::encodeName(profile.credentialsFile()).constData(), &st), 0);
    QCOMPARE(st.st_mode & 0777, mode_t(0600));
    {
        QFile f(profile.credentialsFile());
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QList<leaktest::Hit> stored = m_scanner->scan(QStringLiteral("credentials"), f.readAll());
        bool refreshToken = false;
        for (const auto& h : stored)
            refreshToken = refreshToken || h.kind.startsWith(QLatin1String("refresh token"));
        QVERIFY2(refreshToken, "the scanner finds the stored refresh token in the credentials file");
    }

    QCOMPARE(step({ QStringLiteral("whoami") }).exitCode, 0);
    QCOMPARE(step({ QStringLiteral("token"), QStringLiteral("hr") }).exitCode, 0);
    QCOMPARE(step({ QStringLiteral("token"), QStringLiteral("docs") }).exitCode, 0);
    QCOMPARE(step({ QStringLiteral("--json"), QStringLiteral("token"), QStringLiteral("hr") }).exitCode, 0);
    const Run hr = step({ QStringLiteral("call"), QStringLiteral("hr"), QStringLiteral("whoami") });
    QVERIFY2(hr.exitCode == 0, hr.err.constData());
    QVERIFY(hr.out.contains(lab::builtin::kAdaOid));
    const Run docs = step({ QStringLiteral("call"), QStringLiteral("docs"), QStringLiteral("whoami") });
    QVERIFY2(docs.exitCode == 0, docs.err.constData());

    // Access tokens that are already due when issued (30 s, under the 60 s refresh lead): the
    // CLI refreshes with the stored refresh token, and again whenever it needs the token.
    m_lab->lab->idp()->setAccessTokenLifetime(30);
    m_lab->lab->tokenService()->setTokenLifetime(30);
    const Run due = step({ QStringLiteral("call"), QStringLiteral("hr"), QStringLiteral("whoami") });
    QVERIFY2(due.exitCode == 0, due.err.constData());
    const Run dueDocs = step({ QStringLiteral("call"), QStringLiteral("docs"), QStringLiteral("whoami") });
    QVERIFY2(dueDocs.exitCode == 0, dueDocs.err.constData());

    const Run life = step({ QStringLiteral("lifecycle") });
    QVERIFY2(life.exitCode == 0, life.err.constData());
    for (const char* kind : { "signed-in", "refreshed", "exchanged" })
        QVERIFY2(life.out.contains(kind), kind);
    const Run out = step({ QStringLiteral("logout") });
    QVERIFY2(out.exitCode == 0, out.err.constData());
    QCOMPARE(m_browser->opened, 0); // the test played the browser from stderr, never a launcher
    QVERIFY(m_browser->failure.isEmpty());

    // What the lab saw: a code, its verifier, the refresh token (issued, then presented back),
    // IdP and token-service access tokens, ID tokens, subject tokens.
    QVERIFY2(m_scanner->secretCount() >= 10, qPrintable(m_scanner->kindCounts().join(QLatin1Char(','))));
    // (A value is counted once, under the kind it was first seen as: a refresh token presented
    // back is the one issued.)
    for (const char* kind : { "authorization code (issued)", "code_verifier (received)", "refresh token (issued)",
             "IdP access token (issued)", "ID token (issued)", "token service access token (issued)" }) {
        bool seen = false;
        for (const QString& k : m_scanner->kindCounts())
            seen = seen || k.startsWith(QLatin1String(kind) + QLatin1Char(':'));
        QVERIFY2(seen, kind);
    }

    // The scan: every stream, every lab log line, every file under the profile — the credentials
    // file too, now that the user signed out.
    QStringList files;
    QList<leaktest::Hit> hits = scanRuns(runs);
    hits += scanLog(QStringLiteral("lab log"), labLog.lines());
    hits += m_scanner->scanTree(profile.root.path(), {}, &files);
    report(
        QStringLiteral("cli, file store"), int(files.size()), int(runs.size() * 2), int(labLog.lines().size()), hits);
    QVERIFY2(files.contains(profile.journalFile()), qPrintable(files.join(QLatin1Char('\n'))));
    QVERIFY(labLog.lines().size() > 10);
    QVERIFY2(hits.isEmpty(), qPrintable(leaktest::LeakScanner::describe(hits)));

    // Self-check: the scan can fail. Bury the last refresh token the lab issued, base64-encoded
    // after an odd number of bytes, in a log file under the profile: it is found.
    {
        QVERIFY(!m_plantable.isEmpty());
        QFile planted(profile.home() + QStringLiteral("/.cache/lanyard/planted.log"));
        QVERIFY(QDir().mkpath(QFileInfo(planted).absolutePath()));
        QVERIFY(planted.open(QIODevice::WriteOnly));
        planted.write("some log line before\n");
        planted.write(("{\"rt\":\"" + m_plantable + "\"}").toBase64());
        planted.close();
        const QList<leaktest::Hit> found = m_scanner->scanTree(profile.root.path());
        bool inPlanted = false;
        for (const auto& h : found)
            inPlanted
                = inPlanted || (h.source == planted.fileName() && h.kind.startsWith(QLatin1String("refresh token")));
        QVERIFY2(inPlanted, qPrintable(leaktest::LeakScanner::describe(found)));
        QVERIFY(!leaktest::LeakScanner::describe(found).contains(QLatin1String("eyJ")));
    }
}

// ---- One CLI process with the memory store: sign-in, exchange and call, nothing kept ------------

void TestLeakScan::cliSessionMemoryStore()
{
    QVERIFY2(QFile::exists(m_cli), qPrintable(m_cli));
    test::LogCapture labLog;
    m_lab = std::make_unique<authtest::LabFixture>();
    QVERIFY(m_lab->start(false));
    watchLab();
    m_lab->lab->idp()->setAccessTokenLifetime(30); // due at once: refreshed whenever needed
    m_lab->lab->tokenService()->setTokenLifetime(30);
    Profile profile;
    QVERIFY(writeConfig(profile, QStringLiteral("memory")));

    QList<Run> runs;
    runs << run(profile,
        { QStringLiteral("call"), QStringLiteral("hr"), QStringLiteral("whoami"), QStringLiteral("--no-browser") },
        true);
    QVERIFY2(runs.last().exitCode == 0, runs.last().err.constData());
    QVERIFY(runs.last().out.contains(lab::builtin::kAdaOid));
    runs << run(profile, { QStringLiteral("lifecycle") });
    QVERIFY2(runs.last().out.contains("refreshed"), runs.last().out.constData());
    QVERIFY(!QFile::exists(profile.credentialsFile()));
    QVERIFY(m_scanner->secretCount() >= 6);

    QStringList files;
    QList<leaktest::Hit> hits = scanRuns(runs);
    hits += scanLog(QStringLiteral("lab log"), labLog.lines());
    hits += m_scanner->scanTree(profile.root.path(), {}, &files);
    report(QStringLiteral("cli, memory store, one process"), int(files.size()), int(runs.size() * 2),
        int(labLog.lines().size()), hits);
    QVERIFY(files.contains(profile.journalFile()));
    QVERIFY2(hits.isEmpty(), qPrintable(leaktest::LeakScanner::describe(hits)));
}

// ---- In process: the core classes with every log line captured --------------------------------

namespace {

bool callTool(const ServerConfig& server, IdentityManager* id, QObject* context)
{
    Error error;
    TokenProvider* provider = createTokenProvider(server, id, nullptr, &error);
    if (!provider)
        return false;
    auto* transport = new StreamableHttpTransport(server.url);
    provider->setParent(transport);
    transport->setTokenProvider(provider);
    McpClient client(transport, ClientOptions());
    transport->setParent(&client);
    int outcome = 0; // 1 ok, -1 failed
    QObject::connect(&client, &McpClient::errorOccurred, context, [&](const Error&) {
        if (client.state() != McpClient::State::Connected)
            outcome = -1;
    });
    QObject::connect(&client, &McpClient::ready, context, [&] {
        PendingRequest* p = client.callTool(QStringLiteral("whoami"), json::object());
        QObject::connect(p, &PendingRequest::finished, context,
            [&](const json& r) { outcome = r.value("isError", false) ? -1 : 1; });
        QObject::connect(p, &PendingRequest::failed, context, [&](const Error&) { outcome = -1; });
    });
    client.connectToServer();
    for (int i = 0; i < 300 && outcome == 0; ++i)
        QTest::qWait(50);
    return outcome == 1;
}

} // namespace

void TestLeakScan::inProcessSession()
{
    Profile profile;
    QVERIFY(profile.root.isValid());
    // stdout and stderr of this process go to a file under the profile, scanned with the rest.
    QVERIFY(QDir().mkpath(profile.tmp()));
    QFile console(profile.tmp() + QStringLiteral("/console.txt"));
    QVERIFY(console.open(QIODevice::WriteOnly));
    std::fflush(stdout);
    std::fflush(stderr);
    const int savedOut = dup(1);
    const int savedErr = dup(2);
    dup2(console.handle(), 1);
    dup2(console.handle(), 2);

    QStringList logLines;
    bool ok = false;
    bool refreshed = false;
    {
        test::LogCapture log;
        m_lab = std::make_unique<authtest::LabFixture>();
        if (m_lab->start()) { // manual clock, shared with the identity manager
            watchLab();
            IdentityManager id;
            id.setClock(&m_lab->clock);
            IdentitySettings s;
            s.authority = m_lab->authority();
            s.clientId = m_lab->clientId();
            s.store = QStringLiteral("file");
            s.loopback.timeoutMs = 20000;
            id.configure(s);
            id.setStore(new FileStore(profile.credentialsFile()));
            id.lifecycle()->setJournal(profile.journalFile());
            id.setBrowserLauncher(m_browser->launcher());

            ServerConfig hr;
            hr.name = QStringLiteral("hr");
            hr.url = m_lab->hr->endpointUrl();
            hr.auth.type = QStringLiteral("token-exchange");
            hr.auth.raw = json { { "type", "token-exchange" },
                { "tokenEndpoint", ss(m_lab->lab->tokenServiceTokenUrl().toString()) },
                { "subjectScopes", { ss(m_lab->lab->tokenServiceScope()) } }, { "scopes", { "HR.Read" } } };
            ServerConfig docs;
            docs.name = QStringLiteral("docs");
            docs.url = m_lab->docs->endpointUrl();
            docs.auth.type = QStringLiteral("entra");
            docs.auth.raw = json { { "type", "entra" }, { "scopes", { "api://lab-docs/Docs.Read" } },
                { "audience", lab::builtin::kDocsAppId } };

            ok = callTool(hr, &id, this) && callTool(docs, &id, this);
            // 30 s before expiry (lead 60 s): the next calls refresh first.
            m_lab->clock.advance(3600 - 30);
            const int before = id.lifecycle()->countOf(LifecycleEvent::Kind::Refreshed);
            ok = ok && callTool(hr, &id, this) && callTool(docs, &id, this);
            refreshed = id.lifecycle()->countOf(LifecycleEvent::Kind::Refreshed) > before;
            bool signedOut = false;
            id.signOut(this, [&](const Error&) { signedOut = true; });
            for (int i = 0; i < 100 && !signedOut; ++i)
                QTest::qWait(50);
            ok = ok && signedOut;
        }
        logLines = log.lines();
    }

    std::fflush(stdout);
    std::fflush(stderr);
    dup2(savedOut, 1);
    dup2(savedErr, 2);
    close(savedOut);
    close(savedErr);
    console.close();

    QVERIFY(ok);
    QVERIFY(refreshed);
    QCOMPARE(m_browser->opened, 1);
    QVERIFY(m_scanner->secretCount() >= 10);
    QVERIFY(logLines.size() > 10);

    QStringList files;
    QList<leaktest::Hit> hits = scanLog(QStringLiteral("log (debug level, all categories)"), logLines);
    hits += m_scanner->scanTree(profile.root.path(), {}, &files);
    report(QStringLiteral("in process"), int(files.size()), 0, int(logLines.size()), hits);
    QVERIFY(files.contains(profile.journalFile()));
    QVERIFY(files.contains(console.fileName()));
    QVERIFY2(hits.isEmpty(), qPrintable(leaktest::LeakScanner::describe(hits)));
}

QTEST_GUILESS_MAIN(TestLeakScan)
#include "TestLeakScan.moc"
