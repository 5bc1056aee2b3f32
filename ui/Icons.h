// SPDX-License-Identifier: MIT
#pragma once

#include <QColor>
#include <QIcon>
#include <QString>

namespace lanyard::ui {

// Loads the compiled-in resources (call once from main or a test before creating widgets).
void initResources();

// An icon from resources/icons/<name>.svg. Rendered at paint time with the current palette's
// text colour (dimmed when disabled, highlighted text when selected), so it is crisp at any size
// and follows light and dark palettes.
QIcon icon(const QString& name);
// The same icon rendered in a fixed colour (status dots, badges, the message bar).
QIcon icon(const QString& name, const QColor& color);
// The colourful application icon.
QIcon appIcon();

// Colours that read well on both light and dark palettes.
QColor successColor();
QColor warningColor();
QColor errorColor();
QColor infoColor();
bool isDarkPalette();

} // namespace lanyard::ui
