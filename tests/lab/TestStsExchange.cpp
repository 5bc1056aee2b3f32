// SPDX-License-Identifier: MIT
#include "TestIdpHelpers.h"

#include "LogCapture.h"
#include "crypto/Base64Url.h"
#include "crypto/Jwks.h"
#include "crypto/Key.h"
#include "idp/IdentityProvider.h"
#include "sts/IdentityLab.h"
#include "sts/TokenService.h"

#include <QtTest>

using namespace lanyard;
using namespace lanyard::lab;
using namespace labtest;

namespace {

const QString kAda = QStringLiteral("ada@lanyardlab.onmicrosoft.com");
const QString kOlli = QStringLiteral("olli@lanyardlab.onmicrosoft.com");
const QString kLanyard = QString::fromLatin1(builtin::kLanyardClientId);
const QString kExchange = QStringLiteral("urn:ietf:params:oauth:grant-type:token-exchange");
const QString kAccessTokenType = QStringLiteral("urn:ietf:params:oauth:token-type:access_token");
const QString kIdTokenType = QStringLiteral("urn:ietf:params:oauth:token-type:id_token");
const QString kJwtType = QStringLiteral("urn:ietf:params:oauth:token-type:jwt");
const QString kHrResource = QStringLiteral("http://127.0.0.1:5101/mcp");
const QString kDocsResource = QStringLiteral("http://127.0.0.1:5102/mcp");

QString unsignedToken(const json& header, const json& payload, const QByteArray& signature = {})
{
    return QString::fromLatin1(crypto::base64UrlEncode(dumpJson(header)) + '.'
        + crypto::base64UrlEncode(dumpJson(payload)) + '.' + crypto::base64UrlEncode(signature));
}

} // namespace

class TestStsExchange : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void metadata();
    void exchangeForEachServer_data();
    void exchangeForEachServer();
    void copyOfAServer();
    void scopesAndTokenTypes();
    void idTokenAsSubject();
    void chainThroughAServer();
    void actorToken();
    void mayAct();
    void badSubjectTokens_data();
    void badSubjectTokens();
    void unknownKidRefetchesOnce();
    void followsIdpKeyRotation();
    void requestErrors_data();
    void requestErrors();
    void clientAuthentication();
    void privateKeyJwt();
    void publicClientOnlyItsOwnTokens();
    void lifetimeCappedBySubject();
    void idpDownUsesCachedKeys();
    void logsCarryNoTokens();

private:
    QString subjectToken(const QString& user = kAda, QString* idToken = nullptr)
    {
        QNetworkAccessManager browser;
        const Tokens t = signIn(
            browser, *m_lab->idp(), user, QStringLiteral("openid offline_access ") + m_lab->tokenServiceScope());
        if (idToken)
            *idToken = t.idToken;
        return t.accessToken;
    }
    FormParams exchangeForm(
        const QString& subject, const QString& target = kHrResource, const QString& clientId = kLanyard)
    {
        FormParams f { { QStringLiteral("grant_type"), kExchange }, { QStringLiteral("subject_token"), subject },
            { QStringLiteral("subject_token_type"), kAccessTokenType }, { QStringLiteral("resource"), target } };
        if (!clientId.isEmpty())
            f.append(QStringLiteral("client_id"), clientId);
        return f;
    }
    HttpResult exchange(const FormParams& form, const QList<QPair<QByteArray, QByteArray>>& headers = {})
    {
        return postForm(*m_nam, m_lab->tokenService()->tokenUrl(), form, headers);
    }
    crypto::VerifyResult verifySts(const QString& token, const QString& audience)
    {
        const auto keys = crypto::Jwks::fromBytes(get(*m_nam, m_lab->tokenService()->jwksUrl()).body);
        if (!keys)
            return {};
        crypto::VerifyOptions o;
        o.algorithms = { QStringLiteral("ES256") };
        o.issuers = { m_lab->tokenServiceIssuer() };
        o.audiences = { audience };
        return crypto::verifyJwt(token.toUtf8(), *keys, o);
    }
    // A token with the claims of a real subject token, changed by `edit`, signed by the IdP.
    QString forged(const QString& subject, const std::function<void(json&)>& edit)
    {
        json claims = decodePayload(subject);
        edit(claims);
        const auto token = m_lab->idp()->signClaims(claims);
        return token ? QString::fromUtf8(*token) : QString();
    }
    static QByteArray basicAuth(const QString& id, const QString& secret)
    {
        return "Basic " + (QUrl::toPercentEncoding(id) + ':' + QUrl::toPercentEncoding(secret)).toBase64();
    }

    void createLab();
    // This test gets a lab of its own and leaves it behind changed.
    void freshLab()
    {
        createLab();
        m_dirty = true;
    }

    std::unique_ptr<IdentityLab> m_lab;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    bool m_dirty = true;
};

void TestStsExchange::createLab()
{
    m_nam.reset();
    m_lab = std::make_unique<IdentityLab>();
    m_lab->tokenService()->setJwksMinRefetchIntervalSecs(0);
    QString error;
    QVERIFY2(m_lab->start(0, 0, &error), qPrintable(error));
    QVERIFY(m_lab->registerServer(QStringLiteral("hr"), kHrResource));
    QVERIFY(m_lab->registerServer(QStringLiteral("docs"), kDocsResource));
    m_nam = std::make_unique<QNetworkAccessManager>();
}

