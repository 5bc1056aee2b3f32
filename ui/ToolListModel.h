// SPDX-License-Identifier: MIT
#pragma once

#include "util/Json.h"

#include <QAbstractListModel>
#include <QSortFilterProxyModel>
#include <QStringList>

#include <vector>

namespace lanyard {

// The tools of one server (tools/list) as a flat list. Cheap per row: everything the delegate and
// the filter need is computed once in setTools().
class ToolListModel : public QAbstractListModel
{
    Q_OBJECT
public:
    enum Role {
        NameRole = Qt::UserRole + 1,
        TitleRole,
        DescriptionRole,
        AnnotationsRole, // int: Annotation flags the server declared true
    };
    enum Annotation { ReadOnly = 1, Destructive = 2, Idempotent = 4, OpenWorld = 8 };

    explicit ToolListModel(QObject* parent = nullptr);

    void setTools(const json& tools);
    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;

    const json& toolAt(int row) const;
    int rowOf(const QString& name) const;
    // Lower-case text the filter searches (name, title, description).
    const QString& haystack(int row) const { return m_items[size_t(row)].haystack; }

    static int annotationFlags(const json& tool);
    // Badge texts for the flags, in a fixed order.
    static QStringList annotationNames(int flags);

private:
    struct Item
    {
        QString name;
        QString title;
        QString description; // first line-ish, for the list
        int flags = 0;
        QString haystack;
        json tool;
    };
    std::vector<Item> m_items;
};

// Filters as you type: every whitespace-separated word must occur in the name, title or
// description (case-insensitive). Keeps the server's order.
class ToolFilterModel : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit ToolFilterModel(QObject* parent = nullptr);
    void setFilterText(const QString& text);
    QString filterText() const { return m_text; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    QString m_text;
    QStringList m_terms;
};

} // namespace lanyard
