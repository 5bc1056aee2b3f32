// SPDX-License-Identifier: MIT
#pragma once

// The identity lab in-process for the identity integration tests: the Entra-like IdP and the
// RFC 8693 token service (IdentityLab), the HR demo server taking token-service tokens, the docs
// demo server taking IdP tokens directly, and a scripted browser that signs in through the IdP's
// HTML pages with QNetworkAccessManager, like a person clicking.

#include "AuthTestSupport.h"

#include "auth/BrowserLauncher.h"
#include "http/HttpServer.h"
#include "idp/IdentityProvider.h"
#include "idp/Scenario.h"
#include "mcp/DemoServers.h"
#include "sts/IdentityLab.h"
#include "sts/JwtValidator.h"
#include "sts/TokenService.h"
#include "util/Clock.h"

#include <QNetworkCookieJar>
#include <QRegularExpression>
#include <QTest>

#include <memory>

namespace authtest {

// Signs in through the lab IdP's pages: picks `username`, answers MFA and consent, and follows
// the final redirect to the loopback listener. Runs after the launcher returns (like a browser).
class LabBrowser : public QObject
{
public:
    QNetworkAccessManager nam;
    QString username = QStringLiteral("ada@lanyardlab.onmicrosoft.com");
    QString mfa = QStringLiteral("approve");
    QString consent = QStringLiteral("accept");
    bool neverFinish = false;       // opens the page and walks away
    int opened = 0;
    QStringList pages;              // form ids seen, all sign-ins
    QList<QUrl> authorizationUrls;
    QList<QUrl> redirects;          // final redirects to the loopback listener (carry code + state)
    QString failure;

    lanyard::auth::BrowserLauncher launcher()
    {
        return [this](const QUrl& url, QString*) {
            ++opened;
            authorizationUrls << url;
            if (!neverFinish)
                QTimer::singleShot(0, this, [this, url] { browse(url); });
            return true;
        };
    }

    void browse(const QUrl& start)
    {
        QUrl page = start;
        Http r = send(nam, "GET", start);
        for (int step = 0; step < 8; ++step) {
            if (r.status == 302 || r.status == 303) {
                const QUrl loc = r.location;
                if (loc.host() == QLatin1String("127.0.0.1") || loc.host() == QLatin1String("localhost")) {
                    if (loc.port() != page.port() || loc.path().startsWith(QLatin1String("/callback"))) {
                        redirects << loc;
                        send(nam, "GET", loc);
                        return;
                    }
                }
                page = loc;
                r = send(nam, "GET", loc);
                continue;
            }
            if (r.status != 200) {
                failure = QStringLiteral("HTTP %1 on %2").arg(r.status).arg(page.path());
                return;
            }
            static const QRegularExpression formRe(QStringLiteral("<form\\b([^>]*)>(.*?)</form>"),
                                                   QRegularExpression::DotMatchesEverythingOption);
            static const QRegularExpression attrRe(QStringLiteral("\\b([a-z_-]+)=\"([^\"]*)\""));
            static const QRegularExpression inputRe(QStringLiteral("<input\\b([^>]*)>"));
            const auto m = formRe.match(QString::fromUtf8(r.body));
            if (!m.hasMatch()) {
                failure = QStringLiteral("no form on %1").arg(page.path());
                return;
            }
            auto attrs = [](const QString& text) {
                QMap<QString, QString> out;
                auto it = attrRe.globalMatch(text);
                while (it.hasNext()) {
                    const auto a = it.next();
                    QString v = a.captured(2);
                    v.replace(QLatin1String("&quot;"), QLatin1String("\""));
                    v.replace(QLatin1String("&#39;"), QLatin1String("'"));
                    v.replace(QLatin1String("&lt;"), QLatin1String("<"));
                    v.replace(QLatin1String("&gt;"), QLatin1String(">"));
                    v.replace(QLatin1String("&amp;"), QLatin1String("&"));
                    out.insert(a.captured(1), v);
                }
                return out;
            };
            const auto form = attrs(m.captured(1));
            const QString id = form.value(QStringLiteral("id"));
            pages << id;
            lanyard::auth::FormFields fields;
            auto inputs = inputRe.globalMatch(m.captured(2));
            while (inputs.hasNext()) {
                const auto a = attrs(inputs.next().captured(1));
                if (a.value(QStringLiteral("type")) == QLatin1String("hidden"))
                    fields.append({a.value(QStringLiteral("name")), a.value(QStringLiteral("value"))});
            }
            if (id == QLatin1String("signin"))
                fields.append({QStringLiteral("lab_login"), username});
            else if (id == QLatin1String("mfa"))
                fields.append({QStringLiteral("lab_mfa"), mfa});
            else if (id == QLatin1String("consent"))
                fields.append({QStringLiteral("lab_consent"), consent});
            else {
                failure = QStringLiteral("unexpected page %1").arg(id);
                return;
            }
            page = page.resolved(QUrl(form.value(QStringLiteral("action"))));
            r = send(nam, "POST", page, lanyard::auth::HttpClient::encodeForm(fields), "application/x-www-form-urlencoded");
        }
        failure = QStringLiteral("too many pages");
    }
};

// The lab: IdP + token service + HR (token-service tokens) + docs (IdP tokens), all on loopback.
struct LabFixture
{
    lanyard::ManualClock clock{QDateTime::currentDateTimeUtc()};
    std::unique_ptr<lanyard::lab::IdentityLab> lab;
    lanyard::lab::HttpServer hrHttp;
    lanyard::lab::HttpServer docsHttp;
    std::unique_ptr<lanyard::lab::HrDemoServer> hr;
    std::unique_ptr<lanyard::lab::DocsDemoServer> docs;
    lanyard::lab::JwtValidator* hrValidator = nullptr;
    lanyard::lab::JwtValidator* docsValidator = nullptr;
    int hrRequestsWithToken = 0;

