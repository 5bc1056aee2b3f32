// SPDX-License-Identifier: MIT
// Discovery URL building, Entra authority forms, scope rules and metadata parsing (pure functions).
#include "auth/Discovery.h"

#include <QRegularExpression>
#include <QTest>

using namespace lanyard;
using namespace lanyard::auth;

class TestDiscovery : public QObject
{
    Q_OBJECT
private slots:
    void protectedResourceUrls_data();
    void protectedResourceUrls();
    void authServerUrls_data();
    void authServerUrls();
    void entraAuthority_data();
    void entraAuthority();
    void entraAuthorityRefuses_data();
    void entraAuthorityRefuses();
    void defaultScopes_data();
    void defaultScopes();
    void scopeResources();
    void scopeSplitting_data();
    void scopeSplitting();
    void scopeSelection();
    void canonicalResource_data();
    void canonicalResource();
    void resourceMatching_data();
    void resourceMatching();
    void metadataParsing();
    void metadataWithoutPkceMember();
    void issuerMatching();
};

void TestDiscovery::scopeSplitting_data()
{
    QTest::addColumn<QString>("scope");
    QTest::addColumn<QStringList>("expected");
    QTest::newRow("empty") << "" << QStringList {};
    QTest::newRow("only spaces") << "  \t\n " << QStringList {};
    QTest::newRow("one") << "openid" << QStringList { "openid" };
    QTest::newRow("spaces") << "openid profile offline_access"
                            << QStringList { "openid", "profile", "offline_access" };
    QTest::newRow("runs of white space") << "\t openid \n\r profile  " << QStringList { "openid", "profile" };
    QTest::newRow("duplicates kept once, first order") << "b a b a c" << QStringList { "b", "a", "c" };
    // As the regular expression it replaces: ASCII white space only (space, tab, LF, VT, FF, CR).
    QTest::newRow("vertical tab, form feed") << "a\vb\fc" << QStringList { "a", "b", "c" };
    QTest::newRow("no-break space is not a separator")
        << QStringLiteral("a\u00a0b") << QStringList { QStringLiteral("a\u00a0b") };
    QTest::newRow("ideographic space is not a separator")
        << QStringLiteral("a\u3000b") << QStringList { QStringLiteral("a\u3000b") };
    QTest::newRow("URIs") << "api://x/.default https://graph.microsoft.com/User.Read"
                          << QStringList { "api://x/.default", "https://graph.microsoft.com/User.Read" };
}

void TestDiscovery::scopeSplitting()
{
    QFETCH(QString, scope);
    QFETCH(QStringList, expected);
    QCOMPARE(splitScopes(scope), expected);
    // The regular expression splitScopes used before (it was too slow for every token response).
    QStringList before;
    for (const QString& s : scope.split(QRegularExpression(QStringLiteral("\\s+")), Qt::SkipEmptyParts)) {
        if (!before.contains(s))
            before << s;
    }
    QCOMPARE(splitScopes(scope), before);
}

void TestDiscovery::protectedResourceUrls_data()
{
    QTest::addColumn<QString>("server");
    QTest::addColumn<QString>("challenge");
    QTest::addColumn<QStringList>("expected");
    QTest::newRow("path") << "https://mcp.example.com/api/mcp" << ""
                          << QStringList{"https://mcp.example.com/.well-known/oauth-protected-resource/api/mcp",
                                         "https://mcp.example.com/.well-known/oauth-protected-resource"};
    QTest::newRow("challenge first") << "https://mcp.example.com/mcp" << "https://meta.example.com/prm"
                                     << QStringList{"https://meta.example.com/prm",
                                                    "https://mcp.example.com/.well-known/oauth-protected-resource/mcp",
                                                    "https://mcp.example.com/.well-known/oauth-protected-resource"};
    QTest::newRow("root") << "http://127.0.0.1:5000/" << ""
                          << QStringList{"http://127.0.0.1:5000/.well-known/oauth-protected-resource"};
    QTest::newRow("trailing slash") << "https://x.example/mcp/" << ""
                                    << QStringList{"https://x.example/.well-known/oauth-protected-resource/mcp",
                                                   "https://x.example/.well-known/oauth-protected-resource"};
    QTest::newRow("bad challenge ignored") << "https://x.example/mcp" << "javascript:alert(1)"
                                           << QStringList{"https://x.example/.well-known/oauth-protected-resource/mcp",
                                                          "https://x.example/.well-known/oauth-protected-resource"};
}

