// SPDX-License-Identifier: MIT
#pragma once

#include "protocol/Transport.h"
#include "session/ServerSession.h"
#include "util/Json.h"

#include <QAbstractTableModel>
#include <QPointer>
#include <QSortFilterProxyModel>

namespace lanyard {

// One server's traffic log (HTTP exchanges and the JSON-RPC messages in them, or stdio lines) as a
// table: time, direction, kind, summary, duration. Bodies are already redacted by the transport.
class TrafficModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { TimeColumn, DirectionColumn, KindColumn, SummaryColumn, DurationColumn, ColumnCount };
    enum Role { RecordIndexRole = Qt::UserRole + 1 };

    explicit TrafficModel(QObject* parent = nullptr);
    void setSession(ServerSession* session);

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    int columnCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    const TrafficRecord* record(int row) const;
    // JSON for export: [{time, direction, kind, summary, durationMs, body}].
    static json toJson(const QList<TrafficRecord>& records);
    // Headers and pretty-printed JSON payload, for the detail view.
    static QString describe(const TrafficRecord& record);

private:
    QPointer<ServerSession> m_session;
    QList<QMetaObject::Connection> m_connections;
    int m_rows = 0;
};

// Text and kind filter for the traffic table.
class TrafficFilterModel : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    void setText(const QString& text);
    // "" = all, else the record kind ("http", "stdio", ...).
    void setKind(const QString& kind);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    QString m_text;
    QString m_kind;
};

} // namespace lanyard
