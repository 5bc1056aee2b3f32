// SPDX-License-Identifier: MIT
#include "TestIdpHelpers.h"

#include "crypto/Base64Url.h"
#include "idp/IdentityProvider.h"
#include "sts/IdentityLab.h"
#include "sts/TokenService.h"

#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QtTest>

using namespace lanyard;
using namespace lanyard::lab;
using namespace labtest;

// The lab's tokens checked by software nobody on the project wrote: tests/lab/jose/verify.mjs runs
// the npm `jose` package against the IdP's and the token service's published metadata and keys.
class TestIdpJoseInterop : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void joseVerifiesLabTokens();

private:
    struct Outcome
    {
        int exitCode = -1;
        QList<json> lines;
        QByteArray stderrText;
    };
    Outcome runVerifier(const json& request);

    QString m_node;
    QString m_script;
    QString m_modules;
};

void TestIdpJoseInterop::initTestCase()
{
    QString source = qEnvironmentVariable("LANYARD_SOURCE_DIR");
    if (source.isEmpty())
        source = QStringLiteral(QT_TESTCASE_SOURCEDIR "/../..");
    m_script = QDir(source).filePath(QStringLiteral("tests/lab/jose/verify.mjs"));
    m_modules = QDir(source).filePath(QStringLiteral("tests/interop/node_modules"));
    QVERIFY2(QFileInfo::exists(m_script), qPrintable(m_script));
    m_node = QStandardPaths::findExecutable(QStringLiteral("node"));
    if (m_node.isEmpty())
        QSKIP("node is not installed: run scripts/install-deps.sh to install Node.js and the interop packages.");
    if (!QFileInfo::exists(QDir(m_modules).filePath(QStringLiteral("jose/package.json"))))
        QSKIP("the npm package jose is missing from tests/interop/node_modules: run scripts/install-deps.sh.");
}

TestIdpJoseInterop::Outcome TestIdpJoseInterop::runVerifier(const json& request)
{
    Outcome out;
    QProcess node;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("LANYARD_JOSE_NODE_MODULES"), m_modules);
    env.remove(QStringLiteral("http_proxy"));
    env.remove(QStringLiteral("HTTP_PROXY"));
    node.setProcessEnvironment(env);
    node.start(m_node, { m_script });
    if (!node.waitForStarted(10000))
        return out;
    node.write(dumpJson(request)); // tokens go through stdin, never the command line
    node.closeWriteChannel();
    // Keep the event loop running: node fetches metadata and keys from the in-process servers.
    QElapsedTimer timer;
    timer.start();
    while (node.state() != QProcess::NotRunning && timer.elapsed() < 60000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    if (node.state() != QProcess::NotRunning) {
        node.kill();
        node.waitForFinished(2000);
        return out;
    }
    out.exitCode = node.exitStatus() == QProcess::NormalExit ? node.exitCode() : -1;
    out.stderrText = node.readAllStandardError();
    const QList<QByteArray> lines = node.readAllStandardOutput().split('\n');
    for (const QByteArray& line : lines) {
        if (line.trimmed().isEmpty())
            continue;
        const json j = json::parse(line.constBegin(), line.constEnd(), nullptr, false);
        out.lines.append(j.is_discarded() ? json { { "unparsed", line.toStdString() } } : j);
    }
    return out;
}

