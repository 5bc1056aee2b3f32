// SPDX-License-Identifier: MIT
#include "auth/HttpClient.h"

#include "transport/FastNetworkAccessManager.h"
#include "util/Logging.h"
#include "util/Redact.h"

#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

#include <memory>

namespace lanyard::auth {

namespace {
constexpr qsizetype kMaxLoggedBody = 4096;

QByteArray clip(QByteArray b)
{
    if (b.size() > kMaxLoggedBody) {
        b.truncate(kMaxLoggedBody);
        b += "…";
    }
    return b;
}
} // namespace

json HttpExchange::toJson() const
{
    json j{{"method", ss(method)}, {"url", ss(url)}, {"status", status}, {"durationMs", durationMs}};
    if (!requestBody.isEmpty())
        j["request"] = ss(QString::fromUtf8(requestBody));
    if (!responseBody.isEmpty())
        j["response"] = ss(QString::fromUtf8(responseBody));
    if (!contentType.isEmpty())
        j["contentType"] = ss(contentType);
    if (!error.isEmpty())
        j["error"] = ss(error);
    return j;
}

QString HttpExchange::summary() const
{
    const QString outcome = status > 0 ? QString::number(status) : (error.isEmpty() ? QStringLiteral("no answer") : error);
    return QStringLiteral("%1 %2 → %3 (%4 ms)").arg(method, url, outcome).arg(durationMs);
}

QByteArray HttpResponse::header(const QByteArray& name) const
{
    for (const auto& h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

bool HttpResponse::isJson() const
{
    const QByteArray ct = contentType.toLower();
    return ct.startsWith("application/json") || (ct.startsWith("application/") && ct.contains("+json"));
}

HttpClient::HttpClient(QNetworkAccessManager* network, QObject* parent)
    : QObject(parent), m_network(network ? network : new FastNetworkAccessManager(this))
{
}

QByteArray HttpClient::encodeForm(const FormFields& form)
{
    QByteArray out;
    for (const auto& [key, value] : form) {
        if (!out.isEmpty())
            out += '&';
        out += QUrl::toPercentEncoding(key) + '=' + QUrl::toPercentEncoding(value);
    }
    return out;
}

FormFields HttpClient::decodeForm(const QByteArray& body)
{
    FormFields out;
    for (const QByteArray& part : body.split('&')) {
        if (part.isEmpty())
            continue;
        const qsizetype eq = part.indexOf('=');
        QByteArray k = eq < 0 ? part : part.left(eq);
        QByteArray v = eq < 0 ? QByteArray() : part.mid(eq + 1);
        k.replace('+', ' ');
        v.replace('+', ' ');
        out.append({QString::fromUtf8(QByteArray::fromPercentEncoding(k)), QString::fromUtf8(QByteArray::fromPercentEncoding(v))});
    }
    return out;
}

void HttpClient::get(const QUrl& url, const HttpHeaders& headers, QObject* context, Callback done, bool followRedirects)
{
    send("GET", url, {}, {}, headers, followRedirects, context, std::move(done));
}

void HttpClient::getFirst(const QList<QUrl>& urls, const HttpHeaders& headers, QObject* context,
                          std::function<bool(const HttpResponse&)> accept, std::function<void(bool)> done, int index)
{
    if (index >= urls.size()) {
        done(false);
        return;
    }
    QPointer<HttpClient> self(this);
    get(urls[index], headers, context, [self, urls, headers, context, accept, done, index](const HttpResponse& r) {
        if (accept(r)) {
            done(true);
            return;
        }
        if (self)
            self->getFirst(urls, headers, context, accept, done, index + 1);
        else
            done(false); // the client is gone: the caller still gets its answer
    });
}

void HttpClient::postForm(const QUrl& url, const FormFields& form, const HttpHeaders& headers, QObject* context, Callback done)
{
    send("POST", url, encodeForm(form), "application/x-www-form-urlencoded", headers, false, context, std::move(done));
}

void HttpClient::postJson(const QUrl& url, const json& body, const HttpHeaders& headers, QObject* context, Callback done)
{
    send("POST", url, dumpJson(body), "application/json", headers, false, context, std::move(done));
}

void HttpClient::send(const QByteArray& method, const QUrl& url, const QByteArray& body, const QByteArray& contentType,
                      const HttpHeaders& headers, bool followRedirects, QObject* context, Callback done)
{
    QNetworkRequest request(url);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         followRedirects ? QNetworkRequest::NoLessSafeRedirectPolicy : QNetworkRequest::ManualRedirectPolicy);
    request.setMaximumRedirectsAllowed(5);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    request.setRawHeader("Accept", "application/json");
    request.setRawHeader("User-Agent", "Lanyard");
    if (!contentType.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, contentType);
    for (const auto& h : headers)
        request.setRawHeader(h.first, h.second);

    QNetworkReply* reply = method == "GET" ? m_network->get(request) : m_network->sendCustomRequest(request, method, body);

    auto timer = std::make_shared<QElapsedTimer>();
    timer->start();
    auto exchange = std::make_shared<HttpExchange>();
    exchange->method = QString::fromLatin1(method);
    exchange->url = redact::url(url);
    if (!body.isEmpty())
        exchange->requestBody = clip(contentType.startsWith("application/x-www-form-urlencoded") ? redact::formBody(body)
                                                                                                  : redact::jsonText(body));
    auto received = std::make_shared<QByteArray>();
    auto tooLarge = std::make_shared<bool>(false);
    auto timedOut = std::make_shared<bool>(false);
    QPointer<QObject> guard(context ? context : this);
    const bool guarded = context != nullptr;
    QPointer<HttpClient> self(this);

    auto* watchdog = new QTimer(reply);
    watchdog->setSingleShot(true);
    connect(watchdog, &QTimer::timeout, reply, [reply, timedOut] {
        *timedOut = true;
        reply->abort();
    });
    watchdog->start(m_timeoutMs);

    const qint64 maxBytes = m_maxBytes;
    connect(reply, &QNetworkReply::readyRead, reply, [reply, received, tooLarge, maxBytes] {
        *received += reply->readAll();
        if (received->size() > maxBytes) {
            *tooLarge = true;
            reply->abort();
        }
    });
    ++m_pending;
    connect(reply, &QNetworkReply::finished, reply, [=, done = std::move(done)] {
        reply->deleteLater();
        if (self && --self->m_pending == 0)
            QTimer::singleShot(0, self.data(), [self] {
                if (self && self->m_pending == 0)
                    emit self->idle();
            });
        *received += reply->readAll();
        HttpResponse r;
        r.url = url;
        r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        r.body = *received;
        r.contentType = reply->header(QNetworkRequest::ContentTypeHeader).toByteArray();
        r.headers = reply->rawHeaderPairs();
        exchange->durationMs = timer->elapsed();
        exchange->status = r.status;
        exchange->contentType = QString::fromLatin1(r.contentType).left(100);
        const QString host = url.host();
        if (*timedOut) {
            r.error = Error(Error::Kind::Timeout,
                            QObject::tr("%1 did not answer within %2 seconds. Check the network and try again.")
                                .arg(host)
                                .arg(watchdog->interval() / 1000),
                            0, redact::url(url));
            exchange->error = QStringLiteral("timeout");
        } else if (*tooLarge) {
            r.error = Error(Error::Kind::TooLarge,
                            QObject::tr("%1 sent an answer larger than %2 KiB; Lanyard stopped reading it.")
                                .arg(host)
                                .arg(maxBytes / 1024),
                            0, redact::url(url));
            exchange->error = QStringLiteral("too large");
        } else if (r.status == 0) {
            r.error = Error(Error::Kind::Connection,
                            QObject::tr("Cannot reach %1: %2. Check the address and that the service is running.")
                                .arg(host, reply->errorString()),
                            0, redact::url(url));
            exchange->error = redact::text(reply->errorString()).left(200);
        }
        if (r.status > 0) {
            const bool isForm = r.contentType.startsWith("application/x-www-form-urlencoded");
            exchange->responseBody = clip(isForm ? redact::formBody(r.body) : redact::jsonText(r.body));
        }
        r.exchange = *exchange;
        qCDebug(lcAuth).noquote() << "http:" << exchange->summary();
        if (self)
            emit self->exchangeFinished(*exchange);
        if (guarded && !guard)
            return;
        done(r);
    });
}

} // namespace lanyard::auth
