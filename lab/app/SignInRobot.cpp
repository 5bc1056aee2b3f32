// SPDX-License-Identifier: MIT
#include "SignInRobot.h"

#include <QEventLoop>
#include <QMap>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QTimer>
#include <QUrlQuery>

namespace lanyard::lab {

namespace {

QString unescapeHtml(QString value)
{
    value.replace(QLatin1String("&quot;"), QLatin1String("\""));
    value.replace(QLatin1String("&#39;"), QLatin1String("'"));
    value.replace(QLatin1String("&lt;"), QLatin1String("<"));
    value.replace(QLatin1String("&gt;"), QLatin1String(">"));
    value.replace(QLatin1String("&amp;"), QLatin1String("&"));
    return value;
}

QMap<QString, QString> attributes(const QString& tagText)
{
    static const QRegularExpression attributeRe(QStringLiteral("\\b([a-z_-]+)=\"([^\"]*)\""));
    QMap<QString, QString> out;
    auto it = attributeRe.globalMatch(tagText);
    while (it.hasNext()) {
        const auto m = it.next();
        out.insert(m.captured(1), unescapeHtml(m.captured(2)));
    }
    return out;
}

bool isLoopback(const QUrl& url)
{
    return url.host() == QLatin1String("127.0.0.1") || url.host() == QLatin1String("localhost")
        || url.host() == QLatin1String("::1");
}

QString pageText(const QByteArray& html)
{
    QString text = QString::fromUtf8(html);
    text.remove(
        QRegularExpression(QStringLiteral("<style.*?</style>"), QRegularExpression::DotMatchesEverythingOption));
    text.remove(QRegularExpression(QStringLiteral("<[^>]*>")));
    return unescapeHtml(text.simplified()).left(300);
}

} // namespace

SignInRobot::Page SignInRobot::send(const QByteArray& method, const QUrl& url, const QByteArray& form)
{
    QNetworkRequest request(url);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    request.setTransferTimeout(15000);
    QNetworkReply* reply = nullptr;
    if (method == "POST") {
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/x-www-form-urlencoded"));
        reply = m_network.post(request, form);
    } else {
        reply = m_network.get(request);
    }
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    Page page;
    page.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    page.body = reply->readAll();
    const QByteArray location = reply->rawHeader("Location");
    if (!location.isEmpty())
        page.location = url.resolved(QUrl::fromEncoded(location));
    if (page.status == 0)
        page.error = reply->errorString();
    reply->deleteLater();
    return page;
}

bool SignInRobot::run(const QUrl& authorizationUrl, const Choices& choices, QString* message)
{
    auto fail = [message](const QString& why) {
        if (message)
            *message = why;
        return false;
    };
    if (!authorizationUrl.isValid() || !authorizationUrl.scheme().startsWith(QLatin1String("http")))
        return fail(
            QStringLiteral("'%1' is not an http(s) address.").arg(authorizationUrl.toString(QUrl::RemoveQuery)));
    if (!isLoopback(authorizationUrl))
        return fail(
            QStringLiteral("the robot only signs in at the lab's own identity provider on 127.0.0.1, not at %1.")
                .arg(authorizationUrl.host()));

    static const QRegularExpression formRe(
        QStringLiteral("<form\\b([^>]*)>(.*?)</form>"), QRegularExpression::DotMatchesEverythingOption);
    static const QRegularExpression inputRe(QStringLiteral("<input\\b([^>]*)>"));

    QUrl current = authorizationUrl;
    Page page = send("GET", current);
    QStringList steps;
    for (int round = 0; round < 12; ++round) {
        if (page.status == 0)
            return fail(QStringLiteral("the identity provider did not answer: %1").arg(page.error));
        if (page.status == 301 || page.status == 302 || page.status == 303 || page.status == 307) {
            const QUrl next = page.location;
            const bool backToApp = isLoopback(next) && next.port() != authorizationUrl.port();
            if (backToApp) {
                const QUrlQuery query(next);
                const QString error = query.queryItemValue(QStringLiteral("error"));
                const Page app = send("GET", next); // the app learns the outcome either way
                if (!error.isEmpty())
                    return fail(QStringLiteral("the identity provider sent the app an error: %1 (%2)")
                                    .arg(error,
                                        query.queryItemValue(QStringLiteral("error_description"), QUrl::FullyDecoded)
                                            .section(QLatin1Char('\n'), 0, 0)));
                if (app.status == 0)
                    return fail(QStringLiteral("the app's loopback address did not answer: %1").arg(app.error));
                if (message)
                    *message = QStringLiteral("signed in as %1 (pages: %2); the app answered HTTP %3")
                                   .arg(choices.username, steps.join(QStringLiteral(", ")))
                                   .arg(app.status);
                return true;
            }
            current = next;
            page = send("GET", current);
            continue;
        }
        if (page.status != 200)
            return fail(
                QStringLiteral("the identity provider answered HTTP %1: %2").arg(page.status).arg(pageText(page.body)));
        const auto form = formRe.match(QString::fromUtf8(page.body));
        if (!form.hasMatch())
            return fail(QStringLiteral("no form on the page: %1").arg(pageText(page.body)));
        const auto formAttributes = attributes(form.captured(1));
        const QString id = formAttributes.value(QStringLiteral("id"));
        steps << id;
        QUrlQuery fields;
        auto inputs = inputRe.globalMatch(form.captured(2));
        while (inputs.hasNext()) {
            const auto input = attributes(inputs.next().captured(1));
            if (input.value(QStringLiteral("type")) == QLatin1String("hidden"))
                fields.addQueryItem(input.value(QStringLiteral("name")), input.value(QStringLiteral("value")));
        }
        if (id == QLatin1String("signin")) {
            if (!page.body.contains(QStringLiteral("value=\"%1\"").arg(choices.username.toHtmlEscaped()).toUtf8()))
                return fail(QStringLiteral("the sign-in page has no account %1 (see the 'user' lines lanyard-lab "
                                           "prints).")
                                .arg(choices.username));
            fields.addQueryItem(QStringLiteral("lab_login"), choices.username);
        } else if (id == QLatin1String("mfa")) {
            fields.addQueryItem(QStringLiteral("lab_mfa"), choices.mfa);
        } else if (id == QLatin1String("consent")) {
            fields.addQueryItem(QStringLiteral("lab_consent"), choices.consent);
        } else if (id != QLatin1String("response")) { // response: form_post back to the app
            return fail(QStringLiteral("unexpected page '%1'.").arg(id));
        }
        const QUrl action = current.resolved(QUrl(formAttributes.value(QStringLiteral("action"))));
        // application/x-www-form-urlencoded: '+' and '&' inside values must be encoded.
        QByteArray body;
        for (const auto& [name, value] : fields.queryItems(QUrl::FullyDecoded)) {
            if (!body.isEmpty())
                body += '&';
            body += QUrl::toPercentEncoding(name) + '=' + QUrl::toPercentEncoding(value);
        }
        if (id == QLatin1String("response")) {
            const Page app = send("POST", action, body);
            if (message)
                *message = QStringLiteral("signed in as %1 (form_post); the app answered HTTP %2")
                               .arg(choices.username)
                               .arg(app.status);
            return app.status != 0;
        }
        current = action;
        page = send("POST", current, body);
    }
    return fail(QStringLiteral("too many pages; giving up."));
}

} // namespace lanyard::lab
