// SPDX-License-Identifier: MIT
#include "auth/KeySets.h"

#include "auth/HttpClient.h"
#include "util/Logging.h"

#include <QPointer>

namespace lanyard::auth {

struct KeySetRegistry::Entry
{
    explicit Entry(qint64 minRefetch, const Clock* clock) : cache(minRefetch, clock) {}
    crypto::JwksCache cache;
    bool fetching = false;
    int fetches = 0;
    Error lastError;
    std::vector<std::function<void()>> waiting; // run when the fetch in flight ends
};

KeySetRegistry::KeySetRegistry(HttpClient* http, const Clock* clock, QObject* parent)
    : QObject(parent), m_http(http), m_clock(clock)
{
}

KeySetRegistry::~KeySetRegistry() = default;

int KeySetRegistry::fetchCount(const QUrl& jwksUri) const
{
    const auto it = m_entries.constFind(jwksUri.toString());
    return it == m_entries.constEnd() ? 0 : (*it)->fetches;
}

void KeySetRegistry::forget(const QUrl& jwksUri)
{
    m_entries.remove(jwksUri.toString());
}

KeySetRegistry::Entry* KeySetRegistry::entry(const QUrl& jwksUri)
{
    auto& e = m_entries[jwksUri.toString()];
    if (!e)
        e = std::make_shared<Entry>(m_minRefetchSecs, m_clock);
    return e.get();
}

void KeySetRegistry::fetch(const QUrl& jwksUri)
{
    Entry* current = entry(jwksUri);
    if (current->fetching)
        return;
    current->fetching = true;
    ++current->fetches;
    std::shared_ptr<Entry> keep = m_entries.value(jwksUri.toString());
    m_http->get(jwksUri, {}, this, [this, jwksUri, keep](const HttpResponse& r) {
        Entry* e = keep.get();
        e->fetching = false;
        e->lastError = Error();
        if (!r.ok()) {
            e->lastError = r.error;
            e->lastError.message = tr("Could not fetch the signing keys of the identity provider: %1").arg(r.error.message);
        } else if (r.status != 200) {
            e->lastError = Error(Error::Kind::Auth,
                                 tr("The identity provider's key set (%1) answered HTTP %2. Try again later.")
                                     .arg(jwksUri.host())
                                     .arg(r.status));
        } else {
            QString why;
            auto keys = crypto::Jwks::fromBytes(r.body, &why);
            if (!keys) {
                e->lastError = Error(Error::Kind::Protocol,
                                     tr("The identity provider's key set (%1) is not readable: %2").arg(jwksUri.host(), why));
            } else {
                qCInfo(lcAuth).noquote() << "key set of" << jwksUri.host() << "has" << keys->size() << "usable keys";
                e->cache.setKeys(std::move(*keys));
            }
        }
        auto waiting = std::move(e->waiting);
        e->waiting.clear();
        for (auto& w : waiting)
            w();
    });
}

void KeySetRegistry::verify(const QUrl& jwksUri, const QByteArray& token, const crypto::VerifyOptions& options,
                            QObject* context, Callback done)
{
    QPointer<QObject> guard(context);
    auto finish = [guard, done](const crypto::VerifyResult& r, const Error& e) {
        if (guard)
            done(r, e);
    };
    if (!jwksUri.isValid() || jwksUri.isEmpty()) {
        crypto::VerifyResult r;
        finish(r, Error(Error::Kind::Config, tr("The identity provider publishes no signing keys (no jwks_uri), so its "
                                                "tokens cannot be checked.")));
        return;
    }
    std::shared_ptr<Entry> keep = m_entries.value(jwksUri.toString());
    if (!keep) {
        entry(jwksUri);
        keep = m_entries.value(jwksUri.toString());
    }
    // One attempt; after a refetch for an unknown kid the token is verified once more, never refetched again.
    auto attempt = std::make_shared<std::function<void(bool)>>();
    std::weak_ptr<std::function<void(bool)>> weak = attempt;
    *attempt = [this, jwksUri, token, options, keep, finish, weak](bool mayRefetch) {
        if (!keep->cache.hasKeys()) {
            crypto::VerifyResult r;
            finish(r, keep->lastError.isError() ? keep->lastError
                                                : Error(Error::Kind::Auth, tr("No signing keys are available.")));
            return;
        }
        crypto::VerifyResult r = crypto::verifyJwt(token, keep->cache.keys(), options);
        if (!r.ok && r.failure == crypto::VerifyFailure::UnknownKid && mayRefetch
            && (keep->fetching || keep->cache.tryBeginRefetch())) {
            qCInfo(lcAuth) << "token names an unknown key; fetching the key set again";
            keep->waiting.push_back([strong = weak.lock()] {
                if (strong)
                    (*strong)(false);
            });
            fetch(jwksUri);
            return;
        }
        finish(r, Error());
    };
    if (!keep->cache.hasKeys()) {
        keep->waiting.push_back([attempt] { (*attempt)(false); });
        if (!keep->fetching) {
            keep->cache.tryBeginRefetch();
            fetch(jwksUri);
        }
        return;
    }
    (*attempt)(true);
}

} // namespace lanyard::auth
