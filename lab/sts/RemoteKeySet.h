// SPDX-License-Identifier: MIT
#pragma once

#include "crypto/Jwks.h"
#include "crypto/Jwt.h"

#include <QObject>
#include <QPointer>
#include <QString>
#include <QUrl>

#include <functional>
#include <vector>

class QNetworkAccessManager;

namespace lanyard {
class Clock;
}

namespace lanyard::lab {

// An issuer's JWKS fetched over HTTP like a real relying party does it: fetched on first use,
// cached, refetched once (rate-limited) when a token names an unknown kid. Concurrent requests
// share one fetch. Loopback lab use: no proxy.
class RemoteKeySet : public QObject
{
    Q_OBJECT
public:
    // `clock` may be null (system clock) and must outlive this object.
    explicit RemoteKeySet(const QUrl& jwksUrl, qint64 minRefetchIntervalSecs = 5, const Clock* clock = nullptr,
        QObject* parent = nullptr);
    ~RemoteKeySet() override;

    QUrl url() const { return m_url; }
    void setTimeoutMs(int ms) { m_timeoutMs = ms; }
    // HTTP fetches started so far (successful or not).
    int fetchCount() const { return m_fetchCount; }
    bool hasKeys() const { return m_cache.hasKeys(); }
    const crypto::Jwks& cachedKeys() const { return m_cache.keys(); }

    using KeysCallback = std::function<void(const crypto::Jwks* keys, const QString& error)>;
    // Delivers the key set: the cached one, or a fresh fetch when there is none yet or when
    // `refresh` is set and the rate limit allows it. `context` guards the callback.
    void keys(bool refresh, QObject* context, KeysCallback callback);

    using VerifyCallback = std::function<void(const crypto::VerifyResult& result)>;
    // crypto::verifyJwt against this key set; on UnknownKid refetches once and tries again.
    // If the key set cannot be fetched, the result fails with UnknownKid and says why.
    void verify(
        const QByteArray& token, const crypto::VerifyOptions& options, QObject* context, VerifyCallback callback);

signals:
    void fetchFinished(bool ok);

private:
    void startFetch();

    QUrl m_url;
    crypto::JwksCache m_cache;
    QNetworkAccessManager* m_network;
    int m_timeoutMs = 5000;
    int m_fetchCount = 0;
    bool m_inFlight = false;
    struct Waiter
    {
        QPointer<QObject> context;
        KeysCallback callback;
    };
    std::vector<Waiter> m_waiting;
    QString m_lastError;
};

} // namespace lanyard::lab
