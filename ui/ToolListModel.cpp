// SPDX-License-Identifier: MIT
#include "ToolListModel.h"

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

ToolListModel::ToolListModel(QObject* parent) : QAbstractListModel(parent) {}

int ToolListModel::annotationFlags(const json& tool)
{
    const json a = tool.is_object() ? tool.value("annotations", json::object()) : json::object();
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

void ToolListModel::setTools(const json& tools)
{
    beginResetModel();
    m_items.clear();
    if (tools.is_array()) {
        m_items.reserve(tools.size());
        for (const auto& t : tools) {
            if (!t.is_object())
                continue;
            Item item;
            item.name = qs(t, "name");
            item.title = qs(t, "title");
            if (item.title.isEmpty() && t.contains("annotations"))
                item.title = qs(t["annotations"], "title");
            const QString description = qs(t, "description");
            item.description = oneLine(description, 200);
            item.flags = annotationFlags(t);
            item.haystack = (item.name + QLatin1Char('\n') + item.title + QLatin1Char('\n') + description.left(1000)).toLower();
            item.tool = t;
            m_items.push_back(std::move(item));
        }
    }
    endResetModel();
}

int ToolListModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_items.size());
}

QVariant ToolListModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_items.size()))
        return QVariant();
    const Item& item = m_items[size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole: return item.title.isEmpty() ? item.name : item.title;
    case Qt::ToolTipRole: return item.description;
    case Qt::AccessibleTextRole: {
        QString text = item.title.isEmpty() ? item.name : QStringLiteral("%1 (%2)").arg(item.title, item.name);
        const QStringList badges = annotationNames(item.flags);
        if (!badges.isEmpty())
            text += QStringLiteral(", ") + badges.join(QStringLiteral(", "));
        return text;
    }
    case NameRole: return item.name;
    case TitleRole: return item.title;
    case DescriptionRole: return item.description;
    case AnnotationsRole: return item.flags;
    default: return QVariant();
    }
}

const json& ToolListModel::toolAt(int row) const
{
    static const json empty = json::object();
    return row >= 0 && row < int(m_items.size()) ? m_items[size_t(row)].tool : empty;
}

int ToolListModel::rowOf(const QString& name) const
{
    for (size_t i = 0; i < m_items.size(); ++i) {
        if (m_items[i].name == name)
            return int(i);
    }
    return -1;
}

ToolFilterModel::ToolFilterModel(QObject* parent) : QSortFilterProxyModel(parent)
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
