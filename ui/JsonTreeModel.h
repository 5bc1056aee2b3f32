// SPDX-License-Identifier: MIT
#pragma once

#include "util/Json.h"

#include <QAbstractItemModel>

#include <memory>
#include <vector>

namespace lanyard {

// A JSON value as a foldable tree (key, value, type) for QTreeView. Very large values are cut
// off after a node budget, with a row saying how much was left out.
class JsonTreeModel : public QAbstractItemModel
{
    Q_OBJECT
public:
    explicit JsonTreeModel(QObject* parent = nullptr);
    ~JsonTreeModel() override;

    void setJson(const json& value, int nodeBudget = 50000);
    const json& value() const { return m_value; }

    QModelIndex index(int row, int column, const QModelIndex& parent = QModelIndex()) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    int columnCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Node
    {
        QString key;
        QString value;
        QString type;
        Node* parent = nullptr;
        int row = 0;
        std::vector<std::unique_ptr<Node>> children;
    };
    void build(Node* node, const json& value, int* budget);

    json m_value;
    std::unique_ptr<Node> m_root;
};

} // namespace lanyard
