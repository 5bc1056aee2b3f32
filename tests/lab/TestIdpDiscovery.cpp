// SPDX-License-Identifier: MIT
#include "TestIdpHelpers.h"

#include "crypto/Jwks.h"
#include "idp/IdentityProvider.h"
#include "sts/IdentityLab.h"

#include <QtTest>

using namespace lanyard;
using namespace lanyard::lab;
using namespace labtest;

class TestIdpDiscovery : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void documentShape_data();
    void documentShape();
    void unknownTenant();
    void keysHaveTwoSigningKeys();
    void keysAnswerForEveryTenantForm();
    void rotationKeepsOldKeyPublished();
    void methodsAndUnknownPaths();
    void scenarioRoundTrip();
    void scenarioErrorsNamePlace();

private:
    std::unique_ptr<IdentityLab> m_lab;
    QNetworkAccessManager m_nam;
};

void TestIdpDiscovery::initTestCase()
{
    m_lab = std::make_unique<IdentityLab>();
    QString error;
    QVERIFY2(m_lab->start(0, 0, &error), qPrintable(error));
}

void TestIdpDiscovery::documentShape_data()
{
    QTest::addColumn<QString>("tenant");
    QTest::addColumn<bool>("templated");
    QTest::newRow("tenant GUID") << QString::fromLatin1(builtin::kTenantId) << false;
    QTest::newRow("organizations") << QStringLiteral("organizations") << true;
    QTest::newRow("common") << QStringLiteral("common") << true;
    QTest::newRow("domain") << QStringLiteral("lanyardlab.onmicrosoft.com") << false;
}

void TestIdpDiscovery::documentShape()
{
    QFETCH(QString, tenant);
    QFETCH(bool, templated);
    const QString base = m_lab->idpBaseUrl().toString();
    const HttpResult r
        = get(m_nam, QUrl(base + QStringLiteral("/%1/v2.0/.well-known/openid-configuration").arg(tenant)));
    QCOMPARE(r.status, 200);
    QVERIFY(r.header("Content-Type").startsWith("application/json"));
    json doc = r.object();
    QVERIFY(doc.is_object());

    // Entra publishes no code_challenge_methods_supported (MCP clients that insist on it fail).
    QVERIFY(!doc.contains("code_challenge_methods_supported"));
    QVERIFY(!doc.contains("grant_types_supported"));
    QVERIFY(!doc.contains("registration_endpoint"));

    const QString issuer = qs(doc, "issuer");
    if (templated)
        QCOMPARE(issuer, base + QStringLiteral("/{tenantid}/v2.0"));
    else
        QCOMPARE(issuer, base + QStringLiteral("/%1/v2.0").arg(QString::fromLatin1(builtin::kTenantId)));
    QCOMPARE(qs(doc, "authorization_endpoint"), base + QStringLiteral("/%1/oauth2/v2.0/authorize").arg(tenant));
    QCOMPARE(qs(doc, "token_endpoint"), base + QStringLiteral("/%1/oauth2/v2.0/token").arg(tenant));
    QCOMPARE(qs(doc, "jwks_uri"), base + QStringLiteral("/%1/discovery/v2.0/keys").arg(tenant));
    QCOMPARE(qs(doc, "end_session_endpoint"), base + QStringLiteral("/%1/oauth2/v2.0/logout").arg(tenant));
    QCOMPARE(doc["id_token_signing_alg_values_supported"], json::array({ "RS256" }));
    QCOMPARE(doc["subject_types_supported"], json::array({ "pairwise" }));
    QCOMPARE(doc["response_modes_supported"], json::array({ "query", "fragment", "form_post" }));
    QCOMPARE(doc["scopes_supported"], json::array({ "openid", "profile", "email", "offline_access" }));
    QCOMPARE(doc["token_endpoint_auth_methods_supported"],
        json::array({ "client_secret_post", "private_key_jwt", "client_secret_basic" }));
    QVERIFY(doc["response_types_supported"].is_array());
    QCOMPARE(doc["request_uri_parameter_supported"], json(false));
    QVERIFY(doc.contains("userinfo_endpoint"));
    QVERIFY(doc.contains("device_authorization_endpoint"));
    QVERIFY(doc.contains("claims_supported"));
    QVERIFY(doc.contains("tenant_region_scope"));
    QCOMPARE(doc["tenant_region_scope"].is_null(), templated);

    // Every endpoint it names answers.
    QCOMPARE(get(m_nam, QUrl(qs(doc, "jwks_uri"))).status, 200);
}

void TestIdpDiscovery::unknownTenant()
{
    const QString base = m_lab->idpBaseUrl().toString();
    const HttpResult r
        = get(m_nam, QUrl(base + QStringLiteral("/no-such-tenant/v2.0/.well-known/openid-configuration")));
    QCOMPARE(r.status, 400);
    json body = r.object();
    QCOMPARE(qs(body, "error"), QStringLiteral("invalid_tenant"));
    QCOMPARE(aadsts(body), 90002);
    QVERIFY(qs(body, "error_description").startsWith(QStringLiteral("AADSTS90002: ")));
    for (const char* member : { "timestamp", "trace_id", "correlation_id" })
        QVERIFY2(body.contains(member), member);
}

