// SPDX-License-Identifier: MIT
#include "auth/Identity.h"
#include "auth/SignIn.h"
#include "auth/Strategies.h"

namespace lanyard::auth {

struct OAuthStrategy::Discovered
{
};

OAuthStrategy::~OAuthStrategy() = default;

bool OAuthStrategy::configure(Error* error)
{
    Q_UNUSED(error);
    return true;
}

TokenKey OAuthStrategy::cacheKey() const
{
    TokenKey k;
    k.issuer = QStringLiteral("oauth");
    k.audience = canonicalResource(m_server.url);
    return k;
}

void OAuthStrategy::acquire(const Need& need, Done done)
{
    Q_UNUSED(need);
    done(nullptr, Error(Error::Kind::Auth, tr("The \"oauth\" auth type is not available in this build yet.")));
}

QStringList OAuthStrategy::expectedAudiences() const
{
    return {};
}

bool OAuthStrategy::addScopes(const QStringList& scopes)
{
    Q_UNUSED(scopes);
    return false;
}

void OAuthStrategy::forgetState() {}

void OAuthStrategy::setChallenge(const AuthChallenge& challenge)
{
    m_challengeMetadata = challenge.resourceMetadata;
    m_challengeScope = challenge.scope;
}

} // namespace lanyard::auth
