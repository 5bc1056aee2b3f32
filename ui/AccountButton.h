// SPDX-License-Identifier: MIT
#pragma once

#include "auth/Identity.h"
#include "util/Json.h"

#include <QDialog>
#include <QPointer>
#include <QToolButton>
#include <QUrl>

class QAction;
class QLabel;
class QLineEdit;
class QPushButton;
class QWidgetAction;

namespace lanyard {

// Shown while an interactive sign-in waits for the browser: the authorization URL (copy), the
// redirect Lanyard waits for, and Cancel.
class SignInDialog : public QDialog
{
    Q_OBJECT
public:
    explicit SignInDialog(QWidget* parent = nullptr);
    void setAuthorizationUrl(const QUrl& url);
    QUrl authorizationUrl() const { return m_url; }
    QString redirectText() const;
    void setBrowserProblem(const QString& reason);

signals:
    void cancelRequested();

private:
    QUrl m_url;
    QLineEdit* m_urlEdit;
    QLabel* m_redirect;
    QLabel* m_note;
};

// The signed-in card: name, username, tenant, object id, roles.
class AccountCard : public QWidget
{
    Q_OBJECT
public:
    explicit AccountCard(QWidget* parent = nullptr);
    void setClaims(const QString& name, const QString& username, const QString& tenant, const QString& objectId,
        const QStringList& roles);
    QString text() const;

private:
    QLabel* m_name;
    QLabel* m_username;
    QLabel* m_tenant;
    QLabel* m_objectId;
    QLabel* m_roles;
};

// The toolbar's account button over the process-wide identity (core/auth): "Sign in" when signed
// out, the account card and "Sign out" when signed in. Errors come out as plain-language text.
class AccountButton : public QToolButton
{
    Q_OBJECT
public:
    explicit AccountButton(QWidget* parent = nullptr);
    // Usually lanyard::auth::identity(); tests may pass their own.
    void setIdentity(auth::IdentityManager* identity);
    auth::IdentityManager* identity() const { return m_identity; }

    QAction* signInAction() const { return m_signIn; }
    QAction* signOutAction() const { return m_signOut; }
    AccountCard* card() const { return m_card; }
    SignInDialog* signInDialog() const { return m_dialog; }

public slots:
    void signIn();
    void signOut();

signals:
    void errorOccurred(const QString& message);
    void messageRaised(const QString& message);
    // Something the identity provider made Lanyard do differently (the Entra compatibility notices).
    void noticeRaised(const QString& message);
    void accountChanged();

private:
    void updateState();
    void showWaiting(const QUrl& url);

    QPointer<auth::IdentityManager> m_identity;
    QList<QMetaObject::Connection> m_connections;
    QAction* m_signIn;
    QAction* m_signOut;
    QAction* m_notConfigured;
    QWidgetAction* m_cardAction;
    AccountCard* m_card;
    QPointer<SignInDialog> m_dialog;
};

} // namespace lanyard
