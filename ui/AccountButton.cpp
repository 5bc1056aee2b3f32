// SPDX-License-Identifier: MIT
#include "AccountButton.h"

#include "Icons.h"
#include "auth/Identity.h"
#include "auth/Install.h"
#include "auth/Report.h"

#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QUrlQuery>
#include <QVBoxLayout>
#include <QWidgetAction>

namespace lanyard {

namespace {

QLabel* selectableLabel(QWidget* parent, const QString& name)
{
    auto* l = new QLabel(parent);
    l->setObjectName(name);
    l->setTextFormat(Qt::PlainText);
    l->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return l;
}

QStringList stringList(const json& claims, const char* key)
{
    QStringList out;
    auto it = claims.find(key);
    if (it == claims.end())
        return out;
    if (it->is_string())
        out << QString::fromStdString(it->get<std::string>());
    else if (it->is_array()) {
        for (const json& v : *it) {
            if (v.is_string())
                out << QString::fromStdString(v.get<std::string>());
        }
    }
    return out;
}

} // namespace

// ---- SignInDialog ------------------------------------------------------------------------------

SignInDialog::SignInDialog(QWidget* parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("signInDialog"));
    setWindowTitle(tr("Signing in"));
    auto* layout = new QVBoxLayout(this);
    auto* title = new QLabel(tr("Finish signing in with your browser."), this);
    QFont f = title->font();
    f.setBold(true);
    f.setPointSizeF(f.pointSizeF() * 1.15);
    title->setFont(f);
    layout->addWidget(title);
    auto* explain = new QLabel(tr("Lanyard opened the sign-in page of your identity provider. If no browser "
                                  "opened, copy this address into one:"),
        this);
    explain->setWordWrap(true);
    layout->addWidget(explain);
    auto* row = new QHBoxLayout();
    m_urlEdit = new QLineEdit(this);
    m_urlEdit->setObjectName(QStringLiteral("signInUrl"));
    m_urlEdit->setReadOnly(true);
    m_urlEdit->setAccessibleName(tr("Sign-in address"));
    m_urlEdit->setMinimumWidth(460);
    auto* copy = new QPushButton(ui::icon(QStringLiteral("copy")), tr("Copy"), this);
    copy->setObjectName(QStringLiteral("copySignInUrl"));
    connect(copy, &QPushButton::clicked, this,
        [this] { QApplication::clipboard()->setText(m_url.toString(QUrl::FullyEncoded)); });
    row->addWidget(m_urlEdit, 1);
    row->addWidget(copy);
    layout->addLayout(row);
    m_redirect = selectableLabel(this, QStringLiteral("signInRedirect"));
    m_redirect->setWordWrap(true);
    m_redirect->setForegroundRole(QPalette::PlaceholderText);
    layout->addWidget(m_redirect);
    m_note = selectableLabel(this, QStringLiteral("signInNote"));
    m_note->setWordWrap(true);
    m_note->hide();
    layout->addWidget(m_note);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Cancel)->setObjectName(QStringLiteral("cancelSignIn"));
    connect(buttons, &QDialogButtonBox::rejected, this, [this] {
        emit cancelRequested();
        reject();
    });
    layout->addWidget(buttons);
}

void SignInDialog::setAuthorizationUrl(const QUrl& url)
{
    m_url = url;
    m_urlEdit->setText(url.toString(QUrl::FullyEncoded));
    m_urlEdit->setCursorPosition(0);
    const QString redirect = QUrlQuery(url).queryItemValue(QStringLiteral("redirect_uri"), QUrl::FullyDecoded);
    m_redirect->setText(redirect.isEmpty()
            ? tr("Lanyard waits for the identity provider to send the browser back.")
            : tr("Lanyard waits for the browser to come back to %1 (on this computer only).").arg(redirect));
}

QString SignInDialog::redirectText() const
{
    return m_redirect->text();
}

void SignInDialog::setBrowserProblem(const QString& reason)
{
    m_note->setText(tr("No browser could be opened (%1). Copy the address above into a browser.").arg(reason));
    m_note->show();
}

