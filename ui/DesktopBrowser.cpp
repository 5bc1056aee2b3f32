// SPDX-License-Identifier: MIT
#include "DesktopBrowser.h"

#include <QDesktopServices>
#include <QGuiApplication>

namespace lanyard::ui {

auth::BrowserLauncher desktopBrowser()
{
    return [fallback = auth::browser::system()](const QUrl& url, QString* error) {
        if (qobject_cast<QGuiApplication*>(QCoreApplication::instance()) && QDesktopServices::openUrl(url))
            return true;
        return fallback(url, error);
    };
}

} // namespace lanyard::ui