void TestIdpDiscovery::keysHaveTwoSigningKeys()
{
    const HttpResult r = get(m_nam, m_lab->idp()->jwksUrl());
    QCOMPARE(r.status, 200);
    json doc = r.object();
    QVERIFY(doc["keys"].is_array());
    QCOMPARE(doc["keys"].size(), size_t(2));
    QStringList kids;
    for (const json& k : doc["keys"]) {
        QCOMPARE(qs(k, "kty"), QStringLiteral("RSA"));
        QCOMPARE(qs(k, "use"), QStringLiteral("sig"));
        QVERIFY(!qs(k, "kid").isEmpty());
        QVERIFY(!k.contains("d")); // never private material
        QVERIFY(!k.contains("p"));
        QCOMPARE(qs(k, "issuer"), m_lab->idpIssuer());
        kids.append(qs(k, "kid"));
    }
    QVERIFY(kids[0] != kids[1]);
    QVERIFY(kids.contains(m_lab->idp()->signingKeys().activeKid()));
    const auto parsed = crypto::Jwks::fromBytes(r.body);
    QVERIFY(parsed);
    QCOMPARE(parsed->size(), 2);
}

void TestIdpDiscovery::keysAnswerForEveryTenantForm()
{
    for (const QString& tenant : { QStringLiteral("common"), QStringLiteral("organizations") }) {
        const HttpResult r = get(m_nam, m_lab->idp()->jwksUrl(tenant));
        QCOMPARE(r.status, 200);
        json doc = r.object();
        QCOMPARE(doc["keys"].size(), size_t(2));
        QCOMPARE(qs(doc["keys"][0], "issuer"), m_lab->idp()->issuerTemplate());
    }
}

void TestIdpDiscovery::rotationKeepsOldKeyPublished()
{
    IdentityLab lab;
    QVERIFY(lab.start());
    const QString oldActive = lab.idp()->signingKeys().activeKid();
    const QString standby = lab.idp()->signingKeys().standbyKid();
    lab.idp()->rotateSigningKeys();
    QCOMPARE(lab.idp()->signingKeys().activeKid(), standby); // the pre-published key takes over
    json doc = get(m_nam, lab.idp()->jwksUrl()).object();
    QStringList kids;
    for (const json& k : doc["keys"])
        kids.append(qs(k, "kid"));
    QCOMPARE(kids.size(), 3);
    QVERIFY(kids.contains(oldActive));
    QVERIFY(kids.contains(standby));
    lab.idp()->signingKeys().dropRetiredKeys();
    const json after = get(m_nam, lab.idp()->jwksUrl()).object();
    QCOMPARE(after["keys"].size(), size_t(2));
    QVERIFY(after.dump().find(oldActive.toStdString()) == std::string::npos);
}

void TestIdpDiscovery::methodsAndUnknownPaths()
{
    const QString base = m_lab->idpBaseUrl().toString();
    QCOMPARE(send(m_nam, "POST", m_lab->idp()->discoveryUrl(), "x=1",
                 { { "Content-Type", "application/x-www-form-urlencoded" } })
                 .status,
        405);
    QCOMPARE(get(m_nam, QUrl(base + QStringLiteral("/nothing"))).status, 404);
    QCOMPARE(get(m_nam, QUrl(base + QStringLiteral("/%1/oauth2/v2.0/nothing").arg(m_lab->tenantId()))).status, 404);
    // The RFC 8414 location does not exist at Entra either.
    QCOMPARE(get(m_nam,
                 QUrl(base + QStringLiteral("/.well-known/oauth-authorization-server/%1/v2.0").arg(m_lab->tenantId())))
                 .status,
        404);
}

void TestIdpDiscovery::scenarioRoundTrip()
{
    const Scenario s = Scenario::builtIn();
    QString error;
    const auto again = Scenario::fromJson(s.toJson(), &error);
    QVERIFY2(again, qPrintable(error));
    QCOMPARE(again->users.size(), s.users.size());
    QCOMPARE(again->apps.size(), s.apps.size());
    QCOMPARE(again->tenantId, s.tenantId);
    const LabUser* ada = again->findUser(QStringLiteral("ADA@lanyardlab.onmicrosoft.com"));
    QVERIFY(ada);
    QCOMPARE(again->rolesFor(ada->oid, QStringLiteral("lab-hr")), QStringList { QStringLiteral("HR.Admin") });
    QCOMPARE(again->consentedScopes(
                 ada->oid, QString::fromLatin1(builtin::kLanyardClientId), QString::fromLatin1(builtin::kHrAppId)),
        (QStringList { QStringLiteral("HR.Read"), QStringLiteral("HR.Write") }));
    const LabUser* chris = again->findUser(QString::fromLatin1(builtin::kChrisOid));
    QVERIFY(chris);
    QVERIFY(again
                ->consentedScopes(
                    chris->oid, QString::fromLatin1(builtin::kLanyardClientId), QString::fromLatin1(builtin::kHrAppId))
                .isEmpty());
    QCOMPARE(again->tokenServiceClients.size(), s.tokenServiceClients.size());
    QCOMPARE(
        again->findServer(QStringLiteral("hr"))->roleMap.value(QStringLiteral("HR.Admin")), QStringLiteral("hr.admin"));
}

void TestIdpDiscovery::scenarioErrorsNamePlace()
{
    json doc = Scenario::builtIn().toJson();
    doc["users"][1]["roles"] = { { "lab-hr", { "No.Such.Role" } } };
    QString error;
    QVERIFY(!Scenario::fromJson(doc, &error));
    QVERIFY2(error.contains(QStringLiteral("users[1]")) && error.contains(QStringLiteral("No.Such.Role")),
        qPrintable(error));

    json bad = Scenario::builtIn().toJson();
    bad["tenant"]["id"] = "not-a-guid";
    QVERIFY(!Scenario::fromJson(bad, &error));
    QVERIFY(error.contains(QStringLiteral("tenant.id")));
    QVERIFY(!Scenario::fromJson(json::array(), &error));
    QVERIFY(!Scenario::load(QStringLiteral("/nonexistent/scenario.json"), &error));
}

QTEST_GUILESS_MAIN(TestIdpDiscovery)
#include "TestIdpDiscovery.moc"
