// SPDX-License-Identifier: MIT
// lanyard-cli: composition root of the command-line client.
#include "Cli.h"

#include "auth/Install.h"
#include "util/SignalWatcher.h"

#include <QCoreApplication>
#include <QTimer>

#include <csignal>
#include <sys/resource.h>

int main(int argc, char** argv)
{
    // No core dumps: a crash must not leave tokens on disk.
    struct rlimit noCore = {0, 0};
    setrlimit(RLIMIT_CORE, &noCore);

    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("lanyard"));
    QCoreApplication::setOrganizationName(QStringLiteral("lanyard"));

    // Identity strategies (entra, token-exchange, oauth, cross-app-access) for ClientFactory.
    lanyard::auth::install();

    lanyard::cli::Cli cli(QCoreApplication::arguments());

    // Ctrl-C / SIGTERM: cancel what is in flight and end with 130 (Cli::interrupt).
    lanyard::SignalWatcher watcher({ SIGINT, SIGTERM });
    QObject::connect(&watcher, &lanyard::SignalWatcher::signalReceived, &cli, [&cli](int) { cli.interrupt(); });

    QTimer::singleShot(0, &cli, &lanyard::cli::Cli::start);
    return app.exec();
}
