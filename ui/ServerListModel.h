// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractListModel>
#include <QPointer>
#include <QStyledItemDelegate>

namespace lanyard {

struct ServerConfig;
class ServerSession;
class SessionManager;

// The configured servers (one row per ServerSession) for the sidebar.
class ServerListModel : public QAbstractListModel
{
    Q_OBJECT
public:
    enum Role {
        NameRole = Qt::UserRole + 1,
        StateRole, // int: ServerSession::State
        AuthRole, // "none", "bearer", "entra", ...
        EndpointRole, // URL or command line
        ErrorRole, // last error message
        LostRole, // bool: the connection was lost
        ExpiryRole, // token expiry text; empty until identity provides one
        WaitsForSignInRole, // bool: see waitsForSignIn()
    };

    explicit ServerListModel(SessionManager* manager, QObject* parent = nullptr);
    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;

    // The server carries the account (entra, token-exchange, cross-app-access) and could not connect
    // only because nobody is signed in: signing in connects it (MainWindow::followAccount).
    static bool waitsForSignIn(const ServerSession* session);
    // The strategy carries the signed-in account's identity to the server (entra, token-exchange,
    // cross-app-access): such a server waits for the sign-in and follows an account switch.
    static bool carriesAccount(const ServerConfig& server);

private:
    QPointer<SessionManager> m_manager;
};

// Sidebar rows: state dot, name, auth badge, endpoint (or the error) and room for the token
// expiry countdown.
class ServerItemDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;
};

} // namespace lanyard
