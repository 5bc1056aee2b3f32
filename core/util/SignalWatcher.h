// SPDX-License-Identifier: MIT
#pragma once

#include <QList>
#include <QObject>

class QSocketNotifier;

namespace lanyard {

// Turns POSIX signals (SIGINT, SIGTERM, ...) into a Qt signal on the event loop. The handler only
// writes one byte to a socket pair (async-signal-safe); everything else runs in the event loop.
// One instance per process.
class SignalWatcher : public QObject
{
    Q_OBJECT
public:
    explicit SignalWatcher(const QList<int>& signalNumbers, QObject* parent = nullptr);
    ~SignalWatcher() override;
    bool isValid() const { return m_notifier != nullptr; }

signals:
    void signalReceived(int signalNumber);

private:
    static void handle(int signalNumber);
    void onReadable();

    QList<int> m_signals;
    QSocketNotifier* m_notifier = nullptr;
};

} // namespace lanyard
