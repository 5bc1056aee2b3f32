// SPDX-License-Identifier: MIT
#include "CallHistoryModel.h"

#include "Icons.h"
#include "session/ServerSession.h"

namespace lanyard {

CallHistoryModel::CallHistoryModel(QObject* parent)
    : QAbstractListModel(parent)
{
}

void CallHistoryModel::setSession(ServerSession* session)
{
    beginResetModel();
    for (const auto& c : std::as_const(m_connections))
        disconnect(c);
    m_connections.clear();
    m_session = session;
    endResetModel();
    if (!session)
        return;
    m_connections << connect(session, &ServerSession::historyAppended, this, [this] {
        beginInsertRows(QModelIndex(), 0, 0);
        endInsertRows();
    });
    m_connections << connect(session, &ServerSession::historyTrimmed, this, [this](int count) {
        // The oldest entries are the last rows.
        const int rows = rowCount();
        const int total = rows + count;
        beginRemoveRows(QModelIndex(), rows, total - 1);
        endRemoveRows();
    });
    m_connections << connect(session, &ServerSession::historyUpdated, this, [this](int index) {
        const int row = rowCount() - 1 - index;
        emit dataChanged(this->index(row), this->index(row));
    });
    m_connections << connect(session, &QObject::destroyed, this, [this] { setSession(nullptr); });
}

int CallHistoryModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() || !m_session ? 0 : int(m_session->history().size());
}

int CallHistoryModel::historyIndex(int row) const
{
    return rowCount() - 1 - row;
}

QVariant CallHistoryModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || !m_session)
        return QVariant();
    const int i = historyIndex(index.row());
    if (i < 0 || i >= m_session->history().size())
        return QVariant();
    const CallRecord& r = m_session->history().at(i);
    switch (role) {
    case Qt::DisplayRole: {
        QString outcome;
        switch (r.outcome) {
        case CallRecord::Outcome::Running:
            outcome = tr("running…");
            break;
        case CallRecord::Outcome::Ok:
            outcome = tr("ok");
            break;
        case CallRecord::Outcome::ToolError:
            outcome = tr("tool error");
            break;
        case CallRecord::Outcome::Failed:
            outcome = tr("failed");
            break;
        case CallRecord::Outcome::Cancelled:
            outcome = tr("cancelled");
            break;
        }
        QString args = QString::fromUtf8(dumpJson(r.arguments));
        if (args.size() > 120)
            args = args.left(119) + QChar(0x2026);
        const QString ms = r.durationMs >= 0 ? tr(", %1 ms").arg(r.durationMs) : QString();
        return QStringLiteral("%1  %2 %3  \u2014 %4%5")
            .arg(r.startedAt.toString(QStringLiteral("HH:mm:ss")), r.tool, args, outcome, ms);
    }
    case Qt::ToolTipRole:
        return r.summary;
    case Qt::DecorationRole:
        switch (r.outcome) {
        case CallRecord::Outcome::Ok:
            return ui::icon(QStringLiteral("check"), ui::successColor());
        case CallRecord::Outcome::ToolError:
        case CallRecord::Outcome::Failed:
            return ui::icon(QStringLiteral("error"), ui::errorColor());
        case CallRecord::Outcome::Cancelled:
            return ui::icon(QStringLiteral("stop"), ui::warningColor());
        case CallRecord::Outcome::Running:
            return ui::icon(QStringLiteral("play"), ui::infoColor());
        }
        return QVariant();
    case ToolRole:
        return r.tool;
    case ArgumentsRole:
        return QString::fromUtf8(dumpJson(r.arguments));
    case OutcomeRole:
        return int(r.outcome);
    default:
        return QVariant();
    }
}

} // namespace lanyard
