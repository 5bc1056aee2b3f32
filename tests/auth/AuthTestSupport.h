// SPDX-License-Identifier: MIT
#pragma once

// Helpers for the identity tests: blocking HTTP that keeps the event loop running, a minimal
// fake authorization server (metadata, token endpoint, JWKS) on FakeHttpServer, and "browsers"
// that answer an authorization URL like a person would.

#include "FakeHttpServer.h"

#include "auth/HttpClient.h"
#include "crypto/Jwt.h"
#include "crypto/Key.h"
#include "util/Json.h"

#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QTimer>
#include <QUrlQuery>

#include <functional>
#include <optional>

namespace authtest {

using lanyard::json;

struct Http
{
    int status = 0;
    QByteArray body;
    QUrl location;
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
};

inline Http send(QNetworkAccessManager& nam, const QByteArray& method, const QUrl& url, const QByteArray& body = {},
                 const QByteArray& contentType = {}, int timeoutMs = 10000)
{
    QNetworkRequest request(url);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    if (!contentType.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, contentType);
    QNetworkReply* reply = nam.sendCustomRequest(request, method, body);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    if (!reply->isFinished())
        loop.exec();
    Http r;
    if (!reply->isFinished()) {
        reply->abort();
        r.error = QNetworkReply::TimeoutError;
    } else {
        r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        r.body = reply->readAll();
        r.error = reply->error();
        const QByteArray loc = reply->rawHeader("Location");
        if (!loc.isEmpty())
            r.location = url.resolved(QUrl(QString::fromUtf8(loc)));
    }
    reply->deleteLater();
    return r;
}

inline QString queryValue(const QUrl& url, const QString& key)
{
    return QUrlQuery(url).queryItemValue(key, QUrl::FullyDecoded);
}

// Builds a redirect URL for `authorizeUrl`'s redirect_uri with the given raw (already encoded) query.
inline QUrl redirectWith(const QUrl& authorizeUrl, const QByteArray& rawQuery)
{
    QUrl redirect(queryValue(authorizeUrl, QStringLiteral("redirect_uri")));
    redirect.setQuery(QString::fromLatin1(rawQuery), QUrl::StrictMode);
    return redirect;
}

// A fake authorization server: metadata at /.well-known/openid-configuration, token endpoint at
// /token (answers from `tokenAnswer`), keys at /jwks. Records every request.
class FakeAuthServer
{
public:
    lanyard::test::FakeHttpServer http;
    lanyard::crypto::Key key = lanyard::crypto::Key::generateRsa(2048);
    QString clientId = QStringLiteral("client-1");
    // Called for each POST /token; default: a token response with an ID token for `nonce`.
    std::function<lanyard::test::FakeHttpServer::Script(const QByteArray& body)> tokenAnswer;
    QString lastNonce; // set by tests from the authorization URL
    QString idTokenNonceOverride;
    bool omitPkceMember = true;
    int jwksFetches = 0;
    // Entra's shape: multi-tenant issuer template, tokens with "tid" (authority <base>/organizations).
    bool entraShape = false;
    QString tenantId = QStringLiteral("72f988bf-86f1-41af-91ab-2d7cd011db47");

