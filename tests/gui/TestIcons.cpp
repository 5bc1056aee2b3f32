// SPDX-License-Identifier: MIT
// The SVG icons (ui/Icons.cpp): drawn in the palette's text colour, kept between paints (a repaint
// must not parse the SVG again), drawn anew when the palette changes, sharp on high-DPI painters.
#include "Icons.h"

#include <QApplication>
#include <QImage>
#include <QPainter>
#include <QPalette>
#include <QPixmap>
#include <QTest>

namespace {

// The colour of the most opaque pixel, and that opacity.
QColor inkOf(const QPixmap& pm, int* alpha = nullptr)
{
    const QImage image = pm.toImage().convertToFormat(QImage::Format_ARGB32);
    QColor best(Qt::transparent);
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x) {
            const QColor c = image.pixelColor(x, y);
            if (c.alpha() > best.alpha())
                best = c;
        }
    if (alpha)
        *alpha = best.alpha();
    return best;
}

QPalette withText(const QColor& color)
{
    QPalette pal = QApplication::palette();
    pal.setColor(QPalette::Active, QPalette::WindowText, color);
    return pal;
}

} // namespace

class TestIcons : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { lanyard::ui::initResources(); }
    void cleanup() { QApplication::setPalette(QPalette()); }

    void followsThePaletteTextColour()
    {
        const QIcon icon = lanyard::ui::icon(QStringLiteral("stop"));
        QApplication::setPalette(withText(QColor(200, 0, 0)));
        QCOMPARE(inkOf(icon.pixmap(QSize(32, 32))).rgb(), QColor(200, 0, 0).rgb());
        // The same size again after a palette change: the kept pixmap must not be reused.
        QApplication::setPalette(withText(QColor(0, 0, 200)));
        QCOMPARE(inkOf(icon.pixmap(QSize(32, 32))).rgb(), QColor(0, 0, 200).rgb());
    }

    void keptBetweenPaints()
    {
        const QIcon icon = lanyard::ui::icon(QStringLiteral("check"));
        const QPixmap first = icon.pixmap(QSize(24, 24));
        const QPixmap second = icon.pixmap(QSize(24, 24));
        QVERIFY(!first.isNull());
        QCOMPARE(second.cacheKey(), first.cacheKey());
        const QPixmap larger = icon.pixmap(QSize(48, 48));
        QCOMPARE(larger.size(), QSize(48, 48));
        QVERIFY(larger.cacheKey() != first.cacheKey());
    }

    void fixedColourAndDisabled()
    {
        const QIcon icon = lanyard::ui::icon(QStringLiteral("stop"), QColor(0, 160, 0));
        int normal = 0;
        int disabled = 0;
        QCOMPARE(inkOf(icon.pixmap(QSize(32, 32)), &normal).rgb(), QColor(0, 160, 0).rgb());
        QCOMPARE(inkOf(icon.pixmap(QSize(32, 32), QIcon::Disabled), &disabled).rgb(), QColor(0, 160, 0).rgb());
        QCOMPARE(normal, 255);
        QVERIFY2(disabled < 160, qPrintable(QStringLiteral("disabled opacity %1").arg(disabled)));
    }

    void sharpOnHighDpiPainter()
    {
        // 32 logical pixels at ratio 2 are 64 device pixels; the square's right edge (x = 18 of 24)
        // lies at device x = 48. Drawn at ratio 1 and stretched, or into the corner, it would not.
        QImage image(64, 64, QImage::Format_ARGB32_Premultiplied);
        image.fill(Qt::transparent);
        image.setDevicePixelRatio(2.0);
        QApplication::setPalette(withText(QColor(200, 0, 0)));
        {
            QPainter painter(&image);
            lanyard::ui::icon(QStringLiteral("stop")).paint(&painter, QRect(0, 0, 32, 32));
        }
        QCOMPARE(image.pixelColor(48, 32).alpha(), 255);
        QCOMPARE(image.pixelColor(48, 32).rgb(), QColor(200, 0, 0).rgb());
        QCOMPARE(image.pixelColor(32, 32).alpha(), 0); // inside the square
        // An edge of one device pixel: drawn at ratio 1 and scaled up it would be two pixels of blur.
        QCOMPARE(image.pixelColor(44, 32).alpha(), 0);
    }
};

QTEST_MAIN(TestIcons)
#include "TestIcons.moc"