void TestStsExchange::init()
{
    // Most tests share one lab (a lab costs a few hundred milliseconds of key generation); the
    // ones that change it or count its fetches start their own.
    if (m_dirty || !m_lab)
        createLab();
    m_dirty = false;
    m_nam = std::make_unique<QNetworkAccessManager>();
}

void TestStsExchange::cleanup()
{
    m_nam.reset();
}

void TestStsExchange::metadata()
{
    const HttpResult r = get(*m_nam, m_lab->tokenService()->metadataUrl());
    QCOMPARE(r.status, 200);
    json doc = r.object();
    QCOMPARE(qs(doc, "issuer"), m_lab->tokenServiceIssuer());
    QVERIFY(!m_lab->tokenServiceIssuer().endsWith(QLatin1Char('/')));
    QCOMPARE(m_lab->tokenService()->metadataUrl().toString(),
        qs(doc, "issuer") + QStringLiteral("/.well-known/oauth-authorization-server"));
    QVERIFY(doc["grant_types_supported"].is_array());
    QVERIFY(doc["grant_types_supported"].dump().find(kExchange.toStdString()) != std::string::npos);
    QCOMPARE(qs(doc, "token_endpoint"), m_lab->tokenService()->tokenUrl().toString());
    for (const char* method : { "none", "client_secret_basic", "client_secret_post", "private_key_jwt" })
        QVERIFY(doc["token_endpoint_auth_methods_supported"].dump().find(method) != std::string::npos);
    const HttpResult keys = get(*m_nam, QUrl(qs(doc, "jwks_uri")));
    QCOMPARE(keys.status, 200);
    const auto jwks = crypto::Jwks::fromBytes(keys.body);
    QVERIFY(jwks);
    QCOMPARE(jwks->size(), 2);
    QCOMPARE(jwks->keys().front().kty(), QStringLiteral("EC"));
}

void TestStsExchange::exchangeForEachServer_data()
{
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("server");
    QTest::addColumn<QString>("resource");
    QTest::addColumn<QStringList>("roles");
    QTest::addColumn<QString>("scope");
    QTest::addColumn<bool>("byAudience");
    QTest::newRow("ada hr") << kAda << "hr" << kHrResource << QStringList { QStringLiteral("hr.admin") }
                            << "HR.Read HR.Write" << false;
    QTest::newRow("ada docs") << kAda << "docs" << kDocsResource << QStringList { QStringLiteral("docs.editor") }
                              << "Docs.Read Docs.Write" << false;
    QTest::newRow("olli hr") << kOlli << "hr" << kHrResource << QStringList() << "HR.Read HR.Write" << false;
    QTest::newRow("ada hr by audience") << kAda << "hr" << kHrResource << QStringList { QStringLiteral("hr.admin") }
                                        << "HR.Read HR.Write" << true;
}

void TestStsExchange::exchangeForEachServer()
{
    QFETCH(QString, user);
    QFETCH(QString, server);
    QFETCH(QString, resource);
    QFETCH(QStringList, roles);
    QFETCH(QString, scope);
    QFETCH(bool, byAudience);
    const QString subject = subjectToken(user);
    QVERIFY(!subject.isEmpty());
    FormParams form = exchangeForm(subject, resource);
    if (byAudience) {
        form = FormParams { { QStringLiteral("grant_type"), kExchange }, { QStringLiteral("subject_token"), subject },
            { QStringLiteral("subject_token_type"), kAccessTokenType }, { QStringLiteral("audience"), server },
            { QStringLiteral("client_id"), kLanyard } };
    }
    QSignalSpy exchanged(m_lab->tokenService(), &TokenService::tokenExchanged);
    const HttpResult r = exchange(form);
    QVERIFY2(r.status == 200, r.body.constData());
    QCOMPARE(r.header("Cache-Control"), QByteArray("no-store"));
    json body = r.object();
    QCOMPARE(qs(body, "issued_token_type"), kAccessTokenType);
    QCOMPARE(qs(body, "token_type"), QStringLiteral("Bearer"));
    QCOMPARE(qs(body, "scope"), scope);
    QVERIFY(body["expires_in"].get<int>() > 0);
    QVERIFY(!body.contains("refresh_token"));
    const QString token = qs(body, "access_token");
    QCOMPARE(qs(decodeHeader(token), "typ"), QStringLiteral("at+jwt"));
    QCOMPARE(qs(decodeHeader(token), "alg"), QStringLiteral("ES256"));
    const auto verified = verifySts(token, resource);
    QVERIFY2(verified.ok, qPrintable(verified.message));
    json claims = verified.claims;
    json subjectClaims = decodePayload(subject);
    QCOMPARE(qs(claims, "iss"), m_lab->tokenServiceIssuer());
    QCOMPARE(qs(claims, "aud"), resource);
    QCOMPARE(qs(claims, "sub"), qs(subjectClaims, "sub"));
    QCOMPARE(qs(claims, "oid"), qs(subjectClaims, "oid"));
    QCOMPARE(qs(claims, "tid"), m_lab->tenantId());
    QCOMPARE(qs(claims, "preferred_username"), user);
    QCOMPARE(qs(claims, "name"), qs(subjectClaims, "name"));
    QCOMPARE(qs(claims, "scope"), scope);
    QCOMPARE(qs(claims, "client_id"), kLanyard);
    QCOMPARE(claims["act"], (json { { "sub", kLanyard.toStdString() }, { "client_id", kLanyard.toStdString() } }));
    if (roles.isEmpty()) {
        QVERIFY(!claims.contains("roles"));
    } else {
        json expected = json::array();
        for (const QString& role : roles)
            expected.push_back(role.toStdString());
        QCOMPARE(claims["roles"], expected);
    }
    QVERIFY(!qs(claims, "jti").isEmpty());
    QCOMPARE(exchanged.size(), 1);
    QCOMPARE(exchanged.first().at(2).toString(), server);
}

