// SPDX-License-Identifier: MIT
#include "auth/Identity.h"
#include "auth/Strategies.h"

namespace lanyard::auth {

bool EntraStrategy::configure(Error* error)
{
    const QString where = QStringLiteral("servers (\"%1\").auth").arg(m_server.name);
    m_scopes = list("scopes");
    const QString resource = str("resource");
    if (m_scopes.isEmpty() && !resource.isEmpty())
        m_scopes = {defaultScopeFor(resource)};
    if (m_scopes.isEmpty()) {
        *error = Error(Error::Kind::Config, tr("%1 needs \"scopes\" (e.g. [\"api://my-api/Read\"]) or \"resource\" (e.g. "
                                               "\"api://my-api\", for <resource>/.default).")
                                                .arg(where));
        return false;
    }
    if (scopeResources(m_scopes).size() > 1) {
        *error = Error(Error::Kind::Config, tr("%1.scopes name more than one resource; Entra ID issues a token for one "
                                               "resource at a time (AADSTS700022).")
                                                .arg(where));
        return false;
    }
    if (m_server.auth.raw.contains("resource") && m_server.auth.raw.contains("scopes") && !resource.isEmpty()
        && scopeResource(m_scopes.first()) != resource) {
        *error = Error(Error::Kind::Config, tr("%1: \"resource\" and \"scopes\" name different resources.").arg(where));
        return false;
    }
    m_audience = str("audience");
    return true;
}

TokenKey EntraStrategy::cacheKey() const
{
    TokenKey k;
    k.issuer = m_identity ? m_identity->account().issuer : QString();
    k.clientId = m_identity ? m_identity->settings().clientId : QString();
    k.subject = m_identity ? m_identity->account().subjectKey() : QString();
    k.audience = QStringLiteral("entra:") + scopeResource(m_scopes.first());
    k.scopes = m_scopes;
    return k;
}

QStringList EntraStrategy::expectedAudiences() const
{
    QStringList out;
    if (!m_audience.isEmpty())
        out << m_audience;
    for (const QString& r : scopeResources(m_scopes)) {
        out << r;
        // api://<app id GUID> is a common Application ID URI: v2 tokens then carry the bare GUID.
        if (r.startsWith(QLatin1String("api://")) && isGuid(r.mid(6)))
            out << r.mid(6);
        else if (isGuid(r))
            out << QStringLiteral("api://") + r;
    }
    return out;
}

bool EntraStrategy::addScopes(const QStringList& scopes)
{
    QStringList merged = unionScopes(m_scopes, scopes);
    if (merged == m_scopes || scopeResources(merged).size() > 1)
        return false;
    m_scopes = merged;
    return true;
}

void EntraStrategy::acquire(const Need& need, Done done)
{
    if (!m_identity) {
        done(nullptr, Error(Error::Kind::Internal, tr("No identity service.")));
        return;
    }
    IdentityManager::EntraTokenRequest r;
    r.scopes = m_scopes;
    r.server = m_server.name;
    r.strategy = name();
    r.claims = need.claims;
    r.forceRefresh = need.force;
    m_identity->entraToken(r, this, [done](const TokenPtr& t, const Error& e) { done(t, e); });
}

} // namespace lanyard::auth
