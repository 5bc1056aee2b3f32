// SPDX-License-Identifier: MIT
#pragma once

#include "auth/BrowserLauncher.h"

namespace lanyard::ui {

// The desktop app's browser for sign-in: the desktop's URL handler (QDesktopServices), else what
// auth::browser::system() does ($BROWSER, xdg-open). Lives here, not in core, so that core and
// lanyard-cli do not load Qt Gui and its libraries (X11, GL, fonts) for it.
auth::BrowserLauncher desktopBrowser();

} // namespace lanyard::ui
