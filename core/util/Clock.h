// SPDX-License-Identifier: MIT
#pragma once

#include <QDateTime>

namespace lanyard {

// Injectable time source: token expiry, refresh lead and lifecycle events read "now" from here.
class Clock
{
public:
    virtual ~Clock() = default;
    virtual QDateTime now() const { return QDateTime::currentDateTimeUtc(); }
    qint64 nowSecs() const { return now().toSecsSinceEpoch(); }

    static Clock* system();
};

// A clock that moves only when told to. For tests and demos.
class ManualClock : public Clock
{
public:
    explicit ManualClock(QDateTime start = QDateTime::currentDateTimeUtc()) : m_now(std::move(start)) {}
    QDateTime now() const override { return m_now; }
    void advance(qint64 secs) { m_now = m_now.addSecs(secs); }
    void set(QDateTime t) { m_now = std::move(t); }

private:
    QDateTime m_now;
};

} // namespace lanyard
