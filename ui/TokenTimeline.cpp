// SPDX-License-Identifier: MIT
#include "TokenTimeline.h"

#include "util/Clock.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QToolTip>

#include <cmath>

namespace lanyard {

namespace {

constexpr int kLaneHeight = 44;
constexpr int kLabelWidth = 170;
constexpr int kAxisHeight = 28;
constexpr int kLegendHeight = 26;
constexpr int kMarkRadius = 6;

using Kind = auth::LifecycleEvent::Kind;

bool startsValidity(Kind k)
{
    return k == Kind::TokenIssued || k == Kind::Refreshed || k == Kind::Exchanged || k == Kind::StepUp
        || k == Kind::SignedIn;
}

QDateTime claimTime(const json& claims, const char* key)
{
    auto it = claims.find(key);
    if (it == claims.end() || !it->is_number())
        return QDateTime();
    return QDateTime::fromSecsSinceEpoch(it->get<qint64>(), Qt::UTC);
}

} // namespace

TokenTimeline::TokenTimeline(QWidget* parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("tokenTimeline"));
    setAccessibleName(tr("Token lifecycle timeline"));
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setBackgroundRole(QPalette::Base);
    setAutoFillBackground(true);
    m_tick.setInterval(1000);
    connect(&m_tick, &QTimer::timeout, this, qOverload<>(&QWidget::update));
    m_tick.start();
}

void TokenTimeline::setLog(auth::LifecycleLog* log, const Clock* clock)
{
    for (const auto& c : std::as_const(m_connections))
        disconnect(c);
    m_connections.clear();
    m_log = log;
    m_clock = clock;
    if (log) {
        m_connections << connect(log, &auth::LifecycleLog::eventAdded, this, [this](const auth::LifecycleEvent& e) {
            append(e);
            updateGeometry();
            update();
        });
        m_connections << connect(log, &QAbstractItemModel::modelReset, this, &TokenTimeline::reloadAll);
        m_connections << connect(log, &QAbstractItemModel::rowsRemoved, this, &TokenTimeline::reloadAll);
    }
    reloadAll();
}

void TokenTimeline::reloadAll()
{
    m_events.clear();
    m_lanes.clear();
    m_laneStrategy.clear();
    m_lanes << QString();
    m_laneStrategy.insert(QString(), QStringLiteral("sign-in"));
    m_selected = -1;
    if (m_log) {
        for (const auto& e : m_log->events())
            append(e);
    }
    updateGeometry();
    update();
}

void TokenTimeline::append(const auth::LifecycleEvent& event)
{
    m_events.append(event);
    if (!m_lanes.contains(event.server))
        m_lanes << event.server;
    if (!event.strategy.isEmpty() && event.strategy != QLatin1String("sign-in"))
        m_laneStrategy.insert(event.server, event.strategy);
}

QStringList TokenTimeline::laneNames() const
{
    QStringList out;
    for (const QString& lane : m_lanes)
        out << (lane.isEmpty() ? tr("Entra sign-in") : lane);
    return out;
}

void TokenTimeline::setSpanSecs(qint64 secs)
{
    m_spanSecs = qMax<qint64>(0, secs);
    update();
}

QDateTime TokenTimeline::now() const
{
    return (m_clock ? m_clock : Clock::system())->now();
}

int TokenTimeline::laneOf(const auth::LifecycleEvent& event) const
{
    return int(m_lanes.indexOf(event.server));
}

QSize TokenTimeline::sizeHint() const
{
    return QSize(900, kLegendHeight + kAxisHeight + kLaneHeight * int(qMax<qsizetype>(2, m_lanes.size())) + 12);
}

QSize TokenTimeline::minimumSizeHint() const
{
    return QSize(400, kLegendHeight + kAxisHeight + kLaneHeight * int(qMax<qsizetype>(1, m_lanes.size())) + 12);
}

QRect TokenTimeline::plotRect() const
{
    return QRect(kLabelWidth, kLegendHeight + kAxisHeight, qMax(50, width() - kLabelWidth - 16),
        kLaneHeight * int(m_lanes.size()));
}

