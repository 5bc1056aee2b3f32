// SPDX-License-Identifier: MIT
#include "TourDialog.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QSettings>
#include <QVBoxLayout>

namespace lanyard {

TourDialog::TourDialog(QWidget* parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("tourDialog"));
    setWindowTitle(tr("What to try"));
    auto* layout = new QVBoxLayout(this);
    auto* text = new QLabel(this);
    text->setObjectName(QStringLiteral("tourText"));
    text->setTextFormat(Qt::RichText);
    text->setWordWrap(true);
    text->setText(
        tr("<h3>A short tour</h3>"
           "<ol>"
           "<li><b>Sign in</b> with the account button at the top right. In the lab, sign in as the admin "
           "(ada@lanyardlab.onmicrosoft.com), later as the ordinary user, and compare.</li>"
           "<li>Pick a server and call <b>whoami</b> on the Tools page, then on a second server: each one names "
           "you, but from a different token.</li>"
           "<li>Open <b>Identity</b>: the Entra token and the token the server received, side by side, with "
           "<i>aud</i>, <i>iss</i>, <i>scp</i> and <i>act</i> highlighted where token exchange changed them.</li>"
           "<li>Open <b>Token timeline</b> and watch a short-lived token get refreshed as it nears expiry.</li>"
           "<li>Call a tool that needs more (e.g. <b>update_salary</b>): watch the <b>step-up</b> on the timeline, "
           "or the denial with the server's reason on the <b>Access</b> page.</li>"
           "</ol>"
           "<p>Raw tokens stay hidden unless you reveal them on purpose.</p>"));
    layout->addWidget(text);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    resize(560, 420);
}

bool TourDialog::firstRun()
{
    QSettings settings;
    if (settings.value(QStringLiteral("tour/shown"), false).toBool())
        return false;
    settings.setValue(QStringLiteral("tour/shown"), true);
    return true;
}

} // namespace lanyard
