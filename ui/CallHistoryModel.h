// SPDX-License-Identifier: MIT
#pragma once

#include "session/ServerSession.h"
#include <QAbstractListModel>
#include <QPointer>

namespace lanyard {

// The tool calls made through one server session, newest first.
class CallHistoryModel : public QAbstractListModel
{
    Q_OBJECT
public:
    enum Role { ToolRole = Qt::UserRole + 1, ArgumentsRole, OutcomeRole };

    explicit CallHistoryModel(QObject* parent = nullptr);
    void setSession(ServerSession* session);

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    // Index into ServerSession::history() for a row.
    int historyIndex(int row) const;

private:
    QPointer<ServerSession> m_session;
    QList<QMetaObject::Connection> m_connections;
};

} // namespace lanyard
