// SPDX-License-Identifier: MIT
#pragma once

#include <QStyledItemDelegate>

namespace lanyard {

// Two-line rows for the tool list: title (or name) with annotation badges, then name and
// description. Every row has the same height, so the view can use uniform item sizes.
class ToolItemDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;
};

} // namespace lanyard