void TestStsExchange::copyOfAServer()
{
    // lanyard-lab --hr-copies: more servers like hr, each with its own resource.
    const QString copyResource = QStringLiteral("http://127.0.0.1:5099/mcp");
    QVERIFY(!m_lab->registerCopy(QStringLiteral("x-2"), copyResource, QStringLiteral("no-such-server")));
    QVERIFY(m_lab->registerCopy(QStringLiteral("hr-2"), copyResource, QStringLiteral("hr")));
    m_dirty = true;
    const QString subject = subjectToken();
    const HttpResult r = exchange(exchangeForm(subject, copyResource));
    QVERIFY2(r.status == 200, r.body.constData());
    const QString token = qs(r.object(), "access_token");
    const auto verified = verifySts(token, copyResource);
    QVERIFY2(verified.ok, qPrintable(verified.message));
    QCOMPARE(qs(verified.claims, "scope"), QStringLiteral("HR.Read HR.Write")); // hr's scopes
    QCOMPARE(verified.claims["roles"], json::array({ "hr.admin" })); // and its role map
    QVERIFY(!verifySts(token, kHrResource).ok); // not a token for hr itself
    // hr is unchanged.
    const HttpResult hr = exchange(exchangeForm(subject, kHrResource));
    QVERIFY2(hr.status == 200, hr.body.constData());
    QVERIFY(verifySts(qs(hr.object(), "access_token"), kHrResource).ok);
}

void TestStsExchange::scopesAndTokenTypes()
{
    const QString subject = subjectToken();
    FormParams form = exchangeForm(subject);
    form.append(QStringLiteral("scope"), QStringLiteral("HR.Read"));
    HttpResult r = exchange(form);
    QCOMPARE(r.status, 200);
    QCOMPARE(qs(r.object(), "scope"), QStringLiteral("HR.Read"));
    QCOMPARE(qs(decodePayload(qs(r.object(), "access_token")), "scope"), QStringLiteral("HR.Read"));

    FormParams bad = exchangeForm(subject);
    bad.append(QStringLiteral("scope"), QStringLiteral("HR.Read Docs.Read"));
    r = exchange(bad);
    QCOMPARE(r.status, 400);
    QCOMPARE(qs(r.object(), "error"), QStringLiteral("invalid_scope"));

    FormParams jwt = exchangeForm(subject);
    jwt.append(QStringLiteral("requested_token_type"), kJwtType);
    r = exchange(jwt);
    QCOMPARE(r.status, 200);
    QCOMPARE(qs(r.object(), "issued_token_type"), kJwtType);
    QCOMPARE(qs(r.object(), "token_type"), QStringLiteral("N_A"));
    QCOMPARE(qs(decodeHeader(qs(r.object(), "access_token")), "typ"), QStringLiteral("JWT"));
}

void TestStsExchange::idTokenAsSubject()
{
    QString idToken;
    subjectToken(kOlli, &idToken);
    QVERIFY(!idToken.isEmpty());
    FormParams form = exchangeForm(idToken);
    form = FormParams { { QStringLiteral("grant_type"), kExchange }, { QStringLiteral("subject_token"), idToken },
        { QStringLiteral("subject_token_type"), kIdTokenType }, { QStringLiteral("resource"), kHrResource },
        { QStringLiteral("client_id"), kLanyard } };
    HttpResult r = exchange(form);
    QVERIFY2(r.status == 200, r.body.constData());
    QCOMPARE(qs(decodePayload(qs(r.object(), "access_token")), "preferred_username"), kOlli);
    // Passed off as an access token it has the wrong audience.
    r = exchange(exchangeForm(idToken));
    QCOMPARE(r.status, 400);
    QCOMPARE(qs(r.object(), "error"), QStringLiteral("invalid_grant"));
}

