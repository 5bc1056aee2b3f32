// SPDX-License-Identifier: MIT
#include "JsonTreeModel.h"

namespace lanyard {

JsonTreeModel::JsonTreeModel(QObject* parent)
    : QAbstractItemModel(parent)
    , m_root(std::make_unique<Node>())
{
}

JsonTreeModel::~JsonTreeModel() = default;

void JsonTreeModel::setJson(const json& value, int nodeBudget)
{
    beginResetModel();
    m_value = value;
    m_root = std::make_unique<Node>();
    int budget = nodeBudget;
    auto top = std::make_unique<Node>();
    top->parent = m_root.get();
    top->key = value.is_array() ? QStringLiteral("[ ]") : value.is_object() ? QStringLiteral("{ }") : QString();
    build(top.get(), value, &budget);
    m_root->children.push_back(std::move(top));
    endResetModel();
}

void JsonTreeModel::build(Node* node, const json& value, int* budget)
{
    --*budget;
    switch (value.type()) {
    case json::value_t::object:
        node->type = QStringLiteral("object");
        node->value = value.size() == 1 ? tr("{1 member}") : tr("{%1 members}").arg(value.size());
        break;
    case json::value_t::array:
        node->type = QStringLiteral("array");
        node->value = value.size() == 1 ? tr("[1 item]") : tr("[%1 items]").arg(value.size());
        break;
    case json::value_t::string: {
        node->type = QStringLiteral("string");
        QString s = qstr(value.get<std::string>());
        if (s.size() > 500)
            s = s.left(500) + QChar(0x2026);
        node->value = QStringLiteral("\"%1\"").arg(s);
        return;
    }
    case json::value_t::boolean:
        node->type = QStringLiteral("boolean");
        node->value = value.get<bool>() ? QStringLiteral("true") : QStringLiteral("false");
        return;
    case json::value_t::null:
        node->type = QStringLiteral("null");
        node->value = QStringLiteral("null");
        return;
    default:
        node->type = QStringLiteral("number");
        node->value = QString::fromUtf8(dumpJson(value));
        return;
    }
    int row = 0;
    int index = 0;
    const int total = int(value.size());
    for (auto it = value.begin(); it != value.end(); ++it, ++index) {
        if (*budget <= 0) {
            auto more = std::make_unique<Node>();
            more->parent = node;
            more->row = row;
            more->key = QStringLiteral("\u2026");
            more->value = tr("%1 more not shown").arg(total - index);
            node->children.push_back(std::move(more));
            break;
        }
        auto child = std::make_unique<Node>();
        child->parent = node;
        child->row = row++;
        child->key = value.is_object() ? qstr(it.key()) : QStringLiteral("[%1]").arg(index);
        build(child.get(), *it, budget);
        node->children.push_back(std::move(child));
    }
}

QModelIndex JsonTreeModel::index(int row, int column, const QModelIndex& parent) const
{
    const Node* p = parent.isValid() ? static_cast<const Node*>(parent.internalPointer()) : m_root.get();
    if (row < 0 || column < 0 || column > 2 || row >= int(p->children.size()))
        return QModelIndex();
    return createIndex(row, column, p->children[size_t(row)].get());
}

QModelIndex JsonTreeModel::parent(const QModelIndex& child) const
{
    if (!child.isValid())
        return QModelIndex();
    const Node* n = static_cast<const Node*>(child.internalPointer());
    Node* p = n->parent;
    if (!p || p == m_root.get())
        return QModelIndex();
    return createIndex(p->row, 0, p);
}

int JsonTreeModel::rowCount(const QModelIndex& parent) const
{
    if (parent.column() > 0)
        return 0;
    const Node* p = parent.isValid() ? static_cast<const Node*>(parent.internalPointer()) : m_root.get();
    return int(p->children.size());
}

int JsonTreeModel::columnCount(const QModelIndex& parent) const
{
    Q_UNUSED(parent);
    return 3;
}

QVariant JsonTreeModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid())
        return QVariant();
    const Node* n = static_cast<const Node*>(index.internalPointer());
    if (role == Qt::DisplayRole || role == Qt::ToolTipRole) {
        switch (index.column()) {
        case 0:
            return n->key;
        case 1:
            return n->value;
        case 2:
            return n->type;
        default:
            break;
        }
    }
    return QVariant();
}

QVariant JsonTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QVariant();
    switch (section) {
    case 0:
        return tr("Key");
    case 1:
        return tr("Value");
    case 2:
        return tr("Type");
    default:
        return QVariant();
    }
}

} // namespace lanyard
