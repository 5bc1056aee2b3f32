// SPDX-License-Identifier: MIT
#pragma once

#include "util/Error.h"
#include "util/Json.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPair>
#include <QPointer>
#include <QString>
#include <QUrl>

#include <functional>

class QNetworkAccessManager;

namespace lanyard::auth {

using FormFields = QList<QPair<QString, QString>>;
using HttpHeaders = QList<QPair<QByteArray, QByteArray>>;

// One HTTP exchange as the lifecycle log and the traffic inspector show it: URL, form bodies and
// JSON answers with every secret masked (util/Redact.h). Never holds a token, code or verifier.
struct HttpExchange
{
    QString method;
    QString url;              // redacted
    int status = 0;           // 0: no answer
    qint64 durationMs = 0;
    QByteArray requestBody;   // redacted, at most 4 KiB
    QByteArray responseBody;  // redacted, at most 4 KiB
    QString contentType;
    QString error;            // network error text, if any

    json toJson() const;
    QString summary() const;  // "POST https://…/token → 400 (35 ms)"
};

struct HttpResponse
{
    int status = 0;
    QByteArray body;
    QByteArray contentType;
    HttpHeaders headers;
    QUrl url;
    Error error;              // Connection / Timeout / TooLarge when there was no usable answer
    HttpExchange exchange;

    bool ok() const { return !error.isError(); }
    QByteArray header(const QByteArray& name) const;
    bool isJson() const;
};

// Small asynchronous HTTP helper for the identity code: one callback per request, a timeout, a
// size limit, redirects only where asked for, and a redacted record of each exchange.
class HttpClient : public QObject
{
    Q_OBJECT
public:
    // `network` is shared, not owned; null = an own QNetworkAccessManager.
    explicit HttpClient(QNetworkAccessManager* network = nullptr, QObject* parent = nullptr);

    using Callback = std::function<void(const HttpResponse&)>;

    void setTimeoutMs(int ms) { m_timeoutMs = ms; }
    int timeoutMs() const { return m_timeoutMs; }
    void setMaxResponseBytes(qint64 bytes) { m_maxBytes = bytes; }
    QNetworkAccessManager* network() const { return m_network; }

    // `context` guards the callback: it is not called once `context` is gone.
    void get(const QUrl& url, const HttpHeaders& headers, QObject* context, Callback done, bool followRedirects = true);
    void postForm(const QUrl& url, const FormFields& form, const HttpHeaders& headers, QObject* context, Callback done);
    void postJson(const QUrl& url, const json& body, const HttpHeaders& headers, QObject* context, Callback done);

    // GETs `urls` one after the other until `accept` takes an answer; done(true) then, else done(false).
    void getFirst(const QList<QUrl>& urls, const HttpHeaders& headers, QObject* context,
                  std::function<bool(const HttpResponse&)> accept, std::function<void(bool found)> done, int index = 0);

    // application/x-www-form-urlencoded (every byte outside the unreserved set percent-encoded).
    static QByteArray encodeForm(const FormFields& form);
    // Reads such a body (used by tests and the loopback listener).
    static FormFields decodeForm(const QByteArray& body);

    // Requests sent and not finished yet. A program about to exit waits for idle() (briefly): Qt
    // leaks a request's internals when its QNetworkAccessManager goes while it is in flight.
    int pending() const { return m_pending; }

signals:
    void idle(); // pending() dropped to 0
    // After every exchange (for the traffic view); already redacted.
    void exchangeFinished(const lanyard::auth::HttpExchange& exchange);

private:
    void send(const QByteArray& method, const QUrl& url, const QByteArray& body, const QByteArray& contentType,
              const HttpHeaders& headers, bool followRedirects, QObject* context, Callback done);

    QNetworkAccessManager* m_network;
    int m_pending = 0;
    int m_timeoutMs = 30000;
    qint64 m_maxBytes = 1024 * 1024;
};

} // namespace lanyard::auth

Q_DECLARE_METATYPE(lanyard::auth::HttpExchange)