void TokenTimeline::computeRange(QDateTime* from, QDateTime* to) const
{
    const QDateTime current = now();
    if (m_spanSecs > 0) {
        // Most of the span in the past, a quarter ahead for upcoming expiries.
        *from = current.addSecs(-m_spanSecs * 3 / 4);
        *to = current.addSecs(m_spanSecs / 4);
        return;
    }
    QDateTime lo = current.addSecs(-120);
    QDateTime hi = current.addSecs(60);
    for (const auto& e : m_events) {
        if (e.time.isValid() && e.time < lo)
            lo = e.time;
        const QDateTime exp = claimTime(e.claims, "exp");
        if (exp.isValid() && exp > hi && startsValidity(e.kind))
            hi = exp;
    }
    const qint64 span = qMax<qint64>(60, lo.secsTo(hi));
    *from = lo.addSecs(-span / 30);
    *to = hi.addSecs(span / 30);
}

double TokenTimeline::xFor(const QDateTime& t, const QDateTime& from, const QDateTime& to, const QRect& plot) const
{
    const double total = double(qMax<qint64>(1, from.msecsTo(to)));
    return plot.left() + plot.width() * double(from.msecsTo(t)) / total;
}

QList<QPoint> TokenTimeline::markPositions() const
{
    QList<QPoint> out;
    out.reserve(m_events.size());
    QDateTime from;
    QDateTime to;
    computeRange(&from, &to);
    const QRect plot = plotRect();
    // Events close in time would hide each other: within a lane each mark keeps at least a mark's
    // width from the previous one (the tooltip and the details give the exact time).
    QHash<int, double> lastX;
    for (const auto& e : m_events) {
        const int lane = laneOf(e);
        double x = xFor(e.time, from, to, plot);
        if (auto it = lastX.constFind(lane); it != lastX.constEnd() && x < *it + 2 * kMarkRadius + 3)
            x = *it + 2 * kMarkRadius + 3;
        lastX.insert(lane, x);
        if (x < plot.left() - kMarkRadius || x > plot.right() + kMarkRadius)
            out << QPoint();
        else
            out << QPoint(int(std::lround(x)), plot.top() + lane * kLaneHeight + kLaneHeight / 2);
    }
    return out;
}

QPoint TokenTimeline::markPosition(int index) const
{
    if (index < 0 || index >= m_events.size())
        return QPoint();
    return markPositions().at(index);
}

int TokenTimeline::eventAt(const QPoint& pos) const
{
    int best = -1;
    int bestDistance = (kMarkRadius + 2) * (kMarkRadius + 2);
    const QList<QPoint> positions = markPositions();
    for (int i = int(m_events.size()) - 1; i >= 0; --i) {
        const QPoint p = positions.at(i);
        if (p.isNull())
            continue;
        const QPoint d = p - pos;
        const int dist = d.x() * d.x() + d.y() * d.y();
        if (dist < bestDistance) {
            bestDistance = dist;
            best = i;
        }
    }
    return best;
}

void TokenTimeline::selectEvent(int index)
{
    if (index < -1 || index >= m_events.size())
        return;
    m_selected = index;
    update();
    emit eventSelected(index);
}

QColor TokenTimeline::colorFor(Kind kind)
{
    switch (kind) {
    case Kind::SignedIn:
        return QColor(0x00, 0x89, 0x7b);
    case Kind::TokenIssued:
        return QColor(0x2e, 0x9d, 0x4a);
    case Kind::Refreshed:
        return QColor(0x2f, 0x6f, 0xde);
    case Kind::Exchanged:
        return QColor(0x8e, 0x44, 0xad);
    case Kind::StepUp:
        return QColor(0xe6, 0x7e, 0x22);
    case Kind::Expired:
        return QColor(0x8a, 0x8f, 0x98);
    case Kind::Revoked:
        return QColor(0x8b, 0x1e, 0x1e);
    case Kind::Failed:
        return QColor(0xd6, 0x30, 0x31);
    case Kind::SignedOut:
        return QColor(0x5f, 0x63, 0x68);
    case Kind::Notice:
        return QColor(0xc9, 0xa2, 0x00);
    }
    return QColor(Qt::gray);
}

QString TokenTimeline::labelFor(Kind kind)
{
    switch (kind) {
    case Kind::SignedIn:
        return tr("signed in");
    case Kind::TokenIssued:
        return tr("issued");
    case Kind::Refreshed:
        return tr("refreshed");
    case Kind::Exchanged:
        return tr("exchanged");
    case Kind::StepUp:
        return tr("step-up");
    case Kind::Expired:
        return tr("expired");
    case Kind::Revoked:
        return tr("revoked");
    case Kind::Failed:
        return tr("failed");
    case Kind::SignedOut:
        return tr("signed out");
    case Kind::Notice:
        return tr("notice");
    }
    return QString();
}

