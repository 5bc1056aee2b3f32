// SPDX-License-Identifier: MIT
// Runs the official MCP conformance suite (npm @modelcontextprotocol/conformance, pinned) with
// lanyard-cli as the client under test, one scenario per row, and reads its checks.json.
#include "InteropSupport.h"

#include "util/Json.h"

#include <QDirIterator>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

using namespace lanyard;

class TestConformance : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase()
    {
        const QString missing = test::missingPeers({QStringLiteral("@modelcontextprotocol/conformance")});
        if (!missing.isEmpty())
            QFAIL(qPrintable(missing)); // the test command installs them: missing peers are a failure
    }

    void scenario_data()
    {
        QTest::addColumn<QString>("name");
        const QStringList scenarios = qEnvironmentVariable("LANYARD_CONFORMANCE_SCENARIOS",
            QStringLiteral("initialize,tools_call,sse-retry,elicitation-sep1034-client-defaults,"
                           "auth/metadata-default,auth/metadata-var1,auth/metadata-var2,auth/metadata-var3,"
                           "auth/basic-cimd,auth/scope-from-www-authenticate,auth/scope-from-scopes-supported,"
                           "auth/scope-omitted-when-undefined,auth/scope-step-up,auth/scope-retry-limit,"
                           "auth/token-endpoint-auth-basic,auth/token-endpoint-auth-post,auth/token-endpoint-auth-none,"
                           "auth/pre-registration,auth/2025-03-26-oauth-metadata-backcompat,"
                           "auth/2025-03-26-oauth-endpoint-fallback,auth/resource-mismatch,auth/offline-access-scope,"
                           "auth/offline-access-not-supported,auth/client-credentials-jwt,auth/client-credentials-basic,"
                           "auth/cross-app-access-complete-flow")).split(QLatin1Char(','));
        for (const auto& s : scenarios)
            QTest::newRow(qPrintable(s)) << s;
    }
    void scenario()
    {
        QFETCH(QString, name);
        QTemporaryDir out;
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.setWorkingDirectory(test::interopDir());
        const QString cli = QStringLiteral(LANYARD_CLI_PATH);
        p.start(test::nodeExecutable(),
                {QStringLiteral("--import"), test::interopDir() + QStringLiteral("/shim/node20-globsync.mjs"),
                 test::nodeModule(QStringLiteral("@modelcontextprotocol/conformance/dist/index.js")),
                 QStringLiteral("client"), QStringLiteral("--command"), QStringLiteral("exec %1 conformance").arg(cli),
                 QStringLiteral("--scenario"), name, QStringLiteral("-o"), out.path()});
        QVERIFY(p.waitForStarted());
        QVERIFY2(p.waitForFinished(90000), "the conformance suite did not finish in 90 s");
        const QString log = QString::fromUtf8(p.readAll());

        // Every check of the scenario: none may be FAILURE or WARNING.
        int checks = 0;
        QStringList bad;
        QDirIterator it(out.path(), {QStringLiteral("checks.json")}, QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            QFile f(it.next());
            QVERIFY(f.open(QIODevice::ReadOnly));
            auto j = parseJson(f.readAll());
            QVERIFY(j && j->is_array());
            for (const auto& c : *j) {
                ++checks;
                const QString status = qs(c, "status");
                if (status == QLatin1String("FAILURE") || status == QLatin1String("WARNING"))
                    bad << QStringLiteral("%1 %2: %3").arg(status, qs(c, "id"), qs(c, "errorMessage"));
            }
        }
        QVERIFY2(checks > 0, qPrintable(QStringLiteral("no checks.json written; suite output:\n") + log.right(3000)));
        QVERIFY2(bad.isEmpty(), qPrintable(bad.join(QLatin1Char('\n')) + QStringLiteral("\n--- suite output:\n") + log.right(3000)));
        QVERIFY2(p.exitCode() == 0, qPrintable(log.right(3000)));
    }
};

QTEST_GUILESS_MAIN(TestConformance)
#include "TestConformance.moc"