void TestStsExchange::chainThroughAServer()
{
    // Lanyard gets a docs token for Ada; the docs server passes it on to get an HR token.
    const HttpResult first = exchange(exchangeForm(subjectToken(), kDocsResource));
    QCOMPARE(first.status, 200);
    const QString docsToken = qs(first.object(), "access_token");
    const QByteArray auth
        = basicAuth(QString::fromLatin1(builtin::kDocsServerClientId), QString::fromLatin1(builtin::kDocsServerSecret));
    HttpResult second = exchange(exchangeForm(docsToken, kHrResource, QString()), { { "Authorization", auth } });
    QVERIFY2(second.status == 200, second.body.constData());
    json claims = decodePayload(qs(second.object(), "access_token"));
    const std::string server = builtin::kDocsServerClientId;
    const json expectedAct { { "sub", server }, { "client_id", server },
        { "act", { { "sub", kLanyard.toStdString() }, { "client_id", kLanyard.toStdString() } } } };
    QCOMPARE(claims["act"], expectedAct);
    QCOMPARE(qs(claims, "preferred_username"), kAda);
    QCOMPARE(claims["roles"], json::array({ "hr.admin" }));
    QCOMPARE(qs(claims, "aud"), kHrResource);

    // The docs server may not pass on tokens meant for HR (it does not own that server) ...
    const QString hrToken = qs(exchange(exchangeForm(subjectToken(), kHrResource)).object(), "access_token");
    second = exchange(exchangeForm(hrToken, kHrResource, QString()), { { "Authorization", auth } });
    QCOMPARE(second.status, 400);
    QCOMPARE(qs(second.object(), "error"), QStringLiteral("invalid_grant"));
    // ... nor get tokens for docs itself (its registration lists only hr).
    second = exchange(exchangeForm(docsToken, kDocsResource, QString()), { { "Authorization", auth } });
    QCOMPARE(second.status, 400);
    QCOMPARE(qs(second.object(), "error"), QStringLiteral("unauthorized_client"));
    // Lanyard (a public client) may not pass a token-service token on.
    second = exchange(exchangeForm(docsToken, kHrResource));
    QCOMPARE(qs(second.object(), "error"), QStringLiteral("invalid_grant"));
}

void TestStsExchange::actorToken()
{
    const QString subject = subjectToken();
    json agent = decodePayload(subject);
    agent["sub"] = "agent-7";
    agent["azp"] = "agent-app";
    const auto actor = m_lab->idp()->signClaims(agent);
    QVERIFY(actor);
    FormParams form = exchangeForm(subject);
    form.append(QStringLiteral("actor_token"), QString::fromUtf8(*actor));
    form.append(QStringLiteral("actor_token_type"), kJwtType);
    HttpResult r = exchange(form);
    QVERIFY2(r.status == 200, r.body.constData());
    json act = decodePayload(qs(r.object(), "access_token"))["act"];
    QCOMPARE(qs(act, "sub"), QStringLiteral("agent-7"));
    QCOMPARE(qs(act, "client_id"), QStringLiteral("agent-app"));
    QCOMPARE(qs(act, "iss"), m_lab->idpIssuer());
    QVERIFY(!act.contains("act"));

    // Actor token on a chain: the new actor goes on top of the existing act.
    const QString docsToken = qs(exchange(exchangeForm(subject, kDocsResource)).object(), "access_token");
    FormParams chained = exchangeForm(docsToken, kHrResource, QString());
    chained.append(QStringLiteral("actor_token"), QString::fromUtf8(*actor));
    chained.append(QStringLiteral("actor_token_type"), kJwtType);
    r = exchange(chained,
        { { "Authorization",
            basicAuth(QString::fromLatin1(builtin::kDocsServerClientId),
                QString::fromLatin1(builtin::kDocsServerSecret)) } });
    QVERIFY2(r.status == 200, r.body.constData());
    act = decodePayload(qs(r.object(), "access_token"))["act"];
    QCOMPARE(qs(act, "sub"), QStringLiteral("agent-7"));
    QCOMPARE(qs(act["act"], "sub"), kLanyard);

    // A bad actor token is refused.
    FormParams badActor = exchangeForm(subject);
    badActor.append(QStringLiteral("actor_token"), QStringLiteral("not.a.token"));
    badActor.append(QStringLiteral("actor_token_type"), kJwtType);
    r = exchange(badActor);
    QCOMPARE(r.status, 400);
    QCOMPARE(qs(r.object(), "error"), QStringLiteral("invalid_grant"));
}

void TestStsExchange::mayAct()
{
    const QString subject = subjectToken();
    // may_act names somebody else: refused.
    HttpResult r = exchange(exchangeForm(forged(subject, [](json& c) {
        c["may_act"] = { { "sub", "someone-else" } };
    })));
    QCOMPARE(r.status, 400);
    QCOMPARE(qs(r.object(), "error"), QStringLiteral("invalid_grant"));
    QVERIFY(qs(r.object(), "error_description").contains(QStringLiteral("may_act")));
    // may_act names the client: allowed.
    r = exchange(exchangeForm(forged(subject, [](json& c) {
        c["may_act"] = { { "sub", builtin::kLanyardClientId } };
    })));
    QVERIFY2(r.status == 200, r.body.constData());
    // may_act names the actor of the actor token: allowed with it, refused without it.
    json agent = decodePayload(subject);
    agent["sub"] = "agent-7";
    const QString actor = QString::fromUtf8(*m_lab->idp()->signClaims(agent));
    const QString limited = forged(subject, [](json& c) { c["may_act"] = { { "sub", "agent-7" } }; });
    FormParams withActor = exchangeForm(limited);
    withActor.append(QStringLiteral("actor_token"), actor);
    withActor.append(QStringLiteral("actor_token_type"), kJwtType);
    QCOMPARE(exchange(withActor).status, 200);
    QCOMPARE(exchange(exchangeForm(limited)).status, 400);
    // A may_act that is not an object allows nobody.
    QCOMPARE(exchange(exchangeForm(forged(subject, [](json& c) { c["may_act"] = "anyone"; }))).status, 400);
}

