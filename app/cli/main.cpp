// SPDX-License-Identifier: MIT
// lanyard-cli: composition root of the command-line client.
#include "Cli.h"

#include "auth/Install.h"

#include <QCoreApplication>
#include <QSocketNotifier>
#include <QTimer>

#include <csignal>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {
int g_signalFd[2] = {-1, -1};

void onSignal(int)
{
    const char c = 1;
    [[maybe_unused]] const ssize_t n = ::write(g_signalFd[0], &c, 1); // async-signal-safe
}
} // namespace

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

    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, g_signalFd) == 0) {
        auto* notifier = new QSocketNotifier(g_signalFd[1], QSocketNotifier::Read, &app);
        QObject::connect(notifier, &QSocketNotifier::activated, &cli, [&cli] {
            char c;
            [[maybe_unused]] const ssize_t n = ::read(g_signalFd[1], &c, 1);
            cli.interrupt();
        });
        struct sigaction sa = {};
        sa.sa_handler = onSignal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART;
        sigaction(SIGINT, &sa, nullptr);
        sigaction(SIGTERM, &sa, nullptr);
    }

    QTimer::singleShot(0, &cli, &lanyard::cli::Cli::start);
    return app.exec();
}
