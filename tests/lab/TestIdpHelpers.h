// SPDX-License-Identifier: MIT
#pragma once

// Helpers for the identity lab tests: blocking HTTP over QNetworkAccessManager (the event loop
// keeps running, so in-process servers answer), a tiny HTML form reader, and a "browser" that
// signs in by fetching the IdP's pages and submitting their forms like a person would.

#include "crypto/Jwt.h"
#include "crypto/Pkce.h"
#include "crypto/Random.h"
#include "idp/FormParams.h"
#include "idp/IdentityProvider.h"
#include "sts/IdentityLab.h"
#include "util/Json.h"

#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QTimer>
#include <QUrlQuery>

#include <optional>

namespace labtest {

using lanyard::json;
using lanyard::lab::FormParams;

struct HttpResult
{
    int status = 0;
    QByteArray body;
    QList<QNetworkReply::RawHeaderPair> headers;
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    QUrl url;

    QByteArray header(const QByteArray& name) const
    {
        for (const auto& h : headers) {
            if (h.first.compare(name, Qt::CaseInsensitive) == 0)
                return h.second;
        }
        return {};
    }
    json object() const
    {
        const json j = json::parse(body.constBegin(), body.constEnd(), nullptr, false);
        return j.is_discarded() ? json() : j;
    }
    QUrl location() const { return url.resolved(QUrl(QString::fromUtf8(header("Location")))); }
};

inline HttpResult send(QNetworkAccessManager& nam, const QByteArray& method, const QUrl& url,
    const QByteArray& body = {}, const QList<QPair<QByteArray, QByteArray>>& headers = {}, int timeoutMs = 15000)
{
    nam.setProxy(QNetworkProxy::NoProxy);
    QNetworkRequest request(url);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    for (const auto& h : headers)
        request.setRawHeader(h.first, h.second);
    QNetworkReply* reply = nam.sendCustomRequest(request, method, body);
    QEventLoop loop;
    QTimer timer;
    timer.setSingleShot(true);
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QObject::connect(&timer, &QTimer::timeout, &loop, &QEventLoop::quit);
    timer.start(timeoutMs);
    if (!reply->isFinished())
        loop.exec();
    HttpResult r;
    r.url = url;
    if (!reply->isFinished()) {
        reply->abort();
        r.error = QNetworkReply::TimeoutError;
    } else {
        r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        r.body = reply->readAll();
        r.headers = reply->rawHeaderPairs();
        r.error = reply->error();
    }
    reply->deleteLater();
    return r;
}

inline HttpResult get(
    QNetworkAccessManager& nam, const QUrl& url, const QList<QPair<QByteArray, QByteArray>>& headers = {})
{
    return send(nam, "GET", url, {}, headers);
}

inline HttpResult postForm(QNetworkAccessManager& nam, const QUrl& url, const FormParams& form,
    QList<QPair<QByteArray, QByteArray>> headers = {})
{
    headers.push_back({ "Content-Type", "application/x-www-form-urlencoded" });
    return send(nam, "POST", url, form.encode().toUtf8(), headers);
}

inline json decodePayload(const QString& token)
{
    const auto decoded = lanyard::crypto::decodeJwt(token.toUtf8());
    return decoded ? decoded->payload : json();
}

inline json decodeHeader(const QString& token)
{
    const auto decoded = lanyard::crypto::decodeJwt(token.toUtf8());
    return decoded ? decoded->header : json();
}

// ---- HTML forms --------------------------------------------------------------------------------

inline QString htmlUnescape(QString s)
{
    s.replace(QLatin1String("&quot;"), QLatin1String("\""));
    s.replace(QLatin1String("&#39;"), QLatin1String("'"));
    s.replace(QLatin1String("&lt;"), QLatin1String("<"));
    s.replace(QLatin1String("&gt;"), QLatin1String(">"));
    s.replace(QLatin1String("&amp;"), QLatin1String("&"));
    return s;
}

struct HtmlForm
{
    QString id;
    QString method;
    QString action;
    FormParams hidden;
    FormParams buttons; // name/value of each submit button, in page order
};

// The first <form> of the page, read with the same rules a browser applies to this simple markup.
inline std::optional<HtmlForm> parseForm(const QByteArray& html)
{
    const QString page = QString::fromUtf8(html);
    static const QRegularExpression formRe(
        QStringLiteral("<form\\b([^>]*)>(.*?)</form>"), QRegularExpression::DotMatchesEverythingOption);
    static const QRegularExpression attrRe(QStringLiteral("\\b([a-z_-]+)=\"([^\"]*)\""));
    static const QRegularExpression inputRe(QStringLiteral("<input\\b([^>]*)>"));
    static const QRegularExpression buttonRe(QStringLiteral("<button\\b([^>]*)>"));
    const auto attrs = [](const QString& text) {
        QMap<QString, QString> out;
        auto it = attrRe.globalMatch(text);
        while (it.hasNext()) {
            const auto m = it.next();
            out.insert(m.captured(1), htmlUnescape(m.captured(2)));
        }
        return out;
    };
    const auto m = formRe.match(page);
    if (!m.hasMatch())
        return std::nullopt;
    HtmlForm form;
    const auto formAttrs = attrs(m.captured(1));
    form.id = formAttrs.value(QStringLiteral("id"));
    form.method = formAttrs.value(QStringLiteral("method")).toLower();
    form.action = formAttrs.value(QStringLiteral("action"));
    auto inputs = inputRe.globalMatch(m.captured(2));
    while (inputs.hasNext()) {
        const auto a = attrs(inputs.next().captured(1));
        if (a.value(QStringLiteral("type")) == QLatin1String("hidden"))
            form.hidden.append(a.value(QStringLiteral("name")), a.value(QStringLiteral("value")));
    }
    auto buttons = buttonRe.globalMatch(m.captured(2));
    while (buttons.hasNext()) {
        const auto a = attrs(buttons.next().captured(1));
        if (a.contains(QStringLiteral("name")))
            form.buttons.append(a.value(QStringLiteral("name")), a.value(QStringLiteral("value")));
    }
    return form;
}

// Submits `form` (found on the page at `pageUrl`) by pressing the button name=value.
inline HttpResult submit(QNetworkAccessManager& nam, const QUrl& pageUrl, const HtmlForm& form,
    const QString& buttonName, const QString& buttonValue)
{
    FormParams body = form.hidden;
    body.append(buttonName, buttonValue);
    return postForm(nam, pageUrl.resolved(QUrl(form.action)), body);
}

// ---- The browser ---------------------------------------------------------------------------

struct SignInResult
{
    bool ok = false; // ended in a redirect
    QUrl redirect; // where the IdP sent the browser
    QStringList pages; // form ids seen: signin, mfa, consent
    HttpResult last;
    QString failure;
    QUrlQuery redirectQuery() const
    {
        return QUrlQuery(redirect.hasFragment() && !redirect.hasQuery() ? redirect.fragment(QUrl::FullyEncoded)
                                                                        : redirect.query(QUrl::FullyEncoded));
    }
    QString param(const QString& name) const
    {
        const QString raw = redirectQuery().queryItemValue(name, QUrl::FullyEncoded);
        return QUrl::fromPercentEncoding(raw.toUtf8().replace('+', ' '));
    }
};

struct BrowserChoices
{
    QString username; // whom to pick on the sign-in page
    QString mfa = QStringLiteral("approve"); // or "deny"
    QString consent = QStringLiteral("accept"); // or "decline"
};

// Opens `authorizeUrl` and goes through the pages until the IdP redirects (at most 5 pages).
inline SignInResult browse(QNetworkAccessManager& nam, const QUrl& authorizeUrl, const BrowserChoices& choices)
{
    SignInResult result;
    QUrl pageUrl = authorizeUrl;
    HttpResult r = get(nam, authorizeUrl);
    for (int step = 0; step < 5; ++step) {
        result.last = r;
        if (r.status == 302) {
            result.ok = true;
            result.redirect = QUrl(QString::fromUtf8(r.header("Location")));
            return result;
        }
        if (r.status != 200) {
            result.failure = QStringLiteral("HTTP %1").arg(r.status);
            return result;
        }
        const auto form = parseForm(r.body);
        if (!form) {
            result.failure = QStringLiteral("no form on the page");
            return result;
        }
        result.pages.append(form->id);
        if (form->id == QLatin1String("signin"))
            r = submit(nam, pageUrl, *form, QStringLiteral("lab_login"), choices.username);
        else if (form->id == QLatin1String("mfa"))
            r = submit(nam, pageUrl, *form, QStringLiteral("lab_mfa"), choices.mfa);
        else if (form->id == QLatin1String("consent"))
            r = submit(nam, pageUrl, *form, QStringLiteral("lab_consent"), choices.consent);
        else {
            result.failure = QStringLiteral("unexpected form %1").arg(form->id);
            return result;
        }
    }
    result.failure = QStringLiteral("too many pages");
    return result;
}

// ---- Authorization code flow ----------------------------------------------------------------

struct CodeRequest
{
    QString clientId = QString::fromLatin1(lanyard::lab::builtin::kLanyardClientId);
    QString redirectUri = QStringLiteral("http://127.0.0.1:43117/callback");
    QString scope;
    QString tenant; // empty: the tenant GUID
    QString state = lanyard::crypto::randomUrlSafe(16);
    QString nonce = lanyard::crypto::randomUrlSafe(16);
    QString verifier = lanyard::crypto::pkce::verifier();
    FormParams extra; // more authorize parameters

