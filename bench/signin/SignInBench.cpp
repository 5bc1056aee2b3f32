// SPDX-License-Identifier: MIT
// Issue 7's row "sign-in + token for 20 servers at once": from nothing (no stored sign-in) to every
// configured server connected with its own token, through the real SessionManager and identity code
// the desktop app uses at start, with the browser replaced by a command (the lab's sign-in robot).
//   lanyard-bench-signin --config FILE --open-with CMD [--timeout S] [--floor ROUNDS] [--lab-pid PID]
// Connects every server of FILE at once (SessionManager::connectAll, as the app does after a sign-in)
// and prints one JSON line: servers, connected, signIns (browser sign-ins started: 1 is right),
// exchanges and tokens (lifecycle events), ms (start of connectAll to the last server connected),
// signedInMs (to the end of the sign-in), firstMs (to the first server connected) and tokensMs (to the
// moment every server had its exchanged token; token-exchange servers only, else -1).
// --lab-pid PID: also labCpuMs, the CPU time the lab's main thread spent from the start of connecting
// to the last server connected (/proc/PID/task/PID/schedstat; -1 when unknown).
// --floor ROUNDS: once every server is connected, the floor of the same work: the token-exchange
// POSTs alone (Lanyard's HTTP client and token-response parsing; no sessions, strategies, discovery
// or lifecycle log), on fresh connections, for the first server alone and for every server at once,
// alternated ROUNDS times; floor1Ms and floorAllMs are the medians (-1 and floorError when it could not
// be measured). What the token service needs for N exchanges at once bounds "every token" from below:
// no client can be faster against it. peakKiB is the process's peak RSS when the last server connected,
// before the floor runs. --timeout S also bounds the floor.
// LANYARD_BENCH_TRACE=1 prints the timeline (lifecycle events, session states) on stderr.
// Exit 0 when every server connected with exactly one sign-in, 1 otherwise (the line still says why).
#include "auth/BrowserLauncher.h"
#include "auth/Discovery.h"
#include "auth/HttpClient.h"
#include "auth/Identity.h"
#include "auth/Install.h"
#include "auth/Lifecycle.h"
#include "auth/TokenCache.h"
#include "auth/TokenEndpoint.h"
#include "session/ServerSession.h"
#include "session/SessionManager.h"
#include "transport/FastNetworkAccessManager.h"
#include "util/Json.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QNetworkAccessManager>
#include <QSet>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <vector>

using namespace lanyard;

namespace {
int usage(const char* why)
{
    std::fprintf(stderr,
        "lanyard-bench-signin: %s\nusage: lanyard-bench-signin --config FILE --open-with CMD [--timeout S] "
        "[--floor ROUNDS] [--lab-pid PID]\n",
        why);
    return 2;
}

// CPU time of a process's main thread in ms, -1 when unknown.
double threadCpuMs(qint64 pid)
{
    if (pid <= 0)
        return -1;
    QFile f(QStringLiteral("/proc/%1/task/%1/schedstat").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    bool ok = false;
    const qint64 ns = f.readLine().split(' ').value(0).toLongLong(&ok);
    return ok ? double(ns) / 1e6 : -1;
}

// This process's peak resident set (VmHWM) in KiB, -1 when unknown.
qint64 peakRssKiB()
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray& line : f.readAll().split('\n')) {
        if (line.startsWith("VmHWM:")) {
            bool ok = false;
            const qint64 kib = line.mid(6).trimmed().split(' ').value(0).toLongLong(&ok);
            return ok ? kib : -1;
        }
    }
    return -1;
}

