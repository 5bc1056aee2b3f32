// SPDX-License-Identifier: MIT
#pragma once

#include "auth/Identity.h"
#include <QHash>
#include <QPointer>
#include <QSet>
#include <QTimer>
#include <QWidget>

class QComboBox;
class QLabel;
class QTableWidget;

namespace lanyard {

class ServerSession;
class SessionManager;

// Who can reach what: servers × tools for the signed-in account. Each cell says whether the tool
// is listed, was called successfully, or was denied (with the server's reason). Results are kept
// per account, so a second account's results can be compared side by side.
class AccessMatrixPage : public QWidget
{
    Q_OBJECT
public:
    enum class Access { NotListed, Listed, CalledOk, Denied, ToolError };
    Q_ENUM(Access)

    AccessMatrixPage(SessionManager* manager, auth::IdentityManager* identity, QWidget* parent = nullptr);

    // What the matrix says for the current account (or `account`).
    Access access(const QString& server, const QString& tool, const QString& account = QString()) const;
    QString reason(const QString& server, const QString& tool, const QString& account = QString()) const;
    QStringList accounts() const;
    QString currentAccount() const;
    // Show a second account's results next to the current one ("" = none).
    void setCompareAccount(const QString& account);
    QTableWidget* table() const { return m_table; }

public slots:
    void rebuild();

private:
    struct Result
    {
        Access access = Access::Listed;
        QString reason;
    };
    void scheduleRebuild();
    void showEvent(QShowEvent* event) override;
    // Keeps what `session` lists for the signed-in account (for comparing accounts later), whether
    // or not the page is on screen.
    void snapshot(ServerSession* session);
    void watch(ServerSession* session);
    void recordCall(ServerSession* session, int index);
    // True when a tool's or server's error text says the caller may not do this.
    static bool soundsLikeRefusal(const QString& reason);
    QString cellText(const QString& server, const QString& tool, const QString& account) const;

    QPointer<SessionManager> m_manager;
    QPointer<auth::IdentityManager> m_identity;
    // server -> tool -> account -> last result
    QHash<QString, QHash<QString, QHash<QString, Result>>> m_results;
    // server -> call serial -> account that made it
    QHash<QString, QHash<quint64, QString>> m_callAccounts;
    // account -> server -> tools the server listed while that account was signed in
    QHash<QString, QHash<QString, QSet<QString>>> m_listed;
    QList<QPointer<ServerSession>> m_watched;
    QString m_compare;
    QTimer m_rebuild;
    bool m_stale = false; // a rebuild was asked for while the page was hidden
    QLabel* m_header;
    QComboBox* m_compareBox;
    QTableWidget* m_table;
};

} // namespace lanyard
