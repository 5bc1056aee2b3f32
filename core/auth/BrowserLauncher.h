// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QUrl>

#include <functional>

namespace lanyard::auth {

// Opens the authorization URL for the person signing in. Returns false (with *error) when no
// browser could be started; the sign-in keeps waiting, since the person can open the printed URL.
// Tests replace it with one that fetches the URL and submits the sign-in form.
using BrowserLauncher = std::function<bool(const QUrl& url, QString* error)>;

namespace browser {

// $BROWSER if set, else xdg-open (macOS: open). The desktop app uses ui::desktopBrowser(), which
// asks the desktop (QDesktopServices) first: core does not link Qt Gui.
BrowserLauncher system();
// Runs CMD with the URL as its last argument (CMD is split like a shell would, without a shell).
BrowserLauncher command(const QString& commandLine);
// Opens nothing: the URL is printed by the caller and the person opens it by hand.
BrowserLauncher none();
// What lanyard-cli uses: --no-browser -> none(); --open-with CMD -> command(CMD); $BROWSER set ->
// command($BROWSER) (a "%s" in it is replaced by the URL); else system().
BrowserLauncher forCli(bool noBrowser, const QString& openWith);

} // namespace browser

} // namespace lanyard::auth
