// SPDX-License-Identifier: MIT
// The demo as a person runs it, all in separate processes: lanyard-lab with its identity lab,
// lanyard-cli with the config the lab wrote, the lab's sign-in robot as the browser; and software
// nobody here wrote on the same lab: curl obtains a token from the lab's token service (RFC 8693)
// and the official MCP TypeScript SDK client calls the hr server with it.
#include "idp/Scenario.h"
#include "util/Json.h"

#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QUrlQuery>
#include <QtTest>

using namespace lanyard;

namespace {

QString str(const json& object, const char* key)
{
    return object.is_object() && object.contains(key) && object[key].is_string()
        ? QString::fromStdString(object[key].get<std::string>())
        : QString();
}

struct Run
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

} // namespace

class TestLabDemo : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void cliSignsInThroughTheRobotAndEachServerGetsItsOwnToken();
    void robotRefusesUnknownUserAndForeignHosts();
    void tsSdkClientCallsHrWithATokenCurlExchanged();

private:
    Run run(const QString& program, const QStringList& args, int timeoutMs = 60000);
    Run cli(const QStringList& args, int timeoutMs = 60000);
    QString robot(const QString& user) const;

    QTemporaryDir m_dir;
    QProcess m_lab;
    QString m_config;
    QMap<QString, QString> m_endpoints;
    QString m_tokenService;
    QString m_clientId;
};

Run TestLabDemo::run(const QString& program, const QStringList& args, int timeoutMs)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    // Keep the test away from the person's keychain and data: the CLI keeps the sign-in in memory.
    env.remove(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"));
    env.remove(QStringLiteral("BROWSER"));
    env.insert(QStringLiteral("XDG_DATA_HOME"), m_dir.filePath(QStringLiteral("data")));
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_dir.filePath(QStringLiteral("config")));
    p.setProcessEnvironment(env);
    p.start(program, args);
    Run r;
    if (!p.waitForStarted(10000))
        return r;
    // The lab runs in another process, so blocking here is fine.
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished(2000);
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

Run TestLabDemo::cli(const QStringList& args, int timeoutMs)
{
    return run(QStringLiteral(LANYARD_CLI_EXE), QStringList { QStringLiteral("--config"), m_config } + args, timeoutMs);
}

QString TestLabDemo::robot(const QString& user) const
{
    return QStringLiteral("\"%1\" --sign-in-as %2").arg(QStringLiteral(LANYARD_LAB_EXE), user);
}

void TestLabDemo::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_config = m_dir.filePath(QStringLiteral("lab.json"));
    m_lab.start(QStringLiteral(LANYARD_LAB_EXE), { QStringLiteral("--config-out"), m_config });
    QVERIFY(m_lab.waitForStarted(5000));
    QByteArray out;
    QVERIFY(QTest::qWaitFor(
        [&] {
            out += m_lab.readAllStandardOutput();
            return out.contains("\nready") || m_lab.state() == QProcess::NotRunning;
        },
        20000));
    QVERIFY2(out.contains("\nready"), out.constData());
    for (const QByteArray& line : out.split('\n')) {
        const QList<QByteArray> parts = line.trimmed().split(' ');
        if (parts.size() == 3 && parts[0] == "endpoint")
            m_endpoints.insert(QString::fromUtf8(parts[1]), QString::fromUtf8(parts[2]));
        else if (parts.size() == 3 && parts[0] == "identity" && parts[1] == "token-service")
            m_tokenService = QString::fromUtf8(parts[2]);
        else if (parts.size() == 3 && parts[0] == "identity" && parts[1] == "client-id")
            m_clientId = QString::fromUtf8(parts[2]);
    }
    QVERIFY2(!m_tokenService.isEmpty() && !m_clientId.isEmpty(), out.constData());
    QVERIFY(out.contains("protection hr token-service"));
    QVERIFY(out.contains("protection docs entra"));
    QVERIFY(out.contains("user ada@lanyardlab.onmicrosoft.com"));
}

void TestLabDemo::cleanupTestCase()
{
    if (m_lab.state() != QProcess::NotRunning) {
        m_lab.terminate();
        if (!m_lab.waitForFinished(10000))
            m_lab.kill();
    }
    const QByteArray log = m_lab.readAllStandardError();
    // The lab logs method, path and status: never a token, code or verifier.
    QVERIFY2(!log.contains("eyJ"), log.constData());
    QVERIFY(!log.contains("code="));
    QVERIFY(!log.contains("code_verifier"));
}

