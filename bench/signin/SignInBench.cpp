// SPDX-License-Identifier: MIT
// Issue 7's row "sign-in + token for 20 servers at once": from nothing (no stored sign-in) to every
// configured server connected with its own token, through the real SessionManager and identity code
// the desktop app uses at start, with the browser replaced by a command (the lab's sign-in robot).
//   lanyard-bench-signin --config FILE --open-with CMD [--timeout S]
// Connects every server of FILE at once (SessionManager::connectAll, as the app does after a sign-in)
// and prints one JSON line: servers, connected, signIns (browser sign-ins started: 1 is right),
// exchanges and tokens (lifecycle events), ms (start of connectAll to the last server connected),
// signedInMs (to the end of the sign-in), firstMs (to the first server connected) and tokensMs (to the
// moment every server had its exchanged token; token-exchange servers only, else -1).
// LANYARD_BENCH_TRACE=1 prints the timeline (lifecycle events, session states) on stderr.
// Exit 0 when every server connected with exactly one sign-in, 1 otherwise (the line still says why).
#include "auth/BrowserLauncher.h"
#include "auth/Identity.h"
#include "auth/Install.h"
#include "auth/Lifecycle.h"
#include "transport/FastNetworkAccessManager.h"
#include "session/ServerSession.h"
#include "session/SessionManager.h"
#include "util/Json.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QSet>
#include <QTimer>

#include <cstdio>

using namespace lanyard;

namespace {
int usage(const char* why)
{
    std::fprintf(stderr,
        "lanyard-bench-signin: %s\nusage: lanyard-bench-signin --config FILE --open-with CMD [--timeout S]\n", why);
    return 2;
}
} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QString configPath;
    QString openWith;
    int timeoutSecs = 60;
    const QStringList args = QCoreApplication::arguments();
    for (int i = 1; i < args.size(); ++i) {
        const QString& a = args[i];
        if ((a == QLatin1String("--config") || a == QLatin1String("--open-with") || a == QLatin1String("--timeout"))
            && i + 1 < args.size()) {
            const QString value = args[++i];
            if (a == QLatin1String("--config"))
                configPath = value;
            else if (a == QLatin1String("--open-with"))
                openWith = value;
            else {
                bool ok = false;
                timeoutSecs = value.toInt(&ok);
                if (!ok || timeoutSecs <= 0)
                    return usage("--timeout needs a positive number of seconds");
            }
        } else {
            return usage(qPrintable(QStringLiteral("unexpected argument '%1'").arg(a)));
        }
    }
    if (configPath.isEmpty() || openWith.isEmpty())
        return usage("--config and --open-with are required");

    auth::install();
    auto* network = new FastNetworkAccessManager(&app);
    auth::IdentityManager* identity = auth::identity();
    identity->setNetwork(network);
    identity->setBrowserLauncher(auth::browser::command(openWith));
    SessionManager manager;
    manager.setNetworkAccessManager(network);
    Error error;
    if (!manager.load(configPath, &error)) {
        std::fprintf(stderr, "lanyard-bench-signin: %s\n", qPrintable(error.message));
        return 2;
    }
    if (!auth::configure(manager.config(), &error)) {
        std::fprintf(stderr, "lanyard-bench-signin: the identity block of %s: %s\n", qPrintable(configPath),
            qPrintable(error.message));
        return 2;
    }
    if (manager.count() == 0)
        return usage("the config has no servers");
    for (const ServerSession* s : manager.sessions()) {
        if (!s->config().enabled)
            return usage(qPrintable(QStringLiteral("server \"%1\" is disabled: connectAll() skips it, so it would "
                                                   "never connect; enable it or leave it out")
                                        .arg(s->name())));
    }

    const bool trace = qEnvironmentVariableIsSet("LANYARD_BENCH_TRACE"); // the timeline on stderr
    int signIns = 0;
    int exchanges = 0;
    int tokens = 0;
    QElapsedTimer clock;
    const auto elapsedMs = [&clock] { return double(clock.nsecsElapsed()) / 1e6; };
    double signedInMs = -1; // the sign-in part: from connectAll to the identity signed in
    double firstMs = -1; // the first server connected
    double tokensMs = -1; // every server has its exchanged token
    QSet<QString> exchangedFor;
    QObject::connect(identity, &auth::IdentityManager::signInStarted, &app, [&signIns] { ++signIns; });
    QObject::connect(identity, &auth::IdentityManager::signedIn, &app, [&] { signedInMs = elapsedMs(); });
    // Counted here: the lifecycle log itself also holds earlier processes' events.
    QObject::connect(identity->lifecycle(), &auth::LifecycleLog::eventAdded, &app, [&](const auth::LifecycleEvent& e) {
        exchanges += e.kind == auth::LifecycleEvent::Kind::Exchanged ? 1 : 0;
        if (e.kind == auth::LifecycleEvent::Kind::Exchanged) {
            exchangedFor.insert(e.server);
            if (tokensMs < 0 && exchangedFor.size() == manager.count())
                tokensMs = elapsedMs();
        }
        tokens += e.kind == auth::LifecycleEvent::Kind::TokenIssued ? 1 : 0;
        if (trace)
            std::fprintf(stderr, "%8.2f ms  %s\n", elapsedMs(), qPrintable(e.summary()));
    });
    qint64 doneUs = -1;
    QString failure;
    auto connectedCount = [&manager] {
        int n = 0;
        for (const ServerSession* s : manager.sessions())
            n += s->state() == ServerSession::State::Connected ? 1 : 0;
        return n;
    };
    auto finish = [&] {
        const int connected = connectedCount();
        const json line { { "servers", manager.count() }, { "connected", connected }, { "signIns", signIns },
            { "exchanges", exchanges }, { "tokens", tokens }, { "ms", doneUs >= 0 ? double(doneUs) / 1e3 : -1.0 },
            { "signedInMs", signedInMs }, { "firstMs", firstMs }, { "tokensMs", tokensMs },
            { "error", failure.toStdString() } };
        std::printf("%s\n", line.dump().c_str());
        std::fflush(stdout);
        const bool ok = doneUs >= 0 && connected == manager.count() && signIns == 1;
        manager.disconnectAll();
        QTimer::singleShot(0, &app, [ok] { QCoreApplication::exit(ok ? 0 : 1); });
    };
    for (ServerSession* s : manager.sessions()) {
        QObject::connect(s, &ServerSession::stateChanged, &app, [&, s](ServerSession::State state) {
            if (doneUs >= 0 || !failure.isEmpty())
                return;
            if (trace)
                std::fprintf(stderr, "%8.2f ms  %s %s\n", elapsedMs(), qPrintable(s->name()),
                    qPrintable(ServerSession::stateName(state)));
            if (state == ServerSession::State::Connected && firstMs < 0)
                firstMs = elapsedMs();
            if (state == ServerSession::State::Error) {
                failure = QStringLiteral("%1: %2").arg(s->name(), s->lastError().message);
                finish();
            } else if (connectedCount() == manager.count()) {
                doneUs = clock.nsecsElapsed() / 1000;
                finish();
            }
        });
    }
    QTimer::singleShot(timeoutSecs * 1000, &app, [&] {
        if (doneUs < 0 && failure.isEmpty()) {
            failure = QStringLiteral("timed out after %1 s").arg(timeoutSecs);
            finish();
        }
    });
    clock.start();
    manager.connectAll();
    return QCoreApplication::exec();
}
