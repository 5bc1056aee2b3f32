// SPDX-License-Identifier: MIT
#include "auth/Identity.h"
#include "auth/Strategies.h"

namespace lanyard::auth {

bool CrossAppAccessStrategy::configure(Error* error)
{
    Q_UNUSED(error);
    return true;
}

TokenKey CrossAppAccessStrategy::cacheKey() const
{
    TokenKey k;
    k.issuer = QStringLiteral("xaa");
    k.audience = canonicalResource(m_server.url);
    return k;
}

void CrossAppAccessStrategy::acquire(const Need& need, Done done)
{
    Q_UNUSED(need);
    done(nullptr, Error(Error::Kind::Auth, tr("The \"cross-app-access\" auth type is not available in this build yet.")));
}

QStringList CrossAppAccessStrategy::expectedAudiences() const
{
    return {};
}

bool CrossAppAccessStrategy::addScopes(const QStringList& scopes)
{
    Q_UNUSED(scopes);
    return false;
}

} // namespace lanyard::auth
