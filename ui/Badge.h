// SPDX-License-Identifier: MIT
#pragma once

#include <QColor>
#include <QLabel>
#include <QRect>
#include <QString>

class QPainter;
class QFont;

namespace lanyard {

// Small rounded "pill" labels: tool annotations, auth strategy, transport.
struct BadgeSpec
{
    QString text;
    QColor color;
};

// Width a badge needs with this font.
int badgeWidth(const QFont& font, const QString& text);
// Paints one badge with its left edge at rect.left(), vertically centred; returns its width.
int paintBadge(QPainter* painter, const QRect& rect, const QString& text, const QColor& color);

// A QLabel that looks like a badge.
class BadgeLabel : public QLabel
{
    Q_OBJECT
public:
    BadgeLabel(const QString& text, const QColor& color, QWidget* parent = nullptr);
    void setBadge(const QString& text, const QColor& color);
};

} // namespace lanyard