void TestStsExchange::badSubjectTokens_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<int>("status");
    for (const char* kind : { "expired", "tampered", "alg none", "HS256", "wrong audience", "unknown kid",
             "issuer mismatch", "other tenant", "not a JWT", "no sub", "not yet valid" })
        QTest::newRow(kind) << QString::fromLatin1(kind) << 400;
    QTest::newRow("expired within skew") << QStringLiteral("skew") << 200;
}

void TestStsExchange::badSubjectTokens()
{
    QFETCH(QString, kind);
    QFETCH(int, status);
    const QString subject = subjectToken();
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    QString token;
    if (kind == QLatin1String("expired")) {
        token = forged(subject, [now](json& c) { c["exp"] = now - 120; });
    } else if (kind == QLatin1String("skew")) {
        token = forged(subject, [now](json& c) { c["exp"] = now - 30; });
    } else if (kind == QLatin1String("not yet valid")) {
        token = forged(subject, [now](json& c) { c["nbf"] = now + 600; });
    } else if (kind == QLatin1String("tampered")) {
        const QStringList parts = subject.split(QLatin1Char('.'));
        json claims = decodePayload(subject);
        claims["oid"] = builtin::kOlliOid;
        token = parts[0] + QLatin1Char('.') + QString::fromLatin1(crypto::base64UrlEncode(dumpJson(claims)))
            + QLatin1Char('.') + parts[2];
    } else if (kind == QLatin1String("alg none")) {
        token = unsignedToken(json { { "alg", "none" }, { "typ", "JWT" } }, decodePayload(subject));
    } else if (kind == QLatin1String("HS256")) {
        token = unsignedToken(json { { "alg", "HS256" }, { "typ", "JWT" },
                                  { "kid", m_lab->idp()->signingKeys().activeKid().toStdString() } },
            decodePayload(subject), QByteArray(32, 'k'));
    } else if (kind == QLatin1String("wrong audience")) {
        token = forged(subject, [](json& c) { c["aud"] = builtin::kHrAppId; });
    } else if (kind == QLatin1String("unknown kid")) {
        crypto::Key key = crypto::Key::generateRsa(2048);
        key.setKid(QStringLiteral("not-published"));
        const auto signed_ = crypto::signJwt(key, json { { "typ", "JWT" } }, decodePayload(subject));
        QVERIFY(signed_);
        token = QString::fromUtf8(*signed_);
    } else if (kind == QLatin1String("issuer mismatch")) {
        token = forged(subject, [](json& c) { c["iss"] = "http://127.0.0.1:1/elsewhere/v2.0"; });
    } else if (kind == QLatin1String("other tenant")) {
        const QString base = m_lab->idpBaseUrl().toString();
        token = forged(subject, [base](json& c) {
            c["tid"] = "11111111-2222-3333-4444-555555555555";
            c["iss"] = (base + QStringLiteral("/11111111-2222-3333-4444-555555555555/v2.0")).toStdString();
        });
    } else if (kind == QLatin1String("not a JWT")) {
        token = QStringLiteral("opaque-token-value");
    } else if (kind == QLatin1String("no sub")) {
        token = forged(subject, [](json& c) { c.erase("sub"); });
    }
    QVERIFY(!token.isEmpty());
    const HttpResult r = exchange(exchangeForm(token));
    QVERIFY2(r.status == status, r.body.constData());
    if (status == 400) {
        QCOMPARE(qs(r.object(), "error"), QStringLiteral("invalid_grant"));
        const QString description = qs(r.object(), "error_description");
        QVERIFY(!description.isEmpty());
        QVERIFY(!description.contains(token));
    }
}

void TestStsExchange::unknownKidRefetchesOnce()
{
    freshLab();
    const QString subject = subjectToken();
    QCOMPARE(exchange(exchangeForm(subject)).status, 200);
    QCOMPARE(m_lab->tokenService()->jwksFetchCount(), 1);
    QCOMPARE(exchange(exchangeForm(subject)).status, 200);
    QCOMPARE(m_lab->tokenService()->jwksFetchCount(), 1); // cached
    crypto::Key key = crypto::Key::generateRsa(2048);
    key.setKid(QStringLiteral("not-published"));
    const QString stranger
        = QString::fromUtf8(*crypto::signJwt(key, json { { "typ", "JWT" } }, decodePayload(subject)));
    QCOMPARE(exchange(exchangeForm(stranger)).status, 400);
    QCOMPARE(m_lab->tokenService()->jwksFetchCount(), 2); // exactly one refetch
}

