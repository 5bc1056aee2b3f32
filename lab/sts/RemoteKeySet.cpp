// SPDX-License-Identifier: MIT
#include "sts/RemoteKeySet.h"

#include "util/Logging.h"

#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>

namespace lanyard::lab {

namespace {
constexpr qint64 kMaxJwksBytes = 256 * 1024;
}

RemoteKeySet::RemoteKeySet(const QUrl& jwksUrl, qint64 minRefetchIntervalSecs, const Clock* clock, QObject* parent)
    : QObject(parent)
    , m_url(jwksUrl)
    , m_cache(minRefetchIntervalSecs, clock)
    , m_network(new QNetworkAccessManager(this))
{
    m_network->setProxy(QNetworkProxy::NoProxy);
}

RemoteKeySet::~RemoteKeySet() = default;

void RemoteKeySet::keys(bool refresh, QObject* context, KeysCallback callback)
{
    const bool needFetch = !m_cache.hasKeys() || (refresh && !m_inFlight && m_cache.tryBeginRefetch());
    if (!needFetch && !m_inFlight) {
        callback(&m_cache.keys(), QString());
        return;
    }
    m_waiting.push_back(Waiter { context, std::move(callback) });
    if (!m_inFlight)
        startFetch();
}

void RemoteKeySet::startFetch()
{
    m_inFlight = true;
    ++m_fetchCount;
    QNetworkRequest request(m_url);
    request.setTransferTimeout(m_timeoutMs);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    request.setRawHeader("Accept", "application/json");
    QNetworkReply* reply = m_network->get(request);
    connect(reply, &QNetworkReply::finished, this, [this, reply] {
        reply->deleteLater();
        m_inFlight = false;
        QString error;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QByteArray body = reply->read(kMaxJwksBytes + 1);
        if (reply->error() != QNetworkReply::NoError && status == 0) {
            error
                = QStringLiteral("could not fetch the key set from %1: %2").arg(m_url.toString(), reply->errorString());
        } else if (status != 200) {
            error = QStringLiteral("the key set at %1 answered HTTP %2").arg(m_url.toString()).arg(status);
        } else if (body.size() > kMaxJwksBytes) {
            error = QStringLiteral("the key set at %1 is larger than 256 KiB").arg(m_url.toString());
        } else {
            QString why;
            auto jwks = crypto::Jwks::fromBytes(body, &why);
            if (!jwks)
                error = QStringLiteral("the key set at %1 is not usable: %2").arg(m_url.toString(), why);
            else
                m_cache.setKeys(std::move(*jwks));
        }
        m_lastError = error;
        if (!error.isEmpty())
            qCWarning(lcLab).noquote() << "jwks:" << error;
        emit fetchFinished(error.isEmpty());
        std::vector<Waiter> waiting;
        waiting.swap(m_waiting);
        for (Waiter& w : waiting) {
            if (!w.context)
                continue;
            if (error.isEmpty() || m_cache.hasKeys())
                w.callback(&m_cache.keys(), error.isEmpty() ? QString() : error);
            else
                w.callback(nullptr, error);
        }
    });
}

void RemoteKeySet::verify(
    const QByteArray& token, const crypto::VerifyOptions& options, QObject* context, VerifyCallback callback)
{
    QPointer<RemoteKeySet> self(this);
    QPointer<QObject> guard(context);
    auto finishWithFetchError = [callback](const QString& error) {
        crypto::VerifyResult r;
        r.ok = false;
        r.failure = crypto::VerifyFailure::UnknownKid;
        r.message = QStringLiteral("The issuer's signing keys are not available (%1). Try again later.").arg(error);
        callback(r);
    };
    keys(false, context,
        [self, guard, token, options, callback, finishWithFetchError](const crypto::Jwks* keys, const QString& error) {
            if (!keys) {
                finishWithFetchError(error);
                return;
            }
            crypto::VerifyResult first = crypto::verifyJwt(token, *keys, options);
            if (first.ok || first.failure != crypto::VerifyFailure::UnknownKid || !self || !guard) {
                callback(first);
                return;
            }
            // Unknown kid: the issuer may have rotated. Refetch once (rate-limited) and try again.
            self->keys(true, guard, [token, options, callback, first](const crypto::Jwks* fresh, const QString&) {
                callback(fresh ? crypto::verifyJwt(token, *fresh, options) : first);
            });
        });
}

} // namespace lanyard::lab
