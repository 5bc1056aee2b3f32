// SPDX-License-Identifier: MIT
#include "auth/BrowserLauncher.h"

#include "util/Logging.h"
#include "util/Redact.h"

#include <QCoreApplication>
#include <QProcess>
#include <QStandardPaths>


namespace lanyard::auth::browser {

namespace {
bool startDetached(QStringList argv, const QUrl& url, QString* error)
{
    if (argv.isEmpty()) {
        if (error)
            *error = QCoreApplication::translate("lanyard::auth", "no browser command given");
        return false;
    }
    bool replaced = false;
    for (QString& a : argv) {
        if (a.contains(QLatin1String("%s"))) {
            a.replace(QLatin1String("%s"), url.toString(QUrl::FullyEncoded));
            replaced = true;
        }
    }
    if (!replaced)
        argv << url.toString(QUrl::FullyEncoded);
    const QString program = argv.takeFirst();
    // The URL carries state, nonce and the PKCE challenge: log only the program.
    qCInfo(lcAuth).noquote() << "opening the sign-in page with" << program;
    if (!QProcess::startDetached(program, argv)) {
        if (error)
            *error = QCoreApplication::translate("lanyard::auth", "could not start %1").arg(program);
        return false;
    }
    return true;
}
} // namespace

BrowserLauncher system()
{
    return [](const QUrl& url, QString* error) {
        const QString fromEnv = qEnvironmentVariable("BROWSER");
        if (!fromEnv.isEmpty())
            return startDetached(QProcess::splitCommand(fromEnv), url, error);
#ifdef Q_OS_MACOS
        const QString opener = QStringLiteral("open");
#else
        const QString opener = QStringLiteral("xdg-open");
#endif
        if (QStandardPaths::findExecutable(opener).isEmpty()) {
            if (error)
                *error = QCoreApplication::translate("lanyard::auth", "no browser found (%1 is not installed and $BROWSER is "
                                                                      "not set)")
                             .arg(opener);
            return false;
        }
        return startDetached({opener}, url, error);
    };
}

BrowserLauncher command(const QString& commandLine)
{
    return [commandLine](const QUrl& url, QString* error) {
        return startDetached(QProcess::splitCommand(commandLine), url, error);
    };
}

BrowserLauncher none()
{
    return [](const QUrl&, QString*) { return true; };
}

BrowserLauncher forCli(bool noBrowser, const QString& openWith)
{
    if (noBrowser)
        return none();
    if (!openWith.isEmpty())
        return command(openWith);
    const QString fromEnv = qEnvironmentVariable("BROWSER");
    if (!fromEnv.isEmpty())
        return command(fromEnv);
    return system();
}

} // namespace lanyard::auth::browser