void TestStsExchange::followsIdpKeyRotation()
{
    freshLab();
    QNetworkAccessManager browser;
    const Tokens t
        = signIn(browser, *m_lab->idp(), kAda, QStringLiteral("openid offline_access ") + m_lab->tokenServiceScope());
    QVERIFY(t.ok());
    QCOMPARE(exchange(exchangeForm(t.accessToken)).status, 200);
    QCOMPARE(m_lab->tokenService()->jwksFetchCount(), 1);
    // First rotation: the new key was pre-published, the cached set already has it.
    m_lab->idp()->rotateSigningKeys();
    Tokens next = refresh(browser, *m_lab->idp(), kLanyard, t.refreshToken, QString());
    QVERIFY(next.ok());
    QCOMPARE(exchange(exchangeForm(next.accessToken)).status, 200);
    QCOMPARE(m_lab->tokenService()->jwksFetchCount(), 1);
    // Second rotation: a key the cache has never seen; one refetch and it works.
    m_lab->idp()->rotateSigningKeys();
    next = refresh(browser, *m_lab->idp(), kLanyard, next.refreshToken, QString());
    QCOMPARE(exchange(exchangeForm(next.accessToken)).status, 200);
    QCOMPARE(m_lab->tokenService()->jwksFetchCount(), 2);
    // The old token still works while its key is published.
    QCOMPARE(exchange(exchangeForm(t.accessToken)).status, 200);
}

void TestStsExchange::requestErrors_data()
{
    QTest::addColumn<QStringList>("form");
    QTest::addColumn<QString>("error");
    const QString st = QStringLiteral("subject_token");
    const QString stt = QStringLiteral("subject_token_type");
    const QString gt = QStringLiteral("grant_type");
    const QString cid = QStringLiteral("client_id");
    const QString res = QStringLiteral("resource");
    QTest::newRow("no grant_type") << QStringList { cid, kLanyard, st, "$S", stt, kAccessTokenType, res, kHrResource }
                                   << "invalid_request";
    QTest::newRow("other grant") << QStringList { gt, "authorization_code", cid, kLanyard } << "unsupported_grant_type";
    QTest::newRow("no subject_token") << QStringList { gt, kExchange, cid, kLanyard, stt, kAccessTokenType, res,
        kHrResource } << "invalid_request";
    QTest::newRow("no subject_token_type")
        << QStringList { gt, kExchange, cid, kLanyard, st, "$S", res, kHrResource } << "invalid_request";
    QTest::newRow("SAML subject") << QStringList { gt, kExchange, cid, kLanyard, st, "$S", stt,
        "urn:ietf:params:oauth:token-type:saml2", res, kHrResource }
                                  << "invalid_request";
    QTest::newRow("unknown resource") << QStringList { gt, kExchange, cid, kLanyard, st, "$S", stt, kAccessTokenType,
        res, "http://127.0.0.1:9/mcp" }
                                      << "invalid_target";
    QTest::newRow("relative resource") << QStringList { gt, kExchange, cid, kLanyard, st, "$S", stt, kAccessTokenType,
        res, "/mcp" } << "invalid_target";
    QTest::newRow("two servers") << QStringList { gt, kExchange, cid, kLanyard, st, "$S", stt, kAccessTokenType, res,
        kHrResource, res, kDocsResource }
                                 << "invalid_target";
    QTest::newRow("no target") << QStringList { gt, kExchange, cid, kLanyard, st, "$S", stt, kAccessTokenType }
                               << "invalid_target";
    QTest::newRow("unknown audience") << QStringList { gt, kExchange, cid, kLanyard, st, "$S", stt, kAccessTokenType,
        "audience", "payroll" } << "invalid_target";
    QTest::newRow("ID token requested") << QStringList { gt, kExchange, cid, kLanyard, st, "$S", stt, kAccessTokenType,
        res, kHrResource, "requested_token_type", kIdTokenType }
                                        << "invalid_request";
    QTest::newRow("actor token without type") << QStringList { gt, kExchange, cid, kLanyard, st, "$S", stt,
        kAccessTokenType, res, kHrResource, "actor_token", "$S" }
                                              << "invalid_request";
    QTest::newRow("duplicate parameter") << QStringList { gt, kExchange, gt, kExchange, cid, kLanyard, st, "$S", stt,
        kAccessTokenType, res, kHrResource }
                                         << "invalid_request";
    QTest::newRow("no client") << QStringList { gt, kExchange, st, "$S", stt, kAccessTokenType, res, kHrResource }
                               << "invalid_client";
    QTest::newRow("unknown client") << QStringList { gt, kExchange, cid, "who", st, "$S", stt, kAccessTokenType, res,
        kHrResource } << "invalid_client";
}

void TestStsExchange::requestErrors()
{
    QFETCH(QStringList, form);
    QFETCH(QString, error);
    const QString subject = subjectToken();
    FormParams params;
    for (qsizetype i = 0; i + 1 < form.size(); i += 2)
        params.append(form[i], form[i + 1] == QLatin1String("$S") ? subject : form[i + 1]);
    const HttpResult r = exchange(params);
    QVERIFY2(r.status == (error == QLatin1String("invalid_client") ? 401 : 400), r.body.constData());
    QCOMPARE(qs(r.object(), "error"), error);
    QVERIFY(!qs(r.object(), "error_description").isEmpty());
    QVERIFY(!r.body.contains(subject.toUtf8()));
}

