// SPDX-License-Identifier: MIT
#include "Badge.h"

#include <QFontMetrics>
#include <QPainter>
#include <QPainterPath>

namespace lanyard {

namespace {
constexpr int kPadding = 6;
}

int badgeWidth(const QFont& font, const QString& text)
{
    return QFontMetrics(font).horizontalAdvance(text) + 2 * kPadding;
}

int paintBadge(QPainter* painter, const QRect& rect, const QString& text, const QColor& color)
{
    painter->save();
    QFont f = painter->font();
    const QFontMetrics fm(f);
    const int w = fm.horizontalAdvance(text) + 2 * kPadding;
    const int h = fm.height() + 2;
    const QRectF r(rect.left(), rect.center().y() - h / 2.0 + 0.5, w, h);
    painter->setRenderHint(QPainter::Antialiasing);
    QColor fill = color;
    fill.setAlphaF(0.16f);
    QColor border = color;
    border.setAlphaF(0.7f);
    painter->setPen(QPen(border, 1));
    painter->setBrush(fill);
    painter->drawRoundedRect(r.adjusted(0.5, 0.5, -0.5, -0.5), h / 2.0, h / 2.0);
    painter->setPen(color);
    painter->drawText(r, Qt::AlignCenter, text);
    painter->restore();
    return w;
}

BadgeLabel::BadgeLabel(const QString& text, const QColor& color, QWidget* parent)
    : QLabel(parent)
{
    setTextFormat(Qt::PlainText);
    setBadge(text, color);
}

void BadgeLabel::setBadge(const QString& text, const QColor& color)
{
    setText(text);
    QColor fill = color;
    fill.setAlphaF(0.16f);
    setStyleSheet(QStringLiteral("QLabel { color: %1; background: rgba(%2,%3,%4,%5); border: 1px solid %1; "
                                 "border-radius: 8px; padding: 0px 6px; }")
                      .arg(color.name())
                      .arg(fill.red())
                      .arg(fill.green())
                      .arg(fill.blue())
                      .arg(QString::number(fill.alphaF(), 'f', 2)));
    setAccessibleName(text);
}

} // namespace lanyard