void TestIdpJoseInterop::joseVerifiesLabTokens()
{
    IdentityLab lab;
    QVERIFY(lab.start());
    const QString hrResource = QStringLiteral("http://127.0.0.1:5301/mcp");
    QVERIFY(lab.registerServer(QStringLiteral("hr"), hrResource));
    QNetworkAccessManager nam;
    const Tokens entra = signIn(nam, *lab.idp(), QStringLiteral("ada@lanyardlab.onmicrosoft.com"),
        QStringLiteral("openid profile offline_access api://lab-hr/.default"));
    QVERIFY2(entra.ok(), entra.http.body.constData());
    const Tokens forSts = refresh(nam, *lab.idp(), lab.lanyardClientId(), entra.refreshToken, lab.tokenServiceScope());
    QVERIFY(forSts.ok());
    const HttpResult exchanged = postForm(nam, lab.tokenServiceTokenUrl(),
        FormParams {
            { QStringLiteral("grant_type"), QStringLiteral("urn:ietf:params:oauth:grant-type:token-exchange") },
            { QStringLiteral("client_id"), lab.lanyardClientId() },
            { QStringLiteral("subject_token"), forSts.accessToken },
            { QStringLiteral("subject_token_type"), QStringLiteral("urn:ietf:params:oauth:token-type:access_token") },
            { QStringLiteral("resource"), hrResource } });
    QCOMPARE(exchanged.status, 200);
    const QString stsToken = qs(exchanged.object(), "access_token");
    // After a key rotation: a token with the next kid (jose must find it in the published set).
    lab.idp()->rotateSigningKeys();
    lab.idp()->rotateSigningKeys();
    const Tokens rotated
        = refresh(nam, *lab.idp(), lab.lanyardClientId(), forSts.refreshToken, QStringLiteral("api://lab-hr/.default"));
    QVERIFY(rotated.ok());
    QVERIFY(qs(decodeHeader(rotated.accessToken), "kid") != qs(decodeHeader(entra.accessToken), "kid"));

    // Tokens jose must refuse.
    QString tampered = entra.accessToken;
    {
        const QStringList parts = tampered.split(QLatin1Char('.'));
        json claims = decodePayload(tampered);
        claims["roles"] = json::array({ "Global.Admin" });
        tampered = parts[0] + QLatin1Char('.') + QString::fromLatin1(crypto::base64UrlEncode(dumpJson(claims)))
            + QLatin1Char('.') + parts[2];
    }
    json expiredClaims = decodePayload(stsToken);
    expiredClaims["exp"] = QDateTime::currentSecsSinceEpoch() - 3600;
    const QString expiredSts = QString::fromUtf8(lab.tokenService()->signClaims(expiredClaims).value_or(QByteArray()));
    const QString algNone = QString::fromLatin1(crypto::base64UrlEncode(R"({"alg":"none","typ":"JWT"})") + '.'
        + crypto::base64UrlEncode(dumpJson(decodePayload(entra.accessToken))) + '.');

    const std::string tenant = lab.tenantId().toStdString();
    const std::string hrApp = builtin::kHrAppId;
    const auto check = [&](const char* name, const char* issuer, const QString& token, const std::string& audience,
                           const char* expect, const char* typ = nullptr) {
        json c { { "name", name }, { "issuer", issuer }, { "token", token.toStdString() }, { "audience", audience },
            { "tenant", tenant }, { "expect", expect } };
        if (typ)
            c["typ"] = typ;
        return c;
    };
    json request;
    // The multi-tenant discovery form: its issuer is the {tenantid} template, as at Entra.
    request["idpDiscovery"] = (lab.idp()->authority(QStringLiteral("organizations")).toString()
        + QStringLiteral("/.well-known/openid-configuration"))
                                  .toStdString();
    request["stsMetadata"] = lab.tokenService()->metadataUrl().toString().toStdString();
    request["checks"] = json::array({
        check("id token", "idp", entra.idToken, lab.lanyardClientId().toStdString(), "valid"),
        check("access token for the HR API", "idp", entra.accessToken, hrApp, "valid"),
        check("access token for the token service", "idp", forSts.accessToken, std::string(builtin::kTokenServiceAppId),
            "valid"),
        check("access token after two key rotations", "idp", rotated.accessToken, hrApp, "valid"),
        check("token service token for the HR server", "sts", stsToken, hrResource.toStdString(), "valid", "at+jwt"),
        check("tampered access token", "idp", tampered, hrApp, "invalid"),
        check(
            "access token for another audience", "idp", entra.accessToken, std::string(builtin::kDocsAppId), "invalid"),
        check("unsigned token", "idp", algNone, hrApp, "invalid"),
        check("expired token service token", "sts", expiredSts, hrResource.toStdString(), "invalid"),
        check("token service token for another server", "sts", stsToken, "http://127.0.0.1:5302/mcp", "invalid"),
    });

    const Outcome out = runVerifier(request);
    QString report;
    for (const json& line : out.lines)
        report += QString::fromUtf8(dumpJson(line)) + QLatin1Char('\n');
    QVERIFY2(out.exitCode == 0,
        qPrintable(QStringLiteral("verify.mjs exit %1\n%2%3")
                       .arg(out.exitCode)
                       .arg(report, QString::fromUtf8(out.stderrText))));
    int valid = 0;
    int invalid = 0;
    for (const json& line : out.lines) {
        if (!line.contains("name"))
            continue;
        QVERIFY2(line.value("asExpected", false), qPrintable(report));
        (line.value("ok", false) ? valid : invalid) += 1;
    }
    QCOMPARE(valid, 5);
    QCOMPARE(invalid, 5);
    QVERIFY(!report.contains(entra.accessToken)); // the script prints no tokens
}

QTEST_GUILESS_MAIN(TestIdpJoseInterop)
#include "TestIdpJoseInterop.moc"
