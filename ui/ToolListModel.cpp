// SPDX-License-Identifier: MIT
#include "ToolListModel.h"

#include <algorithm>

namespace lanyard {

namespace {

QString oneLine(const QString& text, int max)
{
    QString s = text.left(max * 2).simplified();
    if (s.size() > max)
        s = s.left(max - 1) + QChar(0x2026);
    return s;
}

bool hint(const json& annotations, const char* key)
{
    return annotations.is_object() && annotations.contains(key) && annotations[key].is_boolean()
        && annotations[key].get<bool>();
}

} // namespace

ToolListModel::ToolListModel(QObject* parent)
    : QAbstractListModel(parent)
{
    m_warmTimer.setInterval(0);
    connect(&m_warmTimer, &QTimer::timeout, this, &ToolListModel::warmSlice);
}

QString ToolListModel::toolTitle(const json& tool)
{
    QString title = qs(tool, "title");
    if (title.isEmpty() && tool.is_object() && tool.contains("annotations"))
        title = qs(tool["annotations"], "title");
    return title;
}

int ToolListModel::annotationFlags(const json& tool)
{
    if (!tool.is_object() || !tool.contains("annotations"))
        return 0;
    const json& a = tool["annotations"];
    int flags = 0;
    if (hint(a, "readOnlyHint"))
        flags |= ReadOnly;
    if (hint(a, "destructiveHint"))
        flags |= Destructive;
    if (hint(a, "idempotentHint"))
        flags |= Idempotent;
    if (hint(a, "openWorldHint"))
        flags |= OpenWorld;
    return flags;
}

QStringList ToolListModel::annotationNames(int flags)
{
    QStringList out;
    if (flags & ReadOnly)
        out << tr("read-only");
    if (flags & Destructive)
        out << tr("destructive");
    if (flags & Idempotent)
        out << tr("idempotent");
    if (flags & OpenWorld)
        out << tr("open-world");
    return out;
}

void ToolListModel::setSource(const json* source)
{
    beginResetModel();
    m_source = source && source->is_array() ? source : nullptr;
    m_rows = m_source ? int(m_source->size()) : 0;
    m_haystack.clear();
    m_warmed = 0;
    endResetModel();
    warmLater();
}

// The search text of 10,000 tools takes ~40 ms to build: done in slices between other events (each
// a few ms), so that the first keystroke in the filter does not pay for all of it.
void ToolListModel::warmLater()
{
    if (m_warmed < m_rows && !m_warmTimer.isActive())
        m_warmTimer.start();
}

void ToolListModel::warmSlice()
{
    constexpr int kSlice = 400;
    const int end = std::min(m_rows, m_warmed + kSlice);
    for (; m_warmed < end; ++m_warmed)
        haystack(m_warmed);
    if (m_warmed >= m_rows)
        m_warmTimer.stop();
}

void ToolListModel::sourceAppended()
{
    const int target = m_source ? int(m_source->size()) : 0;
    if (target <= m_rows)
        return;
    beginInsertRows(QModelIndex(), m_rows, target - 1);
    m_rows = target;
    endInsertRows();
    warmLater();
}

void ToolListModel::setTools(const json& tools)
{
    m_own = tools.is_array() ? tools : json::array();
    setSource(&m_own);
}

int ToolListModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : m_rows;
}

const json& ToolListModel::toolAt(int row) const
{
    static const json empty = json::object();
    return m_source && row >= 0 && row < m_rows && size_t(row) < m_source->size() ? (*m_source)[size_t(row)] : empty;
}

const QString& ToolListModel::haystack(int row) const
{
    static const QString none;
    if (row < 0 || row >= m_rows)
        return none;
    if (m_haystack.size() < size_t(m_rows))
        m_haystack.resize(size_t(m_rows));
    QString& h = m_haystack[size_t(row)];
    if (h.isNull()) {
        const json& t = toolAt(row);
        h = (qs(t, "name") + QLatin1Char('\n') + toolTitle(t) + QLatin1Char('\n') + qs(t, "description").left(1000))
                .toLower();
        if (h.isNull())
            h = QStringLiteral("");
    }
    return h;
}

int ToolListModel::rowOf(const QString& name) const
{
    const std::string n = name.toStdString();
    for (int i = 0; i < m_rows; ++i) {
        const json& t = toolAt(i);
        if (t.is_object() && t.contains("name") && t["name"].is_string()
            && t["name"].get_ref<const std::string&>() == n)
            return i;
    }
    return -1;
}

QVariant ToolListModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows)
        return QVariant();
    const json& t = toolAt(index.row());
    switch (role) {
    case Qt::DisplayRole: {
        const QString title = toolTitle(t);
        return title.isEmpty() ? qs(t, "name") : title;
    }
    case Qt::ToolTipRole:
        return oneLine(qs(t, "description"), 400);
    case Qt::AccessibleTextRole: {
        const QString name = qs(t, "name");
        const QString title = toolTitle(t);
        QString text = title.isEmpty() ? name : QStringLiteral("%1 (%2)").arg(title, name);
        const QStringList badges = annotationNames(annotationFlags(t));
        if (!badges.isEmpty())
            text += QStringLiteral(", ") + badges.join(QStringLiteral(", "));
        return text;
    }
    case NameRole:
        return qs(t, "name");
    case TitleRole:
        return toolTitle(t);
    case DescriptionRole:
        return oneLine(qs(t, "description"), 200);
    case AnnotationsRole:
        return annotationFlags(t);
    default:
        return QVariant();
    }
}

ToolFilterModel::ToolFilterModel(QObject* parent)
    : QSortFilterProxyModel(parent)
{
    setDynamicSortFilter(false);
}

void ToolFilterModel::setFilterText(const QString& text)
{
    if (text == m_text)
        return;
    m_text = text;
    m_terms = text.toLower().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    invalidateFilter();
}

bool ToolFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    Q_UNUSED(sourceParent);
    if (m_terms.isEmpty())
        return true;
    const auto* model = qobject_cast<const ToolListModel*>(sourceModel());
    if (!model)
        return true;
    const QString& hay = model->haystack(sourceRow);
    for (const QString& term : m_terms) {
        if (!hay.contains(term))
            return false;
    }
    return true;
}

} // namespace lanyard
