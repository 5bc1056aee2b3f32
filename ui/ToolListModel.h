// SPDX-License-Identifier: MIT
#pragma once

#include "util/Json.h"

#include <QAbstractListModel>
#include <QSortFilterProxyModel>
#include <QStringList>
#include <QTimer>

#include <vector>

namespace lanyard {

// The tools of one server (tools/list) as a flat list over the session's JSON array, without copying
// it: rows are read from the array when painted, and the lower-case search text is built the first
// time a filter needs it. Resetting or appending a page is O(page), so 10,000 tools stay instant.
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

    // Shows the tools of `source` (a JSON array that outlives the model or the next setSource();
    // nullptr = none). Call sourceAppended() when items were added at its end.
    void setSource(const json* source);
    void sourceAppended();
    // Convenience for tests and small lists: the model keeps its own copy.
    void setTools(const json& tools);

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;

    const json& toolAt(int row) const;
    int rowOf(const QString& name) const;
    // Lower-case text the filter searches (name, title, description).
    const QString& haystack(int row) const;

    static QString toolTitle(const json& tool);
    static int annotationFlags(const json& tool);
    // Badge texts for the flags, in a fixed order.
    static QStringList annotationNames(int flags);

private:
    void warmLater();
    void warmSlice();

    const json* m_source = nullptr;
    json m_own = json::array();
    int m_rows = 0;
    mutable std::vector<QString> m_haystack;
    int m_warmed = 0; // rows [0, m_warmed) have their search text built
    QTimer m_warmTimer;
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