double median(std::vector<double> v)
{
    if (v.empty())
        return -1;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The floor (see the header): token-exchange POSTs and nothing else. `done(floor1, floorAll, error)`.
class ExchangeFloor : public QObject
{
public:
    using Done = std::function<void(double, double, const QString&)>;

    ExchangeFloor(auth::IdentityManager* identity, const QList<ServerSession*>& servers, int rounds, Done done)
        : m_identity(identity)
        , m_rounds(rounds)
        , m_done(std::move(done))
    {
        for (const ServerSession* s : servers) {
            const json& a = s->config().auth.raw;
            Target t;
            t.resource = a.contains("resource") ? QString::fromStdString(a.value("resource", std::string()))
                                                : auth::canonicalResource(s->config().url);
            for (const auto& scope : a.value("scopes", json::array())) {
                if (scope.is_string())
                    t.scopes << QString::fromStdString(scope.get<std::string>());
            }
            m_targets << t;
            if (m_subjectScopes.isEmpty()) {
                for (const auto& scope : a.value("subjectScopes", json::array())) {
                    if (scope.is_string())
                        m_subjectScopes << QString::fromStdString(scope.get<std::string>());
                }
                m_prmUrls = auth::protectedResourceMetadataUrls(s->config().url);
            }
        }
    }

    void start()
    {
        if (m_subjectScopes.isEmpty()) {
            m_done(-1, -1,
                QStringLiteral("floor: no server has \"subjectScopes\" (--floor needs token-exchange "
                               "servers with an Entra access token as subject)"));
            return;
        }
        // The token service: the first server's protected-resource metadata names it.
        m_identity->http()->get(m_prmUrls.value(0), {}, this, [this](const auth::HttpResponse& r) {
            const auto j = r.ok() ? parseJson(r.body) : std::nullopt;
            const auto prm = j ? auth::ProtectedResourceMetadata::fromJson(*j, r.url) : std::nullopt;
            if (!prm || prm->authorizationServers.isEmpty()) {
                m_done(-1, -1, QStringLiteral("floor: no token service in the protected-resource metadata"));
                return;
            }
            m_identity->issuerMetadata(
                prm->authorizationServers.first(), this, [this](const std::optional<auth::AuthServerMetadata>& md) {
                    if (!md) {
                        m_done(-1, -1, QStringLiteral("floor: no token service metadata"));
                        return;
                    }
                    m_endpoint = md->tokenEndpoint;
                    auth::IdentityManager::EntraTokenRequest request;
                    request.scopes = m_subjectScopes;
                    request.server = QStringLiteral("floor");
                    request.strategy = QStringLiteral("entra");
                    m_identity->entraToken(request, this, [this](const auth::TokenPtr& t, const Error& e) {
                        if (!t) {
                            m_done(-1, -1, QStringLiteral("floor: no subject token: %1").arg(e.message));
                            return;
                        }
                        m_subject = t;
                        next();
                    });
                });
        });
    }

private:
    struct Target
    {
        QString resource;
        QStringList scopes;
    };

    // Alternates one exchange and all of them, each on a fresh network manager (new connections,
    // as after a sign-in), until every round ran.
    void next()
    {
        const bool all = m_one.size() > m_all.size();
        if (!all && int(m_one.size()) == m_rounds) {
            m_done(median(m_one), median(m_all), QString());
            return;
        }
        delete m_http;
        m_http = new auth::HttpClient(new FastNetworkAccessManager(this), this);
        m_http->network()->setParent(m_http);
        const int n = all ? int(m_targets.size()) : 1;
        auto left = std::make_shared<int>(n);
        auto failed = std::make_shared<QString>();
        m_clock.start();
        for (int i = 0; i < n; ++i) {
            const Target& t = m_targets[i];
            const auth::FormFields form { { QStringLiteral("grant_type"),
                                              QString::fromLatin1(auth::kGrantTokenExchange) },
                { QStringLiteral("subject_token"), m_subject->token.revealString() },
                { QStringLiteral("subject_token_type"), QString::fromLatin1(auth::kTokenTypeAccessToken) },
                { QStringLiteral("requested_token_type"), QString::fromLatin1(auth::kTokenTypeAccessToken) },
                { QStringLiteral("resource"), t.resource }, { QStringLiteral("scope"), auth::joinScopes(t.scopes) } };
            auth::ClientCredentials client;
            client.clientId = m_identity->settings().clientId;
            auth::requestToken(m_http, m_endpoint, form, client, QStringLiteral("floor exchange"), m_identity->clock(),
                this, [this, left, failed, all](const auth::TokenResult& r) {
                    if (!r.ok() && failed->isEmpty())
                        *failed = r.error.message;
                    if (--*left > 0)
                        return;
                    const double ms = double(m_clock.nsecsElapsed()) / 1e6;
                    if (!failed->isEmpty()) {
                        m_done(-1, -1, QStringLiteral("floor: %1").arg(*failed));
                        return;
                    }
                    (all ? m_all : m_one).push_back(ms);
                    QTimer::singleShot(0, this, [this] { next(); });
                });
        }
    }

    auth::IdentityManager* m_identity;
    int m_rounds;
    Done m_done;
    QList<Target> m_targets;
    QStringList m_subjectScopes;
    QList<QUrl> m_prmUrls;
    QUrl m_endpoint;
    auth::TokenPtr m_subject;
    auth::HttpClient* m_http = nullptr;
    QElapsedTimer m_clock;
    std::vector<double> m_one;
    std::vector<double> m_all;
};
} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QString configPath;
    QString openWith;
    int timeoutSecs = 60;
    int floorRounds = 0;
    qint64 labPid = 0;
    const QStringList args = QCoreApplication::arguments();
    for (int i = 1; i < args.size(); ++i) {
        const QString& a = args[i];
        if ((a == QLatin1String("--config") || a == QLatin1String("--open-with") || a == QLatin1String("--timeout")
                || a == QLatin1String("--floor") || a == QLatin1String("--lab-pid"))
            && i + 1 < args.size()) {
            const QString value = args[++i];
            if (a == QLatin1String("--lab-pid")) {
                bool ok = false;
                labPid = value.toLongLong(&ok);
                if (!ok || labPid <= 0)
                    return usage("--lab-pid needs a process id");
            } else if (a == QLatin1String("--floor")) {
                bool ok = false;
                floorRounds = value.toInt(&ok);
                if (!ok || floorRounds < 0 || floorRounds > 100)
                    return usage("--floor needs a number of rounds from 0 to 100");
            } else if (a == QLatin1String("--config"))
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
    double floor1Ms = -1; // --floor: one exchange alone, median
    double floorAllMs = -1; // --floor: every server's exchange at once, median
    double labCpuAtStart = -1;
    double labCpuMs = -1; // --lab-pid: the lab's main thread, start of connecting to the last connected
    qint64 peakKiB = -1; // this process's peak RSS (VmHWM) when the last server connected: before the floor
    QString floorError;
    bool finished = false;
    auto connectedCount = [&manager] {
        int n = 0;
        for (const ServerSession* s : manager.sessions())
            n += s->state() == ServerSession::State::Connected ? 1 : 0;
        return n;
    };
    auto finish = [&] {
        if (finished)
            return;
        finished = true;
        const int connected = connectedCount();
        const json line { { "servers", manager.count() }, { "connected", connected }, { "signIns", signIns },
            { "exchanges", exchanges }, { "tokens", tokens }, { "ms", doneUs >= 0 ? double(doneUs) / 1e3 : -1.0 },
            { "signedInMs", signedInMs }, { "firstMs", firstMs }, { "tokensMs", tokensMs }, { "floor1Ms", floor1Ms },
            { "floorAllMs", floorAllMs }, { "floorError", floorError.toStdString() }, { "labCpuMs", labCpuMs },
            { "peakKiB", peakKiB }, { "error", failure.toStdString() } };
        std::printf("%s\n", line.dump().c_str());
        std::fflush(stdout);
        const bool ok = doneUs >= 0 && connected == manager.count() && signIns == 1 && failure.isEmpty();
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
                const double labCpuNow = threadCpuMs(labPid);
                if (labCpuAtStart >= 0 && labCpuNow >= 0)
                    labCpuMs = labCpuNow - labCpuAtStart;
                peakKiB = peakRssKiB();
                if (floorRounds == 0) {
                    finish();
                    return;
                }
                auto* floor = new ExchangeFloor(
                    identity, manager.sessions(), floorRounds, [&](double one, double all, const QString& why) {
                        // A floor that could not be measured leaves the run's own figures valid.
                        floor1Ms = one;
                        floorAllMs = all;
                        floorError = why;
                        finish();
                    });
                floor->setParent(&app);
                QTimer::singleShot(0, floor, [floor] { floor->start(); });
            }
        });
    }
    QTimer::singleShot(timeoutSecs * 1000, &app, [&] {
        if (finished)
            return;
        if (doneUs < 0 && failure.isEmpty())
            failure = QStringLiteral("timed out after %1 s").arg(timeoutSecs);
        else
            floorError = QStringLiteral("floor: timed out after %1 s").arg(timeoutSecs);
        finish();
    });
    labCpuAtStart = threadCpuMs(labPid);
    clock.start();
    manager.connectAll();
    return QCoreApplication::exec();
}
