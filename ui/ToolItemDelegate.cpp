// SPDX-License-Identifier: MIT
#include "ToolItemDelegate.h"

#include "Badge.h"
#include "Icons.h"
#include "ToolListModel.h"

#include <QApplication>
#include <QPainter>

namespace lanyard {

QSize ToolItemDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const
{
    Q_UNUSED(index);
    const QFontMetrics fm(option.font);
    return QSize(200, fm.height() * 2 + 14);
}

void ToolItemDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    opt.text.clear();
    opt.icon = QIcon();
    const QWidget* widget = option.widget;
    QStyle* style = widget ? widget->style() : QApplication::style();
    style->drawPrimitive(QStyle::PE_PanelItemViewItem, &opt, painter, widget);

    const bool selected = option.state & QStyle::State_Selected;
    const QPalette::ColorGroup group = option.state & QStyle::State_Enabled ? QPalette::Normal : QPalette::Disabled;
    const QColor text = option.palette.color(group, selected ? QPalette::HighlightedText : QPalette::Text);
    QColor dim = text;
    dim.setAlphaF(0.65f);

    const QString name = index.data(ToolListModel::NameRole).toString();
    const QString title = index.data(ToolListModel::TitleRole).toString();
    const QString description = index.data(ToolListModel::DescriptionRole).toString();
    const int flags = index.data(ToolListModel::AnnotationsRole).toInt();

    const QRect r = option.rect.adjusted(8, 5, -8, -5);
    const QFontMetrics fm(option.font);
    QFont bold = option.font;
    bold.setBold(true);
    const QFontMetrics bfm(bold);
    QFont small = option.font;
    small.setPointSizeF(qMax(6.0, option.font.pointSizeF() * 0.85));

    painter->save();
    // Badges on the right of the first line.
    int badgesWidth = 0;
    const QStringList badges = ToolListModel::annotationNames(flags);
    for (const QString& b : badges)
        badgesWidth += badgeWidth(small, b) + 4;
    const QRect line1(r.left(), r.top(), r.width(), fm.height());
    const QRect line2(r.left(), r.top() + fm.height() + 2, r.width(), fm.height());

    painter->setFont(bold);
    painter->setPen(text);
    const QString head = title.isEmpty() ? name : title;
    const int headWidth = qMax(40, line1.width() - badgesWidth - 8);
    painter->drawText(QRect(line1.left(), line1.top(), headWidth, line1.height()), Qt::AlignLeft | Qt::AlignVCenter,
        bfm.elidedText(head, Qt::ElideRight, headWidth));
    painter->setFont(small);
    int x = line1.right() - badgesWidth + 4;
    for (const QString& b : badges) {
        QColor c = b == ToolListModel::annotationNames(ToolListModel::Destructive).value(0) ? ui::errorColor()
            : b == ToolListModel::annotationNames(ToolListModel::ReadOnly).value(0)         ? ui::successColor()
                                                                                            : ui::infoColor();
        if (selected)
            c = text;
        x += paintBadge(painter, QRect(x, line1.top(), 0, line1.height()), b, c) + 4;
    }

    painter->setFont(option.font);
    painter->setPen(dim);
    QString second = description;
    if (!title.isEmpty())
        second = description.isEmpty() ? name : name + QStringLiteral(" \u2014 ") + description;
    painter->drawText(line2, Qt::AlignLeft | Qt::AlignVCenter, fm.elidedText(second, Qt::ElideRight, line2.width()));
    painter->restore();
}

} // namespace lanyard
