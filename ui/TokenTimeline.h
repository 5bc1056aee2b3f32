// SPDX-License-Identifier: MIT
#pragma once

#include "auth/Lifecycle.h"

#include <QDateTime>
#include <QPointer>
#include <QTimer>
#include <QWidget>

namespace lanyard {

class Clock;

// The token lifecycle drawn on a time axis: one lane per token (the Entra sign-in, then each
// server's token), a mark per event (issued, refreshed, exchanged, step-up, expired, revoked,
// failed, ...), the validity window of each token as a bar, and a "now" line that moves. Hover
// shows an event's summary; a click selects it (eventSelected).
class TokenTimeline : public QWidget
{
    Q_OBJECT
public:
    explicit TokenTimeline(QWidget* parent = nullptr);
    void setLog(auth::LifecycleLog* log, const Clock* clock);

    // Visible span in seconds (0 = fit every event and expiry).
    void setSpanSecs(qint64 secs);
    qint64 spanSecs() const { return m_spanSecs; }

    QStringList laneNames() const;
    int eventCount() const { return int(m_events.size()); }
    const QList<auth::LifecycleEvent>& events() const { return m_events; }
    // Where event `index` is drawn (for tests and keyboard use); invalid point if not visible.
    QPoint markPosition(int index) const;
    int selectedIndex() const { return m_selected; }
    void selectEvent(int index);

    static QColor colorFor(auth::LifecycleEvent::Kind kind);
    static QString labelFor(auth::LifecycleEvent::Kind kind);
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

signals:
    void eventSelected(int index);

protected:
    void paintEvent(QPaintEvent* event) override;
    bool event(QEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;

private:
    void reloadAll();
    void append(const auth::LifecycleEvent& event);
    int laneOf(const auth::LifecycleEvent& event) const;
    void computeRange(QDateTime* from, QDateTime* to) const;
    QRect plotRect() const;
    double xFor(const QDateTime& t, const QDateTime& from, const QDateTime& to, const QRect& plot) const;
    int eventAt(const QPoint& pos) const;
    QList<QPoint> markPositions() const;
    QDateTime now() const;

    QPointer<auth::LifecycleLog> m_log;
    const Clock* m_clock = nullptr;
    QList<auth::LifecycleEvent> m_events;
    QStringList m_lanes; // "" = the sign-in
    QHash<QString, QString> m_laneStrategy;
    qint64 m_spanSecs = 0;
    int m_selected = -1;
    QTimer m_tick;
    QList<QMetaObject::Connection> m_connections;
};

} // namespace lanyard
