// SPDX-License-Identifier: MIT
#pragma once

#include "util/Error.h"
#include "util/Secret.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPair>
#include <QUrl>

#include <functional>

namespace lanyard {

// What the server said when it refused us (parsed WWW-Authenticate).
struct AuthChallenge
{
    int httpStatus = 0;                  // 401 or 403
    QByteArray wwwAuthenticate;          // raw header value
    QString error;                       // invalid_token, insufficient_scope, insufficient_claims
    QString scope;
    QUrl resourceMetadata;
    QString claims;                      // base64 claims challenge (CAE)
};

// Supplies request headers for one MCP server and reacts to 401/403.
// The HTTP transport calls this in exactly one place. Identity strategies implement it.
class TokenProvider : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    ~TokenProvider() override = default;

    using HeadersCallback = std::function<void(const QList<QPair<QByteArray, QByteArray>>& headers, const Error& error)>;

    // Headers to attach (e.g. Authorization). Asynchronous: may sign in, refresh or exchange first.
    // The callback runs on the caller's thread, once.
    virtual void headersFor(const QUrl& requestUrl, HeadersCallback callback) = 0;
    // The server refused the request. Return true if a retry makes sense (new token obtained
    // asynchronously; callback(true) when ready), false to give up. Called at most once per request.
    virtual void handleChallenge(const AuthChallenge& challenge, std::function<void(bool retry, const Error& error)> callback)
    {
        Q_UNUSED(challenge);
        callback(false, Error());
    }
    virtual QString strategyName() const = 0;
};

// Static headers (auth "none" with extra headers, or "bearer").
class StaticHeadersProvider : public TokenProvider
{
    Q_OBJECT
public:
    explicit StaticHeadersProvider(QList<QPair<QByteArray, QByteArray>> headers, QString name = QStringLiteral("none"),
                                   QObject* parent = nullptr)
        : TokenProvider(parent), m_headers(std::move(headers)), m_name(std::move(name)) {}
    void headersFor(const QUrl&, HeadersCallback callback) override { callback(m_headers, Error()); }
    QString strategyName() const override { return m_name; }

private:
    QList<QPair<QByteArray, QByteArray>> m_headers;
    QString m_name;
};

} // namespace lanyard
