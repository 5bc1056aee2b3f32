// SPDX-License-Identifier: MIT
// lanyard: the desktop app. Composition root only: parse the command line, load the configuration,
// show the main window.
#include "DesktopBrowser.h"
#include "Icons.h"
#include "MainWindow.h"
#include "ScreenshotDriver.h"
#include "TourDialog.h"
#include "auth/BrowserLauncher.h"
#include "auth/Identity.h"
#include "auth/Install.h"
#include "config/Config.h"
#include "session/SessionManager.h"
#include "transport/FastNetworkAccessManager.h"
#include "util/SignalWatcher.h"

#include "lanyard/Version.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QNetworkAccessManager>
#include <QStyleFactory>
#include <QTimer>

#include <csignal>
#include <cstdio>
#include <cstring>

namespace {
// --report-startup (bench scenario "desktop"): prints "painted" on stdout once the main window has
// been painted for the first time, i.e. after the first paint event and the backing-store flush of
// that same repaint. Start-to-first-paint is then measured by whoever started the process.
class FirstPaintReporter : public QObject
{
public:
    using QObject::QObject;

protected:
    bool eventFilter(QObject* watched, QEvent* event) override
    {
        if (event->type() == QEvent::Paint && !m_reported) {
            m_reported = true;
            watched->removeEventFilter(this);
            // The rest of this repaint (children, flush) runs before the next event.
            QTimer::singleShot(0, this, [] {
                std::printf("painted\n");
                std::fflush(stdout);
            });
        }
        return false;
    }

private:
    bool m_reported = false;
};
} // namespace

int main(int argc, char** argv)
{
    // --version works without a display.
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--version") == 0 || std::strcmp(argv[i], "-v") == 0) {
            std::printf("lanyard %s (revision %s)\n", LANYARD_VERSION, LANYARD_GIT_REVISION);
            return 0;
        }
    }

    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Lanyard"));
    QApplication::setApplicationName(QStringLiteral("lanyard"));
    QApplication::setApplicationDisplayName(QStringLiteral("Lanyard"));
    QApplication::setApplicationVersion(QStringLiteral(LANYARD_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("lanyard"));
    lanyard::ui::initResources();
    QApplication::setWindowIcon(lanyard::ui::appIcon());

    QCommandLineParser parser;
    parser.setApplicationDescription(QApplication::translate("main", "Desktop client for MCP servers."));
    parser.addHelpOption();
    const QCommandLineOption versionOption(QStringList { QStringLiteral("v"), QStringLiteral("version") },
        QApplication::translate("main", "Print the version and exit."));
    parser.addOption(versionOption);
    const QCommandLineOption configOption(QStringLiteral("config"),
        QApplication::translate("main", "Use this configuration file (default: %1).")
            .arg(lanyard::ConfigStore::defaultPath()),
        QApplication::translate("main", "file"));
    parser.addOption(configOption);
    QCommandLineOption screenshotOption(QStringLiteral("screenshot-dir"),
        QStringLiteral("Drive every page against the configured servers, save PNGs here, exit."),
        QStringLiteral("dir"));
    screenshotOption.setFlags(QCommandLineOption::HiddenFromHelp);
    parser.addOption(screenshotOption);
    QCommandLineOption reportStartupOption(QStringLiteral("report-startup"),
        QStringLiteral("Print \"painted\" on stdout once the window is first painted (for benchmarks)."));
    parser.addOption(reportStartupOption);
    QCommandLineOption styleOption(QStringLiteral("fusion"), QStringLiteral("Use the Fusion style."));
    styleOption.setFlags(QCommandLineOption::HiddenFromHelp);
    parser.addOption(styleOption);
    parser.process(app);

    if (parser.isSet(styleOption))
        QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));

    // Identity strategies (entra, token-exchange, oauth, cross-app-access, keychain bearer) plug
    // into the client factory before any session exists.
    lanyard::auth::install();
    // A child of the application, created after the process-wide identity: it outlives every
    // user of it (the identity is deleted first, as an earlier child).
    auto* network = new lanyard::FastNetworkAccessManager(&app);
    lanyard::auth::identity()->setNetwork(network);
    lanyard::auth::identity()->setBrowserLauncher(lanyard::ui::desktopBrowser());
    lanyard::SessionManager manager;
    manager.setNetworkAccessManager(network);
    const QString path = parser.isSet(configOption) ? parser.value(configOption) : lanyard::ConfigStore::defaultPath();
    lanyard::Error error;
    const bool loaded = manager.load(path, &error);
    // The "identity" block (how the person signs in); a wrong one is reported, servers still load.
    lanyard::Error identityError;
    const lanyard::json& identityBlock = manager.config().identity;
    if (loaded && identityBlock.is_object() && !identityBlock.empty())
        lanyard::auth::configure(manager.config(), &identityError);

    lanyard::MainWindow window(&manager);
    if (!loaded)
        window.showConfigError(error);
    else if (identityError.isError())
        window.showMessage(QApplication::translate("main", "The sign-in settings in %1 are not usable: %2")
                               .arg(path, identityError.message));
    const bool screenshots = parser.isSet(screenshotOption);
    if (!screenshots)
        window.restoreSettings();
    if (parser.isSet(reportStartupOption))
        window.installEventFilter(new FirstPaintReporter(&window));
    window.show();
    // Connecting at start never opens the browser on its own: servers that need the account wait
    // with "sign in first" and reconnect once the person signs in (MainWindow::followAccount).
    if (lanyard::auth::IdentityManager* identity = lanyard::auth::identity())
        identity->setInteractive(false);
    manager.connectAll();
    if (!screenshots && lanyard::TourDialog::firstRun())
        QTimer::singleShot(300, &window, [&window] { window.showTour(); });

    if (screenshots) {
        auto* driver = new lanyard::ScreenshotDriver(&window, parser.value(screenshotOption), &app);
        QObject::connect(driver, &lanyard::ScreenshotDriver::finished, &app, [driver](int code) {
            for (const QString& file : driver->saved())
                std::printf("%s\n", qPrintable(file));
            QApplication::exit(code);
        });
        driver->start();
    }
    // SIGTERM / SIGINT (a logout, `kill`, Ctrl-C in a terminal) end the app as closing its window
    // does: window settings saved, every server's session ended.
    lanyard::SignalWatcher watcher({ SIGINT, SIGTERM, SIGHUP });
    QObject::connect(&watcher, &lanyard::SignalWatcher::signalReceived, &app, [&window] {
        window.close();
        QApplication::quit(); // also with a dialog open
    });
    const int code = QApplication::exec();
    manager.disconnectAll();
    return code;
}