void TestDiscovery::protectedResourceUrls()
{
    QFETCH(QString, server);
    QFETCH(QString, challenge);
    QFETCH(QStringList, expected);
    QStringList got;
    for (const QUrl& u : protectedResourceMetadataUrls(QUrl(server), challenge.isEmpty() ? QUrl() : QUrl(challenge)))
        got << u.toString();
    QCOMPARE(got, expected);
}

void TestDiscovery::authServerUrls_data()
{
    QTest::addColumn<QString>("issuer");
    QTest::addColumn<QStringList>("expected");
    QTest::newRow("no path") << "https://auth.example.com"
                             << QStringList{"https://auth.example.com/.well-known/oauth-authorization-server",
                                            "https://auth.example.com/.well-known/openid-configuration"};
    QTest::newRow("no path slash") << "https://auth.example.com/"
                                   << QStringList{"https://auth.example.com/.well-known/oauth-authorization-server",
                                                  "https://auth.example.com/.well-known/openid-configuration"};
    QTest::newRow("entra path") << "https://login.microsoftonline.com/organizations/v2.0"
                                << QStringList{"https://login.microsoftonline.com/.well-known/oauth-authorization-server/organizations/v2.0",
                                               "https://login.microsoftonline.com/.well-known/openid-configuration/organizations/v2.0",
                                               "https://login.microsoftonline.com/organizations/v2.0/.well-known/openid-configuration"};
    QTest::newRow("port") << "http://127.0.0.1:8080/tenant1"
                          << QStringList{"http://127.0.0.1:8080/.well-known/oauth-authorization-server/tenant1",
                                         "http://127.0.0.1:8080/.well-known/openid-configuration/tenant1",
                                         "http://127.0.0.1:8080/tenant1/.well-known/openid-configuration"};
}

void TestDiscovery::authServerUrls()
{
    QFETCH(QString, issuer);
    QFETCH(QStringList, expected);
    QStringList got;
    for (const QUrl& u : authorizationServerMetadataUrls(QUrl(issuer)))
        got << u.toString();
    QCOMPARE(got, expected);
}

void TestDiscovery::entraAuthority_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("tenant");
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("discovery");
    QTest::addColumn<QString>("issuer");
    const QString ms = QStringLiteral("https://login.microsoftonline.com");
    QTest::newRow("guid") << ms + "/0F4670E3-DD4E-4975-B62C-D8ECBFD8A952" << "0f4670e3-dd4e-4975-b62c-d8ecbfd8a952"
                          << int(EntraAuthority::TenantKind::Guid)
                          << ms + "/0f4670e3-dd4e-4975-b62c-d8ecbfd8a952/v2.0/.well-known/openid-configuration"
                          << ms + "/0f4670e3-dd4e-4975-b62c-d8ecbfd8a952/v2.0";
    QTest::newRow("domain v2") << ms + "/contoso.onmicrosoft.com/v2.0" << "contoso.onmicrosoft.com"
                               << int(EntraAuthority::TenantKind::Domain)
                               << ms + "/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration"
                               << ms + "/{tenantid}/v2.0";
    QTest::newRow("organizations") << ms + "/organizations/" << "organizations" << int(EntraAuthority::TenantKind::Organizations)
                                   << ms + "/organizations/v2.0/.well-known/openid-configuration" << ms + "/{tenantid}/v2.0";
    QTest::newRow("common discovery url") << ms + "/common/v2.0/.well-known/openid-configuration" << "common"
                                          << int(EntraAuthority::TenantKind::Common)
                                          << ms + "/common/v2.0/.well-known/openid-configuration" << ms + "/{tenantid}/v2.0";
    QTest::newRow("lab loopback") << "http://127.0.0.1:4000/organizations" << "organizations"
                                  << int(EntraAuthority::TenantKind::Organizations)
                                  << "http://127.0.0.1:4000/organizations/v2.0/.well-known/openid-configuration"
                                  << "http://127.0.0.1:4000/{tenantid}/v2.0";
}

