// SPDX-License-Identifier: MIT
#pragma once

#include "crypto/Jwks.h"
#include "crypto/Jwt.h"
#include "util/Error.h"

#include <QByteArray>
#include <QHash>
#include <QObject>
#include <QUrl>

#include <functional>
#include <memory>
#include <vector>

namespace lanyard {
class Clock;
}

namespace lanyard::auth {

class HttpClient;

// The JSON Web Key Sets of the issuers Lanyard checks tokens from (the ID token's issuer), fetched
// over HTTP, cached, and refetched once (rate-limited) when a token names an unknown kid, which is
// how a key rotation shows up.
class KeySetRegistry : public QObject
{
    Q_OBJECT
public:
    KeySetRegistry(HttpClient* http, const Clock* clock = nullptr, QObject* parent = nullptr);
    ~KeySetRegistry() override;

    // Minimum time between two fetches of one key set (default 60 s).
    void setMinRefetchSecs(qint64 secs) { m_minRefetchSecs = secs; }
    // How many times a key set was fetched (tests).
    int fetchCount(const QUrl& jwksUri) const;
    void forget(const QUrl& jwksUri);

    using Callback = std::function<void(const crypto::VerifyResult& result, const Error& error)>;
    // Verifies `token` against the key set at `jwksUri`. `error` is set when the key set could not
    // be fetched (then result.ok is false too). `context` guards the callback.
    void verify(const QUrl& jwksUri, const QByteArray& token, const crypto::VerifyOptions& options, QObject* context,
                Callback done);

private:
    struct Entry;
    Entry* entry(const QUrl& jwksUri);
    void fetch(const QUrl& jwksUri);

    HttpClient* m_http;
    const Clock* m_clock;
    qint64 m_minRefetchSecs = 60;
    QHash<QString, std::shared_ptr<Entry>> m_entries;
};

} // namespace lanyard::auth