    bool start(bool useManualClock = true)
    {
        const lanyard::Clock* c = useManualClock ? static_cast<const lanyard::Clock*>(&clock) : nullptr;
        lab = std::make_unique<lanyard::lab::IdentityLab>(lanyard::lab::Scenario::builtIn(), c);
        QString error;
        if (!lab->start(0, 0, &error)) {
            qWarning() << "lab:" << error;
            return false;
        }
        hr = std::make_unique<lanyard::lab::HrDemoServer>();
        hr->attach(&hrHttp);
        if (!hrHttp.listen(0, &error))
            return false;
        docs = std::make_unique<lanyard::lab::DocsDemoServer>();
        docs->attach(&docsHttp);
        if (!docsHttp.listen(0, &error))
            return false;
        const QString hrResource = hr->endpointUrl().toString();
        const QString docsResource = docs->endpointUrl().toString();
        lab->registerServer(QStringLiteral("hr"), hrResource);
        lab->registerServer(QStringLiteral("docs"), docsResource);
        hr->mutableOptions().authorizationServers = {lab->tokenServiceIssuer()};
        hr->mutableOptions().scopesSupported = {QStringLiteral("HR.Read"), QStringLiteral("HR.Write")};

        auto hrConfig = lab->tokenServiceValidatorConfig(hrResource, hr->resourceMetadataUrl().toString());
        hrConfig.clock = c;
        hrValidator = new lanyard::lab::JwtValidator(hrConfig, hr.get());
        hrValidator->prefetchKeys();
        hr->setAuthHook(hookFor(hrValidator, &hrRequestsWithToken));

        auto docsConfig = lab->entraValidatorConfig(QStringLiteral("lab-docs"), docs->resourceMetadataUrl().toString());
        docsConfig.clock = c;
        docsValidator = new lanyard::lab::JwtValidator(docsConfig, docs.get());
        docsValidator->prefetchKeys();
        docs->mutableOptions().scopePrefix = QStringLiteral("api://lab-docs/");
        docs->setAuthHook(hookFor(docsValidator, nullptr));
        // Let the validators fetch their keys.
        QTest::qWait(200);
        return true;
    }

    static lanyard::lab::AuthHook hookFor(lanyard::lab::JwtValidator* v, int* counter)
    {
        return [v, counter](const lanyard::lab::Request& request) {
            const QByteArray authorization = request.header("Authorization");
            if (counter && !authorization.isEmpty())
                ++*counter;
            const lanyard::lab::JwtValidation result = v->validateCached(authorization);
            if (!result.ok) {
                lanyard::lab::AuthDecision d = lanyard::lab::AuthDecision::deny(result.status, result.error.toUtf8(),
                                                                                result.errorDescription.toUtf8());
                d.wwwAuthenticate = result.wwwAuthenticate;
                return d;
            }
            return lanyard::lab::AuthDecision::allow(result.claims);
        };
    }

    QString authority() const { return lab->authority().toString(); }
    QString clientId() const { return lab->lanyardClientId(); }
};

} // namespace authtest