void TokenTimeline::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QPalette pal = palette();
    const QColor text = pal.color(QPalette::Text);
    QColor faint = text;
    faint.setAlpha(40);
    QColor muted = text;
    muted.setAlpha(150);

    // Legend.
    int lx = 8;
    const QFontMetrics fm(font());
    for (Kind k : { Kind::SignedIn, Kind::TokenIssued, Kind::Refreshed, Kind::Exchanged, Kind::StepUp, Kind::Expired,
             Kind::Revoked, Kind::Failed, Kind::Notice }) {
        p.setPen(Qt::NoPen);
        p.setBrush(colorFor(k));
        p.drawEllipse(QPointF(lx + 5, kLegendHeight / 2.0), 5, 5);
        p.setPen(text);
        const QString label = labelFor(k);
        p.drawText(lx + 14, kLegendHeight / 2 + fm.ascent() / 2 - 1, label);
        lx += 14 + fm.horizontalAdvance(label) + 14;
    }
    QColor barLegend = pal.color(QPalette::Highlight);
    barLegend.setAlpha(80);
    p.fillRect(QRect(lx, kLegendHeight / 2 - 4, 22, 8), barLegend);
    p.setPen(text);
    p.drawText(lx + 28, kLegendHeight / 2 + fm.ascent() / 2 - 1, tr("valid until expiry"));

    QDateTime from;
    QDateTime to;
    computeRange(&from, &to);
    const QRect plot = plotRect();
    const qint64 spanSecs = qMax<qint64>(1, from.secsTo(to));

    // Axis ticks at a readable step.
    static const qint64 steps[] = { 10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400 };
    qint64 step = steps[std::size(steps) - 1];
    for (qint64 s : steps) {
        if (spanSecs / s <= 10) {
            step = s;
            break;
        }
    }
    const QString fmt = step < 60 ? QStringLiteral("HH:mm:ss") : QStringLiteral("HH:mm");
    qint64 first = (from.toSecsSinceEpoch() / step + 1) * step;
    for (qint64 t = first; t <= to.toSecsSinceEpoch(); t += step) {
        const QDateTime at = QDateTime::fromSecsSinceEpoch(t, Qt::UTC);
        const double x = xFor(at, from, to, plot);
        p.setPen(QPen(faint, 1));
        p.drawLine(QPointF(x, plot.top() - 4), QPointF(x, plot.bottom()));
        p.setPen(muted);
        const QString label = at.toLocalTime().toString(fmt);
        p.drawText(QPointF(x - fm.horizontalAdvance(label) / 2.0, plot.top() - 8), label);
    }

    // Lanes.
    for (int i = 0; i < m_lanes.size(); ++i) {
        const QRect lane(0, plot.top() + i * kLaneHeight, width(), kLaneHeight);
        if (i % 2 == 1)
            p.fillRect(lane, pal.color(QPalette::AlternateBase));
        p.setPen(text);
        QFont bold = font();
        bold.setBold(true);
        p.setFont(bold);
        const QString name = m_lanes[i].isEmpty() ? tr("Entra sign-in") : m_lanes[i];
        p.drawText(QRect(10, lane.top() + 4, kLabelWidth - 16, kLaneHeight / 2), Qt::AlignLeft | Qt::AlignVCenter,
            fm.elidedText(name, Qt::ElideRight, kLabelWidth - 16));
        p.setFont(font());
        p.setPen(muted);
        p.drawText(QRect(10, lane.top() + kLaneHeight / 2, kLabelWidth - 16, kLaneHeight / 2 - 4),
            Qt::AlignLeft | Qt::AlignVCenter, m_laneStrategy.value(m_lanes[i]));
    }

    // Validity bars: from each issue to its exp, cut where the next token of the lane begins.
    p.save();
    p.setClipRect(plot.adjusted(0, 0, 1, 1));
    for (int i = 0; i < m_events.size(); ++i) {
        const auto& e = m_events[i];
        if (!startsValidity(e.kind))
            continue;
        const QDateTime exp = claimTime(e.claims, "exp");
        if (!exp.isValid())
            continue;
        QDateTime end = exp;
        for (int j = i + 1; j < m_events.size(); ++j) {
            const auto& n = m_events[j];
            if (n.server == e.server
                && (startsValidity(n.kind) || n.kind == Kind::Revoked || n.kind == Kind::SignedOut)) {
                if (n.time < end)
                    end = n.time;
                break;
            }
        }
        const int lane = laneOf(e);
        const double x0 = xFor(e.time, from, to, plot);
        const double x1 = xFor(end, from, to, plot);
        const QRectF r(x0, plot.top() + lane * kLaneHeight + kLaneHeight / 2.0 - 5, qMax(2.0, x1 - x0), 10);
        QColor fill = colorFor(e.kind);
        fill.setAlpha(end < exp ? 55 : 95);
        p.setPen(Qt::NoPen);
        p.setBrush(fill);
        p.drawRoundedRect(r, 3, 3);
        if (end == exp) {
            // The expiry itself: a tick at the end of the bar.
            p.setPen(QPen(colorFor(Kind::Expired), 2));
            p.drawLine(QPointF(x1, r.top() - 3), QPointF(x1, r.bottom() + 3));
        }
    }

    // Marks.
    const QList<QPoint> positions = markPositions();
    for (int i = 0; i < m_events.size(); ++i) {
        const QPoint c = positions.at(i);
        if (c.isNull())
            continue;
        const QColor color = colorFor(m_events[i].kind);
        p.setPen(QPen(pal.color(QPalette::Base), 2));
        p.setBrush(color);
        if (m_events[i].kind == Kind::Failed || m_events[i].kind == Kind::Revoked) {
            QPainterPath diamond;
            diamond.moveTo(c.x(), c.y() - kMarkRadius - 1);
            diamond.lineTo(c.x() + kMarkRadius + 1, c.y());
            diamond.lineTo(c.x(), c.y() + kMarkRadius + 1);
            diamond.lineTo(c.x() - kMarkRadius - 1, c.y());
            diamond.closeSubpath();
            p.drawPath(diamond);
        } else {
            p.drawEllipse(QPointF(c), kMarkRadius, kMarkRadius);
        }
        if (i == m_selected) {
            p.setPen(QPen(pal.color(QPalette::Highlight), 2));
            p.setBrush(Qt::NoBrush);
            p.drawEllipse(QPointF(c), kMarkRadius + 4, kMarkRadius + 4);
        }
    }

    // Now.
    const double xn = xFor(now(), from, to, plot);
    p.setPen(QPen(QColor(0xd6, 0x30, 0x31), 1.5, Qt::DashLine));
    p.drawLine(QPointF(xn, plot.top() - 2), QPointF(xn, plot.bottom()));
    p.restore();
    p.setPen(QColor(0xd6, 0x30, 0x31));
    p.drawText(QPointF(qMin(xn + 4, double(plot.right() - 30)), plot.bottom() + fm.height()), tr("now"));

    if (m_events.isEmpty()) {
        p.setPen(muted);
        p.drawText(plot, Qt::AlignCenter,
            tr("No token events yet. Sign in or connect to a server that uses an identity strategy."));
    }
}

bool TokenTimeline::event(QEvent* event)
{
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const int i = eventAt(help->pos());
        if (i >= 0) {
            const auto& e = m_events[i];
            QString tip = QStringLiteral("<b>%1</b> %2<br>%3")
                              .arg(labelFor(e.kind).toHtmlEscaped(),
                                  e.time.toLocalTime().toString(QStringLiteral("HH:mm:ss")), e.message.toHtmlEscaped());
            const QDateTime exp = claimTime(e.claims, "exp");
            if (exp.isValid())
                tip += QStringLiteral("<br>")
                    + tr("expires %1").arg(exp.toLocalTime().toString(QStringLiteral("HH:mm:ss")));
            if (!e.fingerprint.isEmpty())
                tip += QStringLiteral("<br>") + tr("token %1").arg(e.fingerprint.toHtmlEscaped());
            QToolTip::showText(help->globalPos(), tip, this);
        } else {
            QToolTip::hideText();
            event->ignore();
        }
        return true;
    }
    return QWidget::event(event);
}

void TokenTimeline::mousePressEvent(QMouseEvent* event)
{
    const int i = eventAt(event->position().toPoint());
    if (i >= 0)
        selectEvent(i);
    QWidget::mousePressEvent(event);
}

} // namespace lanyard
