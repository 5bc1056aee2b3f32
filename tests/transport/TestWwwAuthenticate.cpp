// SPDX-License-Identifier: MIT
#include "transport/WwwAuthenticate.h"

#include <QtTest>

using namespace lanyard;

namespace {

// "Scheme[token68]{name=value;name=value}" joined with " | ".
QString render(const QList<WwwAuthenticate::Challenge>& challenges)
{
    QStringList out;
    for (const auto& c : challenges) {
        QString s = QString::fromLatin1(c.scheme);
        if (!c.token68.isEmpty())
            s += QLatin1Char('[') + QString::fromLatin1(c.token68) + QLatin1Char(']');
        QStringList params;
        for (const auto& p : c.params)
            params << QString::fromLatin1(p.first) + QLatin1Char('=') + p.second;
        s += QLatin1Char('{') + params.join(QLatin1Char(';')) + QLatin1Char('}');
        out << s;
    }
    return out.join(QLatin1String(" | "));
}

} // namespace

class TestWwwAuthenticate : public QObject
{
    Q_OBJECT
private slots:
    void parse_data()
    {
        QTest::addColumn<QByteArray>("header");
        QTest::addColumn<QString>("expected");

        QTest::newRow("empty") << QByteArray() << QString();
        QTest::newRow("bare scheme") << QByteArray("Bearer") << QStringLiteral("Bearer{}");
        QTest::newRow("realm") << QByteArray("Bearer realm=\"example\"") << QStringLiteral("Bearer{realm=example}");
        QTest::newRow("rfc6750 invalid_token")
            << QByteArray(
                   "Bearer realm=\"example\", error=\"invalid_token\", error_description=\"The access token expired\"")
            << QStringLiteral("Bearer{realm=example;error=invalid_token;error_description=The access token expired}");
        QTest::newRow("rfc7235 example")
            << QByteArray("Newauth realm=\"apps\", type=1, title=\"Login to \\\"apps\\\"\", Basic realm=\"simple\"")
            << QStringLiteral("Newauth{realm=apps;type=1;title=Login to \"apps\"} | Basic{realm=simple}");
        QTest::newRow("token68") << QByteArray("Basic YWxhZGRpbjpvcGVuc2VzYW1l")
                                 << QStringLiteral("Basic[YWxhZGRpbjpvcGVuc2VzYW1l]{}");
        QTest::newRow("token68 padding then scheme")
            << QByteArray("Negotiate abc+/==, Bearer") << QStringLiteral("Negotiate[abc+/==]{} | Bearer{}");
        QTest::newRow("param names lower-cased")
            << QByteArray("Bearer Error=\"x\", SCOPE=\"a b\"") << QStringLiteral("Bearer{error=x;scope=a b}");
        QTest::newRow("whitespace around =")
            << QByteArray("Bearer realm = \"x\" ,  scope=y") << QStringLiteral("Bearer{realm=x;scope=y}");
        QTest::newRow("tabs") << QByteArray("Bearer\trealm=\"x\"") << QStringLiteral("Bearer{realm=x}");
        QTest::newRow("empty list elements")
            << QByteArray(", Bearer ,, realm=\"x\",, Basic") << QStringLiteral("Bearer{realm=x} | Basic{}");
        QTest::newRow("escaped backslash")
            << QByteArray("Bearer realm=\"a\\\\b\\\"c\"") << QStringLiteral("Bearer{realm=a\\b\"c}");
        QTest::newRow("comma inside quotes")
            << QByteArray("Bearer scope=\"a,b\", error=x") << QStringLiteral("Bearer{scope=a,b;error=x}");
        QTest::newRow("two joined headers")
            << QByteArray("Basic realm=\"x\", Bearer "
                          "resource_metadata=\"https://rs.example/.well-known/oauth-protected-resource\", "
                          "scope=\"files:read files:write\"")
            << QStringLiteral("Basic{realm=x} | Bearer{resource_metadata=https://rs.example/.well-known/"
                              "oauth-protected-resource;scope=files:read files:write}");
        QTest::newRow("leading garbage skipped")
            << QByteArray("=== , Bearer realm=x") << QStringLiteral("Bearer{realm=x}");
        QTest::newRow("unterminated quote") << QByteArray("Bearer realm=\"abc") << QStringLiteral("Bearer{realm=abc}");
        QTest::newRow("empty quoted value") << QByteArray("Bearer error=\"\"") << QStringLiteral("Bearer{error=}");
        QTest::newRow("utf8 in quoted value")
            << QByteArray("Bearer realm=\"caf\xC3\xA9\"") << QStringLiteral("Bearer{realm=caf\u00e9}");
        QTest::newRow("scheme case kept") << QByteArray("bEaReR realm=x") << QStringLiteral("bEaReR{realm=x}");
        QTest::newRow("DPoP and Bearer")
            << QByteArray("DPoP algs=\"ES256 PS256\", Bearer error=\"insufficient_scope\", scope=\"admin\"")
            << QStringLiteral("DPoP{algs=ES256 PS256} | Bearer{error=insufficient_scope;scope=admin}");
    }
    void parse()
    {
        QFETCH(QByteArray, header);
        QFETCH(QString, expected);
        QCOMPARE(render(WwwAuthenticate::parse(header)), expected);
    }