void TestStsExchange::clientAuthentication()
{
    TokenServiceClient post;
    post.clientId = QStringLiteral("post-client");
    post.auth = ClientAuthMethod::ClientSecretPost;
    post.secret = QStringLiteral("p0st+secret&=");
    post.servers = { QStringLiteral("*") };
    m_lab->tokenService()->addClient(post);
    const QString subject = subjectToken();
    const QString docsServer = QString::fromLatin1(builtin::kDocsServerClientId);
    const QString docsSecret = QString::fromLatin1(builtin::kDocsServerSecret);

    // client_secret_post
    FormParams form = exchangeForm(subject, kHrResource, post.clientId);
    form.append(QStringLiteral("client_secret"), post.secret);
    HttpResult r = exchange(form);
    QVERIFY2(r.status == 200, r.body.constData());
    QCOMPARE(qs(decodePayload(qs(r.object(), "access_token"))["act"], "sub"), post.clientId);
    form = exchangeForm(subject, kHrResource, post.clientId);
    form.append(QStringLiteral("client_secret"), QStringLiteral("wrong"));
    r = exchange(form);
    QCOMPARE(r.status, 401);
    QCOMPARE(qs(r.object(), "error"), QStringLiteral("invalid_client"));
    // Registered for post, trying Basic.
    r = exchange(
        exchangeForm(subject, kHrResource, QString()), { { "Authorization", basicAuth(post.clientId, post.secret) } });
    QCOMPARE(r.status, 401);
    QCOMPARE(r.header("WWW-Authenticate"), QByteArray("Basic realm=\"lanyard-lab-sts\""));

    // client_secret_basic (the docs server; it only gets HR tokens)
    r = exchange(
        exchangeForm(subject, kHrResource, QString()), { { "Authorization", basicAuth(docsServer, docsSecret) } });
    QVERIFY2(r.status == 200, r.body.constData());
    r = exchange(exchangeForm(subject, kHrResource, QString()),
        { { "Authorization", basicAuth(docsServer, QStringLiteral("nope")) } });
    QCOMPARE(r.status, 401);
    QCOMPARE(qs(r.object(), "error"), QStringLiteral("invalid_client"));
    // Registered for Basic, secret in the body.
    form = exchangeForm(subject, kHrResource, docsServer);
    form.append(QStringLiteral("client_secret"), docsSecret);
    QCOMPARE(exchange(form).status, 401);
    // The public client must not present a secret.
    form = exchangeForm(subject, kHrResource, kLanyard);
    form.append(QStringLiteral("client_secret"), QStringLiteral("x"));
    QCOMPARE(exchange(form).status, 401);
    // A confidential client without credentials.
    QCOMPARE(exchange(exchangeForm(subject, kHrResource, docsServer)).status, 401);
    // Two methods at once.
    form = exchangeForm(subject, kHrResource, QString());
    form.append(QStringLiteral("client_secret"), docsSecret);
    r = exchange(form, { { "Authorization", basicAuth(docsServer, docsSecret) } });
    QCOMPARE(r.status, 400);
    QCOMPARE(qs(r.object(), "error"), QStringLiteral("invalid_request"));
}

void TestStsExchange::privateKeyJwt()
{
    crypto::Key clientKey = crypto::Key::generateEc();
    TokenServiceClient agent;
    agent.clientId = QStringLiteral("agent-with-key");
    agent.auth = ClientAuthMethod::PrivateKeyJwt;
    agent.jwk = clientKey.publicJwk();
    agent.servers = { QStringLiteral("docs") };
    m_lab->tokenService()->addClient(agent);
    const QString subject = subjectToken();
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    const auto assertion = [&](const crypto::Key& key, const std::function<void(json&)>& edit = {}) {
        json claims { { "iss", agent.clientId.toStdString() }, { "sub", agent.clientId.toStdString() },
            { "aud", m_lab->tokenService()->tokenUrl().toString().toStdString() }, { "iat", now }, { "exp", now + 60 },
            { "jti", crypto::randomUrlSafe(16).toStdString() } };
        if (edit)
            edit(claims);
        return QString::fromUtf8(crypto::signJwt(key, json::object(), claims).value_or(QByteArray()));
    };
    const auto withAssertion = [&](const QString& a) {
        FormParams form = exchangeForm(subject, kDocsResource, QString());
        form.append(QStringLiteral("client_assertion_type"),
            QStringLiteral("urn:ietf:params:oauth:client-assertion-type:jwt-bearer"));
        form.append(QStringLiteral("client_assertion"), a);
        return exchange(form);
    };
    const QString good = assertion(clientKey);
    HttpResult r = withAssertion(good);
    QVERIFY2(r.status == 200, r.body.constData());
    QCOMPARE(qs(decodePayload(qs(r.object(), "access_token")), "client_id"), agent.clientId);
    // Replay of the same assertion.
    r = withAssertion(good);
    QCOMPARE(r.status, 401);
    QVERIFY(qs(r.object(), "error_description").contains(QStringLiteral("jti")));
    // The issuer as audience is fine too.
    QCOMPARE(withAssertion(assertion(clientKey, [&](json& c) { c["aud"] = m_lab->tokenServiceIssuer().toStdString(); }))
                 .status,
        200);
    // Another key, another audience, expired, too long-lived, no jti: all refused.
    QCOMPARE(withAssertion(assertion(crypto::Key::generateEc())).status, 401);
    QCOMPARE(withAssertion(assertion(clientKey, [](json& c) { c["aud"] = "http://elsewhere/token"; })).status, 401);
    QCOMPARE(withAssertion(assertion(clientKey, [now](json& c) { c["exp"] = now - 300; })).status, 401);
    QCOMPARE(withAssertion(assertion(clientKey, [now](json& c) { c["exp"] = now + 3600; })).status, 401);
    QCOMPARE(withAssertion(assertion(clientKey, [](json& c) { c.erase("jti"); })).status, 401);
    QCOMPARE(withAssertion(assertion(clientKey, [](json& c) { c["sub"] = "someone"; })).status, 401);
    // Wrong assertion type.
    FormParams form = exchangeForm(subject, kDocsResource, QString());
    form.append(QStringLiteral("client_assertion_type"), QStringLiteral("urn:x"));
    form.append(QStringLiteral("client_assertion"), assertion(clientKey));
    QCOMPARE(exchange(form).status, 401);
    // A secret is no way in for a key-registered client.
    form = exchangeForm(subject, kDocsResource, agent.clientId);
    form.append(QStringLiteral("client_secret"), QStringLiteral("x"));
    QCOMPARE(exchange(form).status, 401);
}