void TestLabDemo::cliSignsInThroughTheRobotAndEachServerGetsItsOwnToken()
{
    // Without a sign-in the protected server refuses: the CLI signs in first (here through the
    // robot), then calls. One process: the sign-in lives in memory (no keychain in the test).
    const Run hr
        = cli({ QStringLiteral("call"), QStringLiteral("hr"), QStringLiteral("whoami"), QStringLiteral("--json"),
            QStringLiteral("--open-with"), robot(QStringLiteral("ada@lanyardlab.onmicrosoft.com")) });
    QVERIFY2(hr.exitCode == 0, hr.err.constData());
    QVERIFY(hr.err.contains("/oauth2/v2.0/authorize?")); // where the sign-in went, said plainly
    const auto hrResult = parseJson(hr.out);
    QVERIFY2(hrResult.has_value(), hr.out.constData());
    const json hrSeen = (*hrResult)["result"]["structuredContent"];
    // hr received a token-service token made for it, carrying the person and naming Lanyard as actor.
    QCOMPARE(str(hrSeen["claims"], "aud"), m_endpoints.value(QStringLiteral("hr")));
    QCOMPARE(str(hrSeen["claims"], "iss"), m_tokenService);
    QCOMPARE(str(hrSeen["claims"], "oid"), QString::fromLatin1(lab::builtin::kAdaOid));
    QCOMPARE(str(hrSeen["claims"]["act"], "client_id"), m_clientId);
    QVERIFY(hrSeen["roles"].dump().find("hr.admin") != std::string::npos);

    const Run docs
        = cli({ QStringLiteral("call"), QStringLiteral("docs"), QStringLiteral("whoami"), QStringLiteral("--json"),
            QStringLiteral("--open-with"), robot(QStringLiteral("olli@lanyardlab.onmicrosoft.com")) });
    QVERIFY2(docs.exitCode == 0, docs.err.constData());
    const auto docsResult = parseJson(docs.out);
    QVERIFY2(docsResult.has_value(), docs.out.constData());
    const json docsSeen = (*docsResult)["result"]["structuredContent"];
    // docs received an Entra token for its own app: aud is the app id, issued by the IdP, no act.
    QCOMPARE(str(docsSeen["claims"], "aud"), QString::fromLatin1(lab::builtin::kDocsAppId));
    QVERIFY(str(docsSeen["claims"], "iss").contains(QString::fromLatin1(lab::builtin::kTenantId)));
    QCOMPARE(str(docsSeen["claims"], "oid"), QString::fromLatin1(lab::builtin::kOlliOid));
    QVERIFY(!docsSeen["claims"].contains("act"));

    // The bench server stays open: no sign-in needed.
    const Run bench = cli({ QStringLiteral("call"), QStringLiteral("bench"), QStringLiteral("whoami"),
        QStringLiteral("--json"), QStringLiteral("--no-browser") });
    QVERIFY2(bench.exitCode == 0, bench.err.constData());
    QVERIFY(!bench.err.contains("authorize?"));
}

