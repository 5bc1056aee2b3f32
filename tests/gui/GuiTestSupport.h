// SPDX-License-Identifier: MIT
#pragma once

#include "Lab.h"
#include "util/Json.h"

#include <QApplication>
#include <QDateTime>
#include <QPointer>
#include <QThread>
#include <QTimer>
#include <QUrl>
#include <QWidget>

#include <functional>

namespace lanyard::test {

// lanyard-lab's demo servers in their own thread (as a real server would be in its own process),
// so that the GUI thread's responsiveness is the app's alone.
class LabThread
{
public:
    LabThread();
    ~LabThread();
    bool start(const lab::LabOptions& options = {}, QString* error = nullptr);
    // Stops every server (their ports close). Blocks until done.
    void stop();
    bool isRunning() const;
    QUrl url(const QString& name) const;
    json lanyardConfig() const;
    // Writes the Lanyard configuration for the running servers (plus `extra` servers) to path.
    bool writeConfig(const QString& path, const json& extraServers = json::array()) const;
    // Runs f in the lab's thread and waits for it.
    void run(const std::function<void(lab::Lab*)>& f);

private:
    QThread m_thread;
    QObject* m_context = nullptr;
    lab::Lab* m_lab = nullptr;
};

// Calls `action` with the first modal widget of type T that appears within timeoutMs (polled every
// 20 ms from the event loop, so it also works while a dialog's exec() runs).
template <typename T> void whenModal(std::function<void(T*)> action, int timeoutMs = 10000)
{
    auto* timer = new QTimer();
    timer->setInterval(20);
    const qint64 started = QDateTime::currentMSecsSinceEpoch();
    QObject::connect(timer, &QTimer::timeout, timer, [timer, action, started, timeoutMs] {
        if (auto* t = qobject_cast<T*>(QApplication::activeModalWidget())) {
            timer->stop();
            timer->deleteLater();
            action(t);
        } else if (QDateTime::currentMSecsSinceEpoch() - started > timeoutMs) {
            timer->stop();
            timer->deleteLater();
        }
    });
    timer->start();
}

// First visible top-level widget of type T, or nullptr.
template <typename T> T* visibleTopLevel()
{
    for (QWidget* w : QApplication::topLevelWidgets()) {
        if (auto* t = qobject_cast<T*>(w); t && t->isVisible())
            return t;
    }
    return nullptr;
}

} // namespace lanyard::test