    QUrl authorizeUrl(const lanyard::lab::IdentityProvider& idp) const
    {
        FormParams p { { QStringLiteral("client_id"), clientId },
            { QStringLiteral("response_type"), QStringLiteral("code") },
            { QStringLiteral("redirect_uri"), redirectUri }, { QStringLiteral("scope"), scope },
            { QStringLiteral("state"), state }, { QStringLiteral("nonce"), nonce },
            { QStringLiteral("code_challenge"), lanyard::crypto::pkce::challengeS256(verifier) },
            { QStringLiteral("code_challenge_method"), QStringLiteral("S256") } };
        for (const auto& item : extra.items())
            p.append(item.first, item.second);
        QUrl url = idp.authorizeUrl(tenant);
        url.setQuery(p.encode(), QUrl::StrictMode);
        return url;
    }
};

struct Tokens
{
    HttpResult http;
    json body;
    QString accessToken;
    QString idToken;
    QString refreshToken;
    bool ok() const { return http.status == 200 && !accessToken.isEmpty(); }
};

inline Tokens toTokens(const HttpResult& http)
{
    Tokens t;
    t.http = http;
    t.body = http.object();
    t.accessToken = lanyard::qs(t.body, "access_token");
    t.idToken = lanyard::qs(t.body, "id_token");
    t.refreshToken = lanyard::qs(t.body, "refresh_token");
    return t;
}

inline Tokens redeemCode(QNetworkAccessManager& nam, const lanyard::lab::IdentityProvider& idp, const CodeRequest& req,
    const QString& code, const FormParams& extra = {})
{
    FormParams form { { QStringLiteral("grant_type"), QStringLiteral("authorization_code") },
        { QStringLiteral("client_id"), req.clientId }, { QStringLiteral("code"), code },
        { QStringLiteral("redirect_uri"), req.redirectUri }, { QStringLiteral("code_verifier"), req.verifier } };
    for (const auto& item : extra.items())
        form.append(item.first, item.second);
    return toTokens(postForm(nam, idp.tokenUrl(req.tenant), form));
}

inline Tokens refresh(QNetworkAccessManager& nam, const lanyard::lab::IdentityProvider& idp, const QString& clientId,
    const QString& refreshToken, const QString& scope, const FormParams& extra = {})
{
    FormParams form { { QStringLiteral("grant_type"), QStringLiteral("refresh_token") },
        { QStringLiteral("client_id"), clientId }, { QStringLiteral("refresh_token"), refreshToken } };
    if (!scope.isEmpty())
        form.append(QStringLiteral("scope"), scope);
    for (const auto& item : extra.items())
        form.append(item.first, item.second);
    return toTokens(postForm(nam, idp.tokenUrl(), form));
}

// Signs `username` in through the pages and redeems the code: the whole public-client flow.
inline Tokens signIn(QNetworkAccessManager& nam, const lanyard::lab::IdentityProvider& idp, const QString& username,
    const QString& scope, CodeRequest req = {})
{
    req.scope = scope;
    const SignInResult browsed = browse(nam, req.authorizeUrl(idp), BrowserChoices { username });
    if (!browsed.ok || browsed.param(QStringLiteral("code")).isEmpty())
        return {};
    return redeemCode(nam, idp, req, browsed.param(QStringLiteral("code")));
}

// The AADSTS number of an Entra-shaped error body (0 if none).
inline int aadsts(const json& body)
{
    if (!body.is_object() || !body.contains("error_codes") || !body["error_codes"].is_array()
        || body["error_codes"].empty())
        return 0;
    return body["error_codes"][0].get<int>();
}

} // namespace labtest
