// SPDX-License-Identifier: MIT
#include "auth/Install.h"

#include "auth/Identity.h"
#include "auth/Lifecycle.h"
#include "auth/Strategy.h"
#include "session/ClientFactory.h"

#include <QCoreApplication>
#include <QPointer>

namespace lanyard::auth {

IdentityManager* identity()
{
    static QPointer<IdentityManager> instance;
    if (!instance)
        instance = new IdentityManager(QCoreApplication::instance());
    return instance;
}

void install()
{
    ClientFactory::instance().setTokenProviderFactory([](const ServerConfig& server, QObject* parent, Error* error) {
        return createTokenProvider(server, identity(), parent, error);
    });
}

bool configure(const Config& config, Error* error)
{
    const auto settings = IdentitySettings::fromJson(config.identity, error);
    if (!settings)
        return false;
    IdentityManager* id = identity();
    id->configure(*settings);
    if (id->lifecycle()->journal().isEmpty())
        id->lifecycle()->setJournal(settings->dataDirectory() + QStringLiteral("/lifecycle.jsonl"));
    return true;
}

} // namespace lanyard::auth