    void toAuthChallenge_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("header");
        QTest::addColumn<QString>("error");
        QTest::addColumn<QString>("scope");
        QTest::addColumn<QString>("resourceMetadata");
        QTest::addColumn<QString>("claims");

        QTest::newRow("invalid token with metadata")
            << 401
            << QByteArray("Bearer error=\"invalid_token\", "
                          "resource_metadata=\"https://mcp.example/.well-known/oauth-protected-resource/mcp\"")
            << QStringLiteral("invalid_token") << QString()
            << QStringLiteral("https://mcp.example/.well-known/oauth-protected-resource/mcp") << QString();
        QTest::newRow("insufficient scope")
            << 403 << QByteArray("Bearer error=\"insufficient_scope\", scope=\"files:read files:write\"")
            << QStringLiteral("insufficient_scope") << QStringLiteral("files:read files:write") << QString()
            << QString();
        QTest::newRow("claims challenge")
            << 401
            << QByteArray("Bearer realm=\"\", error=\"insufficient_claims\", claims=\"eyJhY2Nlc3NfdG9rZW4iOnt9fQ==\"")
            << QStringLiteral("insufficient_claims") << QString() << QString()
            << QStringLiteral("eyJhY2Nlc3NfdG9rZW4iOnt9fQ==");
        QTest::newRow("bearer preferred over basic")
            << 401 << QByteArray("Basic error=\"wrong\", Bearer error=\"right\"") << QStringLiteral("right")
            << QString() << QString() << QString();
        QTest::newRow("first when no bearer")
            << 401 << QByteArray("Custom error=\"x\"") << QStringLiteral("x") << QString() << QString() << QString();
        QTest::newRow("relative metadata rejected") << 401 << QByteArray("Bearer resource_metadata=\"/prm\"")
                                                    << QString() << QString() << QString() << QString();
        QTest::newRow("javascript metadata rejected")
            << 401 << QByteArray("Bearer resource_metadata=\"javascript:alert(1)\"") << QString() << QString()
            << QString() << QString();
        QTest::newRow("no header") << 401 << QByteArray() << QString() << QString() << QString() << QString();
    }
    void toAuthChallenge()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, header);
        QFETCH(QString, error);
        QFETCH(QString, scope);
        QFETCH(QString, resourceMetadata);
        QFETCH(QString, claims);
        const AuthChallenge c = WwwAuthenticate::toAuthChallenge(status, header);
        QCOMPARE(c.httpStatus, status);
        QCOMPARE(c.wwwAuthenticate, header);
        QCOMPARE(c.error, error);
        QCOMPARE(c.scope, scope);
        QCOMPARE(c.resourceMetadata.toString(), resourceMetadata);
        QCOMPARE(c.claims, claims);
    }

    void paramLookupIsCaseInsensitive()
    {
        const auto challenges = WwwAuthenticate::parse("Bearer Scope=\"a\"");
        QCOMPARE(challenges.size(), 1);
        QVERIFY(challenges.first().isScheme("bearer"));
        QVERIFY(challenges.first().hasParam("SCOPE"));
        QCOMPARE(challenges.first().param("scope"), QStringLiteral("a"));
        QVERIFY(!challenges.first().hasParam("error"));
    }
};

QTEST_GUILESS_MAIN(TestWwwAuthenticate)
#include "TestWwwAuthenticate.moc"