void TestLabDemo::robotRefusesUnknownUserAndForeignHosts()
{
    QFile file(m_config);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const auto config = parseJson(file.readAll());
    QVERIFY(config.has_value());
    const QString authority = str((*config)["identity"], "authority");
    QVERIFY(!authority.isEmpty());
    // A well-formed authorization request for Lanyard's app; nothing listens on port 9 (discard).
    QUrl authorize(authority.chopped(QStringLiteral("/v2.0").size()) + QStringLiteral("/oauth2/v2.0/authorize"));
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("client_id"), m_clientId);
    q.addQueryItem(QStringLiteral("response_type"), QStringLiteral("code"));
    q.addQueryItem(QStringLiteral("redirect_uri"), QStringLiteral("http://127.0.0.1:9/callback"));
    q.addQueryItem(QStringLiteral("scope"), QStringLiteral("openid profile api://lab-docs/Docs.Read"));
    q.addQueryItem(QStringLiteral("state"), QStringLiteral("s1"));
    q.addQueryItem(QStringLiteral("code_challenge"), QStringLiteral("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
    q.addQueryItem(QStringLiteral("code_challenge_method"), QStringLiteral("S256"));
    authorize.setQuery(q);
    const QString lab = QStringLiteral(LANYARD_LAB_EXE);

    const Run unknown = run(lab,
        { QStringLiteral("--sign-in-as"), QStringLiteral("mallory@lanyardlab.onmicrosoft.com"),
            authorize.toString(QUrl::FullyEncoded) });
    QCOMPARE(unknown.exitCode, 1);
    QVERIFY2(unknown.err.contains("has no account mallory@"), unknown.err.constData());

    // Chris has not consented yet: declining goes back to the app as Entra's access_denied.
    const Run declined = run(lab,
        { QStringLiteral("--sign-in-as"), QStringLiteral("chris@lanyardlab.onmicrosoft.com"),
            QStringLiteral("--consent"), QStringLiteral("decline"), authorize.toString(QUrl::FullyEncoded) });
    QCOMPARE(declined.exitCode, 1);
    QVERIFY2(declined.err.contains("access_denied") && declined.err.contains("AADSTS65004"), declined.err.constData());

    const Run foreign = run(lab,
        { QStringLiteral("--sign-in-as"), QStringLiteral("ada@lanyardlab.onmicrosoft.com"),
            QStringLiteral("https://login.microsoftonline.com/common/oauth2/v2.0/authorize") });
    QCOMPARE(foreign.exitCode, 1);
    QVERIFY2(foreign.err.contains("only signs in at the lab"), foreign.err.constData());
    const Run noUrl = run(lab, { QStringLiteral("--sign-in-as"), QStringLiteral("ada") });
    QCOMPARE(noUrl.exitCode, 2);
    const Run badAnswer = run(lab,
        { QStringLiteral("--sign-in-as"), QStringLiteral("ada"), QStringLiteral("--mfa"), QStringLiteral("maybe"),
            authorize.toString(QUrl::FullyEncoded) });
    QCOMPARE(badAnswer.exitCode, 2);
}

void TestLabDemo::tsSdkClientCallsHrWithATokenCurlExchanged()
{
    const QString node = QStandardPaths::findExecutable(QStringLiteral("node"));
    const QString curl = QStandardPaths::findExecutable(QStringLiteral("curl"));
    const QString sdk
        = QStringLiteral(LANYARD_SOURCE_DIR "/tests/interop/node_modules/@modelcontextprotocol/sdk/package.json");
    if (node.isEmpty() || curl.isEmpty() || !QFile::exists(sdk))
        QFAIL("node, curl or the pinned TypeScript SDK is missing: run scripts/install-deps.sh");

    // 1. The person's Entra access token for the token service, as Lanyard holds it (the subject
    //    token of hr's chain; revealed on purpose).
    const Run chain
        = cli({ QStringLiteral("token"), QStringLiteral("hr"), QStringLiteral("--reveal"), QStringLiteral("--json"),
            QStringLiteral("--open-with"), robot(QStringLiteral("ada@lanyardlab.onmicrosoft.com")) });
    QVERIFY2(chain.exitCode == 0, chain.err.constData());
    const auto chainJson = parseJson(chain.out);
    QVERIFY(chainJson.has_value());
    const QString entraToken = str((*chainJson)["chain"][0], "token");
    QVERIFY2(entraToken.startsWith(QLatin1String("eyJ")), chain.out.constData());

    // 2. curl exchanges it at the lab's token service (RFC 8693), as any other client would.
    const QString hrUrl = m_endpoints.value(QStringLiteral("hr"));
    const Run exchanged = run(curl,
        { QStringLiteral("-sS"), QStringLiteral("--fail-with-body"), m_tokenService + QStringLiteral("/token"),
            QStringLiteral("--data-urlencode"),
            QStringLiteral("grant_type=urn:ietf:params:oauth:grant-type:token-exchange"),
            QStringLiteral("--data-urlencode"), QStringLiteral("subject_token=") + entraToken,
            QStringLiteral("--data-urlencode"),
            QStringLiteral("subject_token_type=urn:ietf:params:oauth:token-type:access_token"),
            QStringLiteral("--data-urlencode"), QStringLiteral("resource=") + hrUrl, QStringLiteral("--data-urlencode"),
            QStringLiteral("scope=HR.Read"), QStringLiteral("--data-urlencode"),
            QStringLiteral("client_id=") + m_clientId });
    QVERIFY2(exchanged.exitCode == 0, (exchanged.out + exchanged.err).constData());
    const auto answer = parseJson(exchanged.out);
    QVERIFY(answer.has_value());
    QCOMPARE(str(*answer, "issued_token_type"), QStringLiteral("urn:ietf:params:oauth:token-type:access_token"));
    const QString hrToken = str(*answer, "access_token");
    QVERIFY(!hrToken.isEmpty());

    // 3. The official TypeScript SDK client calls hr's whoami with it.
    const QString script = QStringLiteral(LANYARD_SOURCE_DIR "/tests/lab/ts-whoami.mjs");
    const Run ts = run(node, { script, hrUrl, hrToken });
    QVERIFY2(ts.exitCode == 0, ts.err.constData());
    const auto seen = parseJson(ts.out);
    QVERIFY2(seen.has_value(), ts.out.constData());
    QCOMPARE(str((*seen)["claims"], "aud"), hrUrl);
    QCOMPARE(str((*seen)["claims"], "oid"), QString::fromLatin1(lab::builtin::kAdaOid));
    QCOMPARE(str((*seen)["claims"]["act"], "client_id"), m_clientId);

    // 4. The Entra token itself is not for hr: hr refuses it (401), and so does docs the hr token.
    const Run wrongAudience = run(node, { script, hrUrl, entraToken });
    QCOMPARE(wrongAudience.exitCode, 3);
    QVERIFY2(wrongAudience.err.contains("invalid_token"), wrongAudience.err.constData());
    const Run crossServer = run(node, { script, m_endpoints.value(QStringLiteral("docs")), hrToken });
    QCOMPARE(crossServer.exitCode, 3);
    QVERIFY2(crossServer.err.contains("invalid_token"), crossServer.err.constData());
}

QTEST_GUILESS_MAIN(TestLabDemo)
#include "TestLabDemo.moc"