    bool start()
    {
        if (!http.listen())
            return false;
        http.setHandler([this](const lanyard::test::FakeHttpServer::Request& r) { return handle(r); });
        return true;
    }
    QString base() const { return http.url(QString()).toString(QUrl::StripTrailingSlash); }
    QString issuer() const { return entraShape ? base() + QStringLiteral("/{tenantid}/v2.0") : base(); }
    QString tokenIssuer() const { return entraShape ? base() + QStringLiteral("/") + tenantId + QStringLiteral("/v2.0") : base(); }
    QString authority() const { return base() + QStringLiteral("/organizations"); }
    json metadata() const
    {
        json m{{"issuer", lanyard::ss(issuer())},
               {"authorization_endpoint", lanyard::ss(base() + QStringLiteral("/authorize"))},
               {"token_endpoint", lanyard::ss(base() + QStringLiteral("/token"))},
               {"jwks_uri", lanyard::ss(base() + QStringLiteral("/jwks"))}};
        if (!omitPkceMember)
            m["code_challenge_methods_supported"] = {"S256"};
        return m;
    }
    QByteArray idToken(const QString& nonce, qint64 expOffset = 3600) const
    {
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        json claims{{"iss", lanyard::ss(tokenIssuer())}, {"aud", lanyard::ss(clientId)}, {"sub", "user-1"},
                    {"tid", lanyard::ss(tenantId)}, {"oid", "00000000-0000-0000-0000-0000000000a1"},
                    {"name", "Test User"}, {"preferred_username", "user@example.com"},
                    {"iat", now}, {"nbf", now}, {"exp", now + expOffset}};
        if (!nonce.isEmpty())
            claims["nonce"] = lanyard::ss(nonce);
        return *lanyard::crypto::signJwt(key, json::object(), claims);
    }
    QByteArray defaultTokenBody(const QString& scope = QStringLiteral("openid profile api://x/.default")) const
    {
        const QString nonce = idTokenNonceOverride.isEmpty() ? lastNonce : idTokenNonceOverride;
        json body{{"access_token", "access-token-value"}, {"token_type", "Bearer"}, {"expires_in", 3600},
                  {"refresh_token", "refresh-token-value"}, {"scope", lanyard::ss(scope)},
                  {"id_token", idToken(nonce).toStdString()}};
        return lanyard::dumpJson(body);
    }
    QList<lanyard::test::FakeHttpServer::Request> tokenRequests() const
    {
        QList<lanyard::test::FakeHttpServer::Request> out;
        for (const auto& r : http.requests()) {
            if (r.path.startsWith("/token"))
                out << r;
        }
        return out;
    }
    QString formValue(const QByteArray& body, const QString& key) const
    {
        for (const auto& [k, v] : lanyard::auth::HttpClient::decodeForm(body)) {
            if (k == key)
                return v;
        }
        return QString();
    }

private:
    lanyard::test::FakeHttpServer::Script handle(const lanyard::test::FakeHttpServer::Request& r)
    {
        using Script = lanyard::test::FakeHttpServer::Script;
        if (r.path.startsWith("/.well-known/") || r.path.contains("/.well-known/openid-configuration"))
            return Script::json(lanyard::dumpJson(metadata()));
        if (r.path == "/jwks") {
            ++jwksFetches;
            lanyard::crypto::Jwks set;
            set.addKey(key.publicOnly());
            return Script::json(lanyard::dumpJson(set.toJson()));
        }
        if (r.path == "/token") {
            if (tokenAnswer)
                return tokenAnswer(r.body);
            return Script::json(defaultTokenBody());
        }
        return Script::response(404, {}, "not found");
    }
};

// A browser that does not show anything: it answers the authorization URL at once by calling the
// redirect URI with a code and the state it was given (or what `tamper` makes of the query).
inline std::function<bool(const QUrl&, QString*)> redirectingBrowser(
    QNetworkAccessManager* nam, FakeAuthServer* server, QByteArray code = "the-code",
    std::function<QByteArray(const QUrl& authorizeUrl)> query = {}, QList<QUrl>* seen = nullptr)
{
    return [=](const QUrl& url, QString*) {
        if (seen)
            seen->append(url);
        if (server)
            server->lastNonce = queryValue(url, QStringLiteral("nonce"));
        const QByteArray q = query ? query(url)
                                   : "code=" + QUrl::toPercentEncoding(QString::fromUtf8(code)) + "&state="
                + QUrl::toPercentEncoding(queryValue(url, QStringLiteral("state")));
        const QUrl target = redirectWith(url, q);
        QTimer::singleShot(0, nam, [nam, target] {
            QNetworkRequest request(target);
            QNetworkReply* reply = nam->get(request);
            QObject::connect(reply, &QNetworkReply::finished, reply, &QObject::deleteLater);
        });
        return true;
    };
}

} // namespace authtest
