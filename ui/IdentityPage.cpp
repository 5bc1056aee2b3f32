// SPDX-License-Identifier: MIT
#include "IdentityPage.h"

#include "Icons.h"
#include "session/ServerSession.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace lanyard {

IdentityPage::IdentityPage(QWidget* parent)
    : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->addStretch(1);
    auto* icon = new QLabel(this);
    icon->setPixmap(ui::icon(QStringLiteral("identity")).pixmap(48, 48));
    icon->setAlignment(Qt::AlignCenter);
    m_mode = new QLabel(this);
    m_mode->setObjectName(QStringLiteral("identityMode"));
    m_mode->setTextFormat(Qt::PlainText);
    m_mode->setAlignment(Qt::AlignCenter);
    QFont f = m_mode->font();
    f.setBold(true);
    f.setPointSizeF(f.pointSizeF() * 1.15);
    m_mode->setFont(f);
    m_text = new QLabel(this);
    m_text->setObjectName(QStringLiteral("identityPlaceholder"));
    m_text->setTextFormat(Qt::PlainText);
    m_text->setAlignment(Qt::AlignCenter);
    m_text->setWordWrap(true);
    m_text->setForegroundRole(QPalette::PlaceholderText);
    m_mode->setWordWrap(true);
    // A column of readable width in the middle of the page.
    auto* column = new QWidget(this);
    column->setMaximumWidth(640);
    column->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    auto* columnLayout = new QVBoxLayout(column);
    columnLayout->setContentsMargins(0, 0, 0, 0);
    m_mode->setParent(column);
    m_text->setParent(column);
    columnLayout->addWidget(m_mode);
    columnLayout->addWidget(m_text);
    auto* row = new QHBoxLayout();
    row->addStretch(1);
    row->addWidget(column, 4);
    row->addStretch(1);
    layout->addWidget(icon);
    layout->addLayout(row);
    layout->addStretch(2);
    update();
}

void IdentityPage::setSession(ServerSession* session)
{
    m_session = session;
    update();
}

void IdentityPage::update()
{
    if (!m_session) {
        m_mode->setText(tr("No server selected"));
    } else {
        const QString mode = m_session->authStrategy();
        QString how;
        if (mode == QLatin1String("none"))
            how = tr("%1 is configured without sign-in (auth: none).").arg(m_session->name());
        else if (mode == QLatin1String("bearer"))
            how = m_session->config().auth.env.isEmpty()
                ? tr("%1 uses a bearer token from the keychain entry \"%2\".")
                      .arg(m_session->name(), m_session->config().auth.keychain)
                : tr("%1 uses a bearer token from the environment variable %2.")
                      .arg(m_session->name(), m_session->config().auth.env);
        else
            how = tr("%1 is configured for the identity mode \"%2\".").arg(m_session->name(), mode);
        m_mode->setText(how);
    }
    m_text->setText(tr("Sign-in arrives with the identity module. This page will then show the account, the tokens "
                       "Lanyard holds for this server (audience, scopes, expiry), how they were obtained (sign-in, "
                       "refresh, token exchange with its delegation chain) and the signature checks."));
}

} // namespace lanyard
