// SPDX-License-Identifier: MIT
#include "TrafficModel.h"

#include "Icons.h"
#include "session/ServerSession.h"

#include <QDateTime>

namespace lanyard {

TrafficModel::TrafficModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

void TrafficModel::setSession(ServerSession* session)
{
    beginResetModel();
    for (const auto& c : std::as_const(m_connections))
        disconnect(c);
    m_connections.clear();
    m_session = session;
    m_rows = session ? int(session->traffic().size()) : 0;
    endResetModel();
    if (!session)
        return;
    m_connections << connect(session, &ServerSession::trafficRecorded, this, [this] {
        if (!m_session)
            return;
        const int target = int(m_session->traffic().size());
        if (target <= m_rows)
            return;
        beginInsertRows(QModelIndex(), m_rows, target - 1);
        m_rows = target;
        endInsertRows();
    });
    m_connections << connect(session, &ServerSession::trafficTrimmed, this, [this](int count) {
        const int n = qMin(count, m_rows);
        if (n <= 0)
            return;
        beginRemoveRows(QModelIndex(), 0, n - 1);
        m_rows -= n;
        endRemoveRows();
    });
    m_connections << connect(session, &ServerSession::trafficCleared, this, [this] {
        beginResetModel();
        m_rows = 0;
        endResetModel();
    });
    m_connections << connect(session, &QObject::destroyed, this, [this] { setSession(nullptr); });
}

int TrafficModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : m_rows;
}

int TrafficModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

const TrafficRecord* TrafficModel::record(int row) const
{
    if (!m_session || row < 0 || row >= m_rows || row >= m_session->traffic().size())
        return nullptr;
    return &m_session->traffic().at(row);
}

QVariant TrafficModel::data(const QModelIndex& index, int role) const
{
    const TrafficRecord* r = index.isValid() ? record(index.row()) : nullptr;
    if (!r)
        return QVariant();
    const bool out = r->direction == TrafficRecord::Direction::Outgoing;
    if (role == RecordIndexRole)
        return index.row();
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case TimeColumn:
            return QDateTime::fromMSecsSinceEpoch(r->timestampMs).toString(QStringLiteral("HH:mm:ss.zzz"));
        case DirectionColumn:
            return out ? tr("sent") : tr("received");
        case KindColumn:
            return r->kind;
        case SummaryColumn:
            return r->summary;
        case DurationColumn:
            return r->durationMs >= 0 ? tr("%1 ms").arg(r->durationMs) : QString();
        default:
            break;
        }
    }
    if (role == Qt::DecorationRole && index.column() == DirectionColumn)
        return ui::icon(
            out ? QStringLiteral("export") : QStringLiteral("import"), out ? ui::infoColor() : ui::successColor());
    if (role == Qt::TextAlignmentRole && index.column() == DurationColumn)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole && index.column() == SummaryColumn)
        return r->summary;
    return QVariant();
}

QVariant TrafficModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QVariant();
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case DirectionColumn:
        return tr("Direction");
    case KindColumn:
        return tr("Kind");
    case SummaryColumn:
        return tr("Summary");
    case DurationColumn:
        return tr("Duration");
    default:
        return QVariant();
    }
}

json TrafficModel::toJson(const QList<TrafficRecord>& records)
{
    json out = json::array();
    for (const auto& r : records) {
        out.push_back({
            { "time", QDateTime::fromMSecsSinceEpoch(r.timestampMs).toUTC().toString(Qt::ISODateWithMs).toStdString() },
            { "direction", r.direction == TrafficRecord::Direction::Outgoing ? "sent" : "received" },
            { "kind", r.kind.toStdString() },
            { "summary", r.summary.toStdString() },
            { "durationMs", r.durationMs },
            { "body", QString::fromUtf8(r.body).toStdString() },
        });
    }
    return out;
}

QString TrafficModel::describe(const TrafficRecord& r)
{
    QString headers;
    QByteArray payload = r.body;
    const qsizetype split = r.body.indexOf("\r\n\r\n");
    if (split >= 0) {
        headers = QString::fromUtf8(r.body.left(split)).replace(QStringLiteral("\r\n"), QStringLiteral("\n"));
        payload = r.body.mid(split + 4);
    } else if (r.body.startsWith("\r\n")) {
        payload = r.body.mid(2);
    }
    QString body;
    json parsed = json::parse(payload.constBegin(), payload.constEnd(), nullptr, false);
    if (!parsed.is_discarded() && !payload.trimmed().isEmpty())
        body = QString::fromUtf8(dumpJson(parsed, 2));
    else
        body = QString::fromUtf8(payload);
    QString out = r.summary + QStringLiteral("\n");
    if (!headers.isEmpty())
        out += QStringLiteral("\n") + headers + QStringLiteral("\n");
    if (!body.isEmpty())
        out += QStringLiteral("\n") + body;
    return out;
}

void TrafficFilterModel::setText(const QString& text)
{
    m_text = text;
    invalidateFilter();
}

void TrafficFilterModel::setKind(const QString& kind)
{
    m_kind = kind;
    invalidateFilter();
}

bool TrafficFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    Q_UNUSED(sourceParent);
    const auto* model = qobject_cast<const TrafficModel*>(sourceModel());
    const TrafficRecord* r = model ? model->record(sourceRow) : nullptr;
    if (!r)
        return false;
    if (!m_kind.isEmpty() && r->kind != m_kind)
        return false;
    if (m_text.isEmpty())
        return true;
    return r->summary.contains(m_text, Qt::CaseInsensitive) || r->body.contains(m_text.toUtf8());
}

} // namespace lanyard
