// SPDX-License-Identifier: MIT
#include "Icons.h"

#include <QApplication>
#include <QFile>
#include <QHash>
#include <QIconEngine>
#include <QPainter>
#include <QPalette>
#include <QPixmap>
#include <QPixmapCache>
#include <QSvgRenderer>

static void initLanyardResources()
{
    Q_INIT_RESOURCE(lanyard);
}

namespace lanyard::ui {

namespace {

QByteArray svgSource(const QString& name)
{
    static QHash<QString, QByteArray> cache;
    auto it = cache.find(name);
    if (it != cache.end())
        return *it;
    QFile file(QStringLiteral(":/lanyard/icons/%1.svg").arg(name));
    QByteArray bytes;
    if (file.open(QIODevice::ReadOnly))
        bytes = file.readAll();
    cache.insert(name, bytes);
    return bytes;
}

class SvgIconEngine : public QIconEngine
{
public:
    SvgIconEngine(QString name, QColor fixed)
        : m_name(std::move(name))
        , m_fixed(fixed)
    {
    }

    // Qt keeps no pixmaps for a custom engine: without a cache every repaint of a tab bar or tool
    // button parsed and rendered its SVG again (a sixth of a tool-filter keystroke, bench/notes.md).
    // The key holds the colour, so a palette change renders anew.
    void paint(QPainter* painter, const QRect& rect, QIcon::Mode mode, QIcon::State state) override
    {
        if (rect.isEmpty() || !painter->isActive())
            return;
        const qreal scale = painter->device() ? painter->device()->devicePixelRatioF() : 1.0;
        const QPixmap pm = scaledPixmap(rect.size(), mode, state, scale);
        if (!pm.isNull())
            painter->drawPixmap(rect, pm);
    }

    QPixmap pixmap(const QSize& size, QIcon::Mode mode, QIcon::State state) override
    {
        return scaledPixmap(size, mode, state, 1.0);
    }

    QPixmap scaledPixmap(const QSize& size, QIcon::Mode mode, QIcon::State state, qreal scale) override
    {
        Q_UNUSED(state);
        const QSize pixels = size * scale;
        if (pixels.isEmpty())
            return QPixmap();
        const QColor color = colorFor(mode);
        const QString key = QStringLiteral("lanyard-svg/%1/%2/%3x%4/%5/%6/%7")
                                .arg(m_name, color.name(QColor::HexArgb))
                                .arg(pixels.width())
                                .arg(pixels.height())
                                .arg(scale)
                                .arg(int(mode))
                                .arg(m_fixed.isValid() ? 1 : 0);
        QPixmap pm;
        if (QPixmapCache::find(key, &pm))
            return pm;
        pm = QPixmap(pixels);
        pm.fill(Qt::transparent);
        {
            QPainter p(&pm);
            render(&p, QRect(QPoint(0, 0), pixels), mode, color);
        }
        pm.setDevicePixelRatio(scale);
        QPixmapCache::insert(key, pm);
        return pm;
    }

    QIconEngine* clone() const override { return new SvgIconEngine(m_name, m_fixed); }
    QString key() const override { return QStringLiteral("lanyard-svg"); }

private:
    void render(QPainter* painter, const QRect& rect, QIcon::Mode mode, const QColor& color) const
    {
        QByteArray svg = svgSource(m_name);
        if (svg.isEmpty())
            return;
        svg.replace("currentColor", color.name(QColor::HexRgb).toLatin1());
        QSvgRenderer renderer(svg);
        painter->setRenderHint(QPainter::Antialiasing);
        if (mode == QIcon::Disabled && m_fixed.isValid())
            painter->setOpacity(0.45);
        renderer.render(painter, QRectF(rect));
    }

    QColor colorFor(QIcon::Mode mode) const
    {
        if (m_fixed.isValid())
            return m_fixed;
        const QPalette pal = QApplication::palette();
        switch (mode) {
        case QIcon::Disabled:
            return pal.color(QPalette::Disabled, QPalette::WindowText);
        case QIcon::Selected:
            return pal.color(QPalette::Active, QPalette::HighlightedText);
        default:
            return pal.color(QPalette::Active, QPalette::WindowText);
        }
    }

    QString m_name;
    QColor m_fixed;
};

} // namespace

void initResources()
{
    initLanyardResources();
}

QIcon icon(const QString& name)
{
    return QIcon(new SvgIconEngine(name, QColor()));
}

QIcon icon(const QString& name, const QColor& color)
{
    return QIcon(new SvgIconEngine(name, color));
}

QIcon appIcon()
{
    QIcon result;
    QSvgRenderer renderer(QStringLiteral(":/lanyard/icons/lanyard.svg"));
    for (int size : { 16, 24, 32, 48, 64, 128, 256 }) {
        QPixmap pm(size, size);
        pm.fill(Qt::transparent);
        QPainter p(&pm);
        p.setRenderHint(QPainter::Antialiasing);
        renderer.render(&p);
        p.end();
        result.addPixmap(pm);
    }
    return result;
}

bool isDarkPalette()
{
    const QPalette pal = QApplication::palette();
    return pal.color(QPalette::Window).lightness() < pal.color(QPalette::WindowText).lightness();
}

QColor successColor()
{
    return isDarkPalette() ? QColor(0x5c, 0xc9, 0x7b) : QColor(0x1e, 0x8e, 0x3e);
}

QColor warningColor()
{
    return isDarkPalette() ? QColor(0xf2, 0xb7, 0x3f) : QColor(0xb0, 0x6d, 0x00);
}

QColor errorColor()
{
    return isDarkPalette() ? QColor(0xff, 0x7b, 0x72) : QColor(0xc6, 0x28, 0x28);
}

QColor infoColor()
{
    return isDarkPalette() ? QColor(0x79, 0xb8, 0xff) : QColor(0x1f, 0x5f, 0xbf);
}

} // namespace lanyard::ui