// ---- AccountCard -------------------------------------------------------------------------------

AccountCard::AccountCard(QWidget* parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("accountCard"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(12, 10, 12, 6);
    m_name = selectableLabel(this, QStringLiteral("accountName"));
    QFont f = m_name->font();
    f.setBold(true);
    f.setPointSizeF(f.pointSizeF() * 1.2);
    m_name->setFont(f);
    m_username = selectableLabel(this, QStringLiteral("accountUsername"));
    layout->addWidget(m_name);
    layout->addWidget(m_username);
    auto* form = new QFormLayout();
    form->setContentsMargins(0, 6, 0, 0);
    m_tenant = selectableLabel(this, QStringLiteral("accountTenant"));
    m_objectId = selectableLabel(this, QStringLiteral("accountObjectId"));
    m_roles = selectableLabel(this, QStringLiteral("accountRoles"));
    m_roles->setWordWrap(true);
    form->addRow(tr("Tenant:"), m_tenant);
    form->addRow(tr("Object id:"), m_objectId);
    form->addRow(tr("Roles:"), m_roles);
    layout->addLayout(form);
}

void AccountCard::setClaims(const QString& name, const QString& username, const QString& tenant,
    const QString& objectId, const QStringList& roles)
{
    m_name->setText(name.isEmpty() ? username : name);
    m_username->setText(username);
    m_tenant->setText(tenant.isEmpty() ? tr("(not given)") : tenant);
    m_objectId->setText(objectId.isEmpty() ? tr("(not given)") : objectId);
    m_roles->setText(roles.isEmpty() ? tr("none in the ID token") : roles.join(QStringLiteral(", ")));
}

QString AccountCard::text() const
{
    return QStringList { m_name->text(), m_username->text(), m_tenant->text(), m_objectId->text(), m_roles->text() }
        .join(QLatin1Char('\n'));
}

// ---- AccountButton -----------------------------------------------------------------------------

AccountButton::AccountButton(QWidget* parent)
    : QToolButton(parent)
{
    setObjectName(QStringLiteral("accountButton"));
    setIcon(ui::icon(QStringLiteral("account")));
    setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    setPopupMode(QToolButton::InstantPopup);
    setAccessibleName(tr("Account"));
    auto* menu = new QMenu(this);
    menu->setObjectName(QStringLiteral("accountMenu"));
    m_card = new AccountCard(menu);
    m_cardAction = new QWidgetAction(menu);
    m_cardAction->setDefaultWidget(m_card);
    menu->addAction(m_cardAction);
    m_signIn = menu->addAction(ui::icon(QStringLiteral("account")), tr("Sign in…"));
    m_signIn->setObjectName(QStringLiteral("signInAction"));
    m_signOut = menu->addAction(ui::icon(QStringLiteral("disconnect")), tr("Sign out"));
    m_signOut->setObjectName(QStringLiteral("signOutAction"));
    m_notConfigured = menu->addAction(tr("No sign-in configured: add an \"identity\" block to the configuration"));
    m_notConfigured->setEnabled(false);
    setMenu(menu);
    connect(m_signIn, &QAction::triggered, this, &AccountButton::signIn);
    connect(m_signOut, &QAction::triggered, this, &AccountButton::signOut);
    // Signed out, a click on the button itself signs in; signed in, it opens the card.
    connect(this, &QToolButton::clicked, this, [this] {
        if (m_identity && m_identity->isConfigured() && !m_identity->isSignedIn())
            signIn();
    });
    updateState();
}

void AccountButton::setIdentity(auth::IdentityManager* identity)
{
    for (const auto& c : std::as_const(m_connections))
        disconnect(c);
    m_connections.clear();
    m_identity = identity;
    if (identity) {
        m_connections << connect(identity, &auth::IdentityManager::signInStarted, this, &AccountButton::showWaiting);
        m_connections << connect(identity, &auth::IdentityManager::browserFailed, this, [this](const QString& why) {
            if (m_dialog)
                m_dialog->setBrowserProblem(why);
        });
        m_connections << connect(identity, &auth::IdentityManager::signedIn, this, [this] {
            if (m_dialog)
                m_dialog->accept();
            updateState();
            emit accountChanged();
        });
        m_connections << connect(identity, &auth::IdentityManager::signedOut, this, [this] {
            updateState();
            emit accountChanged();
        });
        m_connections << connect(identity, &auth::IdentityManager::noticeRaised, this, &AccountButton::noticeRaised);
        if (identity->isConfigured()) {
            identity->loadAccount(this, [this](const Error& e) {
                if (e.isError())
                    emit errorOccurred(e.message);
                updateState();
                emit accountChanged();
            });
        }
    }
    updateState();
}

void AccountButton::signIn()
{
    if (!m_identity || !m_identity->isConfigured()) {
        emit errorOccurred(tr("No sign-in is configured. Add an \"identity\" block with \"authority\" and \"clientId\" "
                              "to the configuration (see docs/config.md)."));
        return;
    }
    if (m_identity->isSigningIn()) {
        if (m_dialog)
            m_dialog->show();
        return;
    }
    QPointer<auth::IdentityManager> id = m_identity;
    m_identity->signIn({}, this, [this, id](const Error& e) {
        if (m_dialog)
            m_dialog->hide();
        if (e.isError() && e.kind != Error::Kind::Cancelled)
            emit errorOccurred(e.message);
        else if (!e.isError() && id)
            emit messageRaised(
                tr("Signed in as %1.").arg(id->account().name.isEmpty() ? id->account().username : id->account().name));
        updateState();
        emit accountChanged();
    });
    updateState();
}

void AccountButton::signOut()
{
    if (!m_identity)
        return;
    m_identity->signOut(this, [this](const Error& e) {
        if (e.isError())
            emit errorOccurred(e.message);
        else
            emit messageRaised(tr("Signed out. Stored sign-ins and cached tokens are gone."));
        updateState();
        emit accountChanged();
    });
}

void AccountButton::showWaiting(const QUrl& url)
{
    if (!m_dialog) {
        m_dialog = new SignInDialog(window());
        connect(m_dialog, &SignInDialog::cancelRequested, this, [this] {
            if (m_identity && m_identity->isSigningIn())
                m_identity->cancelSignIn();
        });
    }
    m_dialog->setAuthorizationUrl(url);
    m_dialog->setWindowModality(Qt::WindowModal);
    m_dialog->show();
    m_dialog->raise();
}

void AccountButton::updateState()
{
    const bool configured = m_identity && m_identity->isConfigured();
    const bool signedIn = configured && m_identity->isSignedIn();
    const bool signingIn = configured && m_identity->isSigningIn();
    m_notConfigured->setVisible(!configured);
    m_signIn->setVisible(configured && !signedIn);
    m_signIn->setEnabled(!signingIn);
    m_signOut->setVisible(signedIn);
    m_cardAction->setVisible(signedIn);
    setPopupMode(signedIn || !configured ? QToolButton::InstantPopup : QToolButton::MenuButtonPopup);
    if (signedIn) {
        const auth::Account& a = m_identity->account();
        m_card->setClaims(a.name, a.username, a.tenantId, a.objectId, stringList(a.idClaims, "roles"));
        m_card->setToolTip(auth::report::identityText(a.idClaims));
        setText(a.name.isEmpty() ? a.username : a.name);
        setToolTip(tr("Signed in as %1").arg(a.username));
    } else if (signingIn) {
        setText(tr("Signing in…"));
        setToolTip(tr("Waiting for the browser sign-in"));
    } else {
        setText(configured ? tr("Sign in") : tr("Not signed in"));
        setToolTip(configured ? tr("Sign in with your organisation account")
                              : tr("No sign-in configured: add an \"identity\" block to the configuration"));
    }
}

} // namespace lanyard