void TestDiscovery::entraAuthority()
{
    QFETCH(QString, text);
    QFETCH(QString, tenant);
    QFETCH(int, kind);
    QFETCH(QString, discovery);
    QFETCH(QString, issuer);
    QString error;
    const auto a = EntraAuthority::parse(text, &error);
    QVERIFY2(a, qPrintable(error));
    QCOMPARE(a->tenant, tenant);
    QCOMPARE(int(a->kind), kind);
    QCOMPARE(a->discoveryUrl().toString(), discovery);
    QCOMPARE(a->expectedIssuer(), issuer);
    QVERIFY(a->tokenUrl().toString().endsWith(QStringLiteral("/%1/oauth2/v2.0/token").arg(tenant)));
    QVERIFY(a->authorizeUrl().toString().endsWith(QStringLiteral("/%1/oauth2/v2.0/authorize").arg(tenant)));
    QVERIFY(a->keysUrl().toString().endsWith(QStringLiteral("/%1/discovery/v2.0/keys").arg(tenant)));
}

void TestDiscovery::entraAuthorityRefuses_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("no tenant") << "https://login.microsoftonline.com/";
    QTest::newRow("plain http remote") << "http://login.example.com/organizations";
    QTest::newRow("not a tenant") << "https://login.microsoftonline.com/notatenant";
    QTest::newRow("not a url") << "organizations";
    QTest::newRow("query") << "https://login.microsoftonline.com/common?x=1";
}

void TestDiscovery::entraAuthorityRefuses()
{
    QFETCH(QString, text);
    QString error;
    QVERIFY(!EntraAuthority::parse(text, &error));
    QVERIFY(!error.isEmpty());
}

void TestDiscovery::defaultScopes_data()
{
    QTest::addColumn<QString>("resource");
    QTest::addColumn<QString>("scope");
    QTest::newRow("api uri") << "api://lab-hr" << "api://lab-hr/.default";
    QTest::newRow("guid") << "1279f7cf-88dc-44a4-bf90-209ffa2da0d2" << "1279f7cf-88dc-44a4-bf90-209ffa2da0d2/.default";
    QTest::newRow("https slash") << "https://graph.microsoft.com/" << "https://graph.microsoft.com/.default";
    QTest::newRow("already") << "api://x/.default" << "api://x/.default";
}

void TestDiscovery::defaultScopes()
{
    QFETCH(QString, resource);
    QFETCH(QString, scope);
    QCOMPARE(defaultScopeFor(resource), scope);
}

void TestDiscovery::scopeResources()
{
    QCOMPARE(scopeResource(QStringLiteral("api://lab-hr/HR.Read")), QStringLiteral("api://lab-hr"));
    QCOMPARE(scopeResource(QStringLiteral("openid")), QString());
    QCOMPARE(scopeResource(QStringLiteral("User.Read")), QString());
    QCOMPARE(scopeResource(QStringLiteral("https://graph.microsoft.com/User.Read")), QStringLiteral("https://graph.microsoft.com"));
    QCOMPARE(auth::scopeResources({QStringLiteral("openid"), QStringLiteral("api://a/x"), QStringLiteral("api://a/y"),
                                   QStringLiteral("api://b/.default")}),
             (QStringList{QStringLiteral("api://a"), QStringLiteral("api://b")}));
}

void TestDiscovery::scopeSelection()
{
    QCOMPARE(selectScopes(QStringLiteral("a  b a"), {QStringLiteral("x")}), (QStringList{"a", "b"}));
    QCOMPARE(selectScopes(QString(), {QStringLiteral("x"), QStringLiteral("y")}), (QStringList{"x", "y"}));
    QCOMPARE(selectScopes(QString(), {}), QStringList());
    QCOMPARE(unionScopes({"a", "b"}, {"b", "c"}), (QStringList{"a", "b", "c"}));
}

void TestDiscovery::canonicalResource_data()
{
    QTest::addColumn<QString>("in");
    QTest::addColumn<QString>("out");
    QTest::newRow("case and port") << "HTTPS://MCP.Example.COM:443/mcp/" << "https://mcp.example.com/mcp";
    QTest::newRow("fragment") << "https://x.example/mcp#frag" << "https://x.example/mcp";
    QTest::newRow("port kept") << "http://127.0.0.1:5001/mcp" << "http://127.0.0.1:5001/mcp";
    QTest::newRow("root") << "https://x.example/" << "https://x.example";
}

void TestDiscovery::canonicalResource()
{
    QFETCH(QString, in);
    QFETCH(QString, out);
    QCOMPARE(auth::canonicalResource(QUrl(in)), out);
}

