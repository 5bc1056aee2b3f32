// SPDX-License-Identifier: MIT
#pragma once

#include "auth/Identity.h"
#include "auth/Strategy.h"
#include "auth/TokenCache.h"
#include "session/ServerSession.h"
#include "util/Json.h"

#include <QPointer>
#include <QTimer>
#include <QWidget>

class QFormLayout;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QStackedWidget;
class QTableWidget;
class QTabWidget;
class QTreeWidget;

namespace lanyard {

// "What this server sees": for the selected server, the Entra token (the subject) and the token
// actually sent to the server, decoded side by side with the differences highlighted; the `act`
// delegation chain as a tree; signature and audience checks; how the token was obtained; a live
// expiry countdown; the server's own view (its whoami tool). Raw tokens only on purpose.
class IdentityPage : public QWidget
{
    Q_OBJECT
public:
    explicit IdentityPage(auth::IdentityManager* identity, QWidget* parent = nullptr);
    ~IdentityPage() override;
    void setSession(ServerSession* session);

    // The token the server gets and the subject it came from (null when none is held).
    auth::TokenPtr serverToken() const { return m_serverToken; }
    auth::TokenPtr subjectToken() const { return m_subjectToken; }
    // Claims that differ between the two tokens (after a reload).
    QStringList differingClaims() const { return m_differing; }
    bool isRevealed() const { return m_revealed; }

    // Confirmation before a raw token goes to the clipboard (tests replace it).
    using ConfirmCopy = std::function<bool(const QString& question)>;
    void setConfirmCopy(ConfirmCopy confirm) { m_confirmCopy = std::move(confirm); }

public slots:
    // Reads the token the server holds from the cache (no network).
    void reload();
    // Gets the server's token now (may refresh, exchange or, if needed, sign in).
    void fetchToken();
    void setRevealed(bool revealed);
    void copyServerToken();
    void askServer();

private:
    void scheduleReload();
    void showEmpty(const QString& text, bool canFetch = false);
    void showTokens();
    void fillClaims();
    void fillActTree();
    void fillHow();
    void verifySignatures();
    void updateCountdown();
    auth::ServerTokenProvider* provider();

    QPointer<auth::IdentityManager> m_identity;
    QPointer<ServerSession> m_session;
    QList<QMetaObject::Connection> m_sessionConnections;
    QPointer<auth::ServerTokenProvider> m_ownProvider;
    auth::TokenPtr m_serverToken;
    auth::TokenPtr m_subjectToken;
    QStringList m_differing;
    bool m_revealed = false;
    quint64 m_generation = 0;
    quint64 m_verifyGeneration = 0;
    ConfirmCopy m_confirmCopy;
    QTimer m_reloadTimer;
    QTimer m_tick;

    QStackedWidget* m_stack;
    QLabel* m_emptyText;
    QPushButton* m_fetchEmpty;
    QLabel* m_title;
    QLabel* m_countdown;
    QPushButton* m_fetch;
    QPushButton* m_reveal;
    QPushButton* m_copy;
    QFormLayout* m_howForm;
    QLabel* m_howStrategy;
    QLabel* m_howGrant;
    QLabel* m_howEndpoint;
    QLabel* m_howAudience;
    QLabel* m_howScopes;
    QLabel* m_howSubject;
    QLabel* m_checkAudience;
    QLabel* m_checkSubjectSignature;
    QLabel* m_checkServerSignature;
    QTableWidget* m_claims;
    QTabWidget* m_tabs;
    QTreeWidget* m_actTree;
    QPlainTextEdit* m_serverView;
    QPushButton* m_askServer;
    QPlainTextEdit* m_rawSubject;
    QPlainTextEdit* m_rawServer;
    QLabel* m_rawHidden;
};

} // namespace lanyard
