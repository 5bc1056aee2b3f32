// SPDX-License-Identifier: MIT
#pragma once

#include "session/ServerSession.h"
#include <QPointer>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QTableView;
class QTabWidget;

namespace lanyard {

class TrafficFilterModel;
class TrafficModel;

// Activity of one server: the traffic inspector (HTTP requests and the JSON-RPC messages they
// carry, with timing; secrets already masked by the transport), filterable and exportable as
// JSON, and the server's log messages. The token lifecycle timeline arrives with identity.
class ActivityPage : public QWidget
{
    Q_OBJECT
public:
    explicit ActivityPage(QWidget* parent = nullptr);
    void setSession(ServerSession* session);

    // Writes the rows the filter shows as a JSON array. False with *error set on failure.
    bool exportTo(const QString& path, QString* error) const;
    int visibleRowCount() const;

private:
    void exportWithDialog();
    void showDetail();

    QPointer<ServerSession> m_session;
    QList<QMetaObject::Connection> m_connections;
    TrafficModel* m_model;
    TrafficFilterModel* m_filter;
    QTabWidget* m_tabs;
    QLineEdit* m_search;
    QComboBox* m_kind;
    QTableView* m_table;
    QPlainTextEdit* m_detail;
    QLabel* m_status;
    QListWidget* m_log;
    bool m_follow = true;
};

} // namespace lanyard