void TestDiscovery::resourceMatching_data()
{
    QTest::addColumn<QString>("resource");
    QTest::addColumn<QString>("server");
    QTest::addColumn<bool>("match");
    QTest::newRow("equal") << "https://x.example/mcp" << "https://x.example/mcp" << true;
    QTest::newRow("origin prefix") << "https://x.example" << "https://x.example/mcp" << true;
    QTest::newRow("path prefix") << "https://x.example/api" << "https://x.example/api/mcp" << true;
    QTest::newRow("not at boundary") << "https://x.example/ap" << "https://x.example/api/mcp" << false;
    QTest::newRow("other host") << "https://evil.example/mcp" << "https://x.example/mcp" << false;
    QTest::newRow("other port") << "http://127.0.0.1:1/mcp" << "http://127.0.0.1:2/mcp" << false;
    QTest::newRow("other scheme") << "http://x.example/mcp" << "https://x.example/mcp" << false;
    QTest::newRow("longer") << "https://x.example/mcp/more" << "https://x.example/mcp" << false;
}

void TestDiscovery::resourceMatching()
{
    QFETCH(QString, resource);
    QFETCH(QString, server);
    QFETCH(bool, match);
    QCOMPARE(resourceMatchesServer(resource, QUrl(server)), match);
}

void TestDiscovery::metadataParsing()
{
    const json doc = json::parse(R"({"issuer":"https:\/\/as.example","authorization_endpoint":"https:\/\/as.example\/authorize",
        "token_endpoint":"https:\/\/as.example\/token","jwks_uri":"https:\/\/as.example\/jwks",
        "grant_types_supported":["authorization_code","urn:ietf:params:oauth:grant-type:token-exchange"],
        "code_challenge_methods_supported":["S256"],"token_endpoint_auth_methods_supported":["none","private_key_jwt"],
        "client_id_metadata_document_supported":true,"scopes_supported":["a","b"]})");
    QString error;
    const auto m = AuthServerMetadata::fromJson(doc, QUrl(QStringLiteral("https://as.example/.well-known/x")), &error);
    QVERIFY2(m, qPrintable(error));
    QCOMPARE(m->tokenEndpoint.toString(), QStringLiteral("https://as.example/token"));
    QVERIFY(m->supportsGrant(QLatin1String(kGrantTokenExchange)));
    QVERIFY(!m->supportsGrant(QLatin1String(kGrantJwtBearer)));
    QVERIFY(m->codeChallengeMethodsGiven);
    QVERIFY(m->listsS256());
    QVERIFY(m->clientIdMetadataDocumentSupported);
    QVERIFY(m->supportsAuthMethod(QStringLiteral("none")));
    QVERIFY(!m->supportsAuthMethod(QStringLiteral("client_secret_basic")));

    QVERIFY(!AuthServerMetadata::fromJson(json::parse(R"({"token_endpoint":"https:\/\/as.example\/token"})"), QUrl(), &error));
    QVERIFY(error.contains(QLatin1String("issuer")));
    QVERIFY(!AuthServerMetadata::fromJson(json::parse(R"({"issuer":"x","token_endpoint":"ftp:\/\/as.example\/token"})"), QUrl(), &error));
    QVERIFY(error.contains(QLatin1String("token_endpoint")));
}

void TestDiscovery::metadataWithoutPkceMember()
{
    // Entra's discovery document has no code_challenge_methods_supported at all.
    const json doc = json::parse(R"({"issuer":"https:\/\/login.microsoftonline.com\/{tenantid}\/v2.0",
        "authorization_endpoint":"https:\/\/login.microsoftonline.com\/organizations\/oauth2\/v2.0\/authorize",
        "token_endpoint":"https:\/\/login.microsoftonline.com\/organizations\/oauth2\/v2.0\/token"})");
    const auto m = AuthServerMetadata::fromJson(doc, QUrl());
    QVERIFY(m);
    QVERIFY(!m->codeChallengeMethodsGiven);
    QVERIFY(!m->listsS256());
    QVERIFY(m->supportsGrant(QStringLiteral("authorization_code"))); // RFC 8414 default
    QVERIFY(m->supportsAuthMethod(QStringLiteral("client_secret_basic")));
}

void TestDiscovery::issuerMatching()
{
    QVERIFY(issuerMatches(QStringLiteral("https://as.example/"), QUrl(QStringLiteral("https://as.example"))));
    QVERIFY(!issuerMatches(QStringLiteral("https://evil.example"), QUrl(QStringLiteral("https://as.example"))));
    QVERIFY(isEntraHost(QUrl(QStringLiteral("https://login.microsoftonline.com/common"))));
    QVERIFY(!isEntraHost(QUrl(QStringLiteral("http://127.0.0.1:1/common"))));
}

QTEST_GUILESS_MAIN(TestDiscovery)
#include "TestDiscovery.moc"