void TestStsExchange::publicClientOnlyItsOwnTokens()
{
    TokenServiceClient other;
    other.clientId = QStringLiteral("another-desktop-app");
    other.auth = ClientAuthMethod::None;
    other.servers = { QStringLiteral("*") };
    m_lab->tokenService()->addClient(other);
    const HttpResult r = exchange(exchangeForm(subjectToken(), kHrResource, other.clientId));
    QCOMPARE(r.status, 400);
    QCOMPARE(qs(r.object(), "error"), QStringLiteral("invalid_grant"));
    QVERIFY(qs(r.object(), "error_description").contains(kLanyard));
}

void TestStsExchange::lifetimeCappedBySubject()
{
    m_dirty = true;
    m_lab->idp()->setAccessTokenLifetime(100);
    const QString subject = subjectToken();
    const HttpResult r = exchange(exchangeForm(subject));
    QCOMPARE(r.status, 200);
    QVERIFY(r.object()["expires_in"].get<int>() <= 160);
    json claims = decodePayload(qs(r.object(), "access_token"));
    // The subject's expiry plus the 60 s of clock skew the service allows.
    QCOMPARE(claims["exp"].get<qint64>(), decodePayload(subject)["exp"].get<qint64>() + 60);
    m_lab->idp()->setAccessTokenLifetime(3600);
    m_lab->tokenService()->setTokenLifetime(300);
    const HttpResult shorter = exchange(exchangeForm(subjectToken()));
    QCOMPARE(shorter.object()["expires_in"].get<int>(), 300);
}

void TestStsExchange::idpDownUsesCachedKeys()
{
    m_dirty = true;
    const QString subject = subjectToken();
    QCOMPARE(exchange(exchangeForm(subject)).status, 200);
    QVERIFY(m_lab->setIdpDown(true));
    QVERIFY(m_lab->isIdpDown());
    QCOMPARE(get(*m_nam, m_lab->idp()->discoveryUrl()).status, 0); // connection refused
    QCOMPARE(exchange(exchangeForm(subject)).status, 200); // keys are cached
    QVERIFY(m_lab->setIdpDown(false));
    QCOMPARE(get(*m_nam, m_lab->idp()->discoveryUrl()).status, 200);

    // A token service that never saw the keys cannot check anything while the IdP is down.
    IdentityLab other;
    QVERIFY(other.start());
    QNetworkAccessManager browser;
    const Tokens t = signIn(browser, *other.idp(), kAda, QStringLiteral("openid ") + other.tokenServiceScope());
    QVERIFY(t.ok());
    QVERIFY(other.registerServer(QStringLiteral("hr"), kHrResource));
    QVERIFY(other.setIdpDown(true));
    const HttpResult r = postForm(*m_nam, other.tokenServiceTokenUrl(), exchangeForm(t.accessToken));
    QCOMPARE(r.status, 400);
    QCOMPARE(qs(r.object(), "error"), QStringLiteral("invalid_grant"));
    QVERIFY(qs(r.object(), "error_description").contains(QStringLiteral("not available")));
}

void TestStsExchange::logsCarryNoTokens()
{
    test::LogCapture logs;
    const QString subject = subjectToken();
    const HttpResult r = exchange(exchangeForm(subject));
    QCOMPARE(r.status, 200);
    const QString issued = qs(r.object(), "access_token");
    QCOMPARE(exchange(exchangeForm(subject + QStringLiteral("x"))).status, 400);
    QVERIFY(!logs.lines().isEmpty());
    QVERIFY(!logs.contains(subject));
    QVERIFY(!logs.contains(issued));
    QVERIFY(!logs.contains(subject.section(QLatin1Char('.'), 2))); // not even the signature part
}

QTEST_GUILESS_MAIN(TestStsExchange)
#include "TestStsExchange.moc"
