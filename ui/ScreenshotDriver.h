// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>

#include <functional>
#include <vector>

class QWidget;

namespace lanyard {

class MainWindow;

// Drives the real window through its pages against running servers (lanyard-lab) and saves a
// PNG of each (`lanyard --screenshot-dir DIR`, used by scripts/screenshots.sh). Every wait polls
// the event loop; nothing blocks.
class ScreenshotDriver : public QObject
{
    Q_OBJECT
public:
    ScreenshotDriver(MainWindow* window, QString directory, QObject* parent = nullptr);
    void start();
    QStringList saved() const { return m_saved; }
    QStringList problems() const { return m_problems; }

signals:
    void finished(int exitCode);

private:
    struct Step
    {
        QString description;
        std::function<void()> action;
        std::function<bool()> ready; // empty = ready at once
        int timeoutMs = 15000;
        QString shot; // file name without .png; empty = no picture
        std::function<QWidget*()> target; // what to grab; empty = the main window
    };
    void buildSteps();
    void next();
    void poll();
    void capture(const Step& step);
    template <typename T> T* find(const QString& name) const;

    QPointer<MainWindow> m_window;
    QString m_directory;
    std::vector<Step> m_steps;
    size_t m_index = 0;
    qint64 m_waitStarted = 0;
    QTimer m_timer;
    QStringList m_saved;
    QStringList m_problems;
};

} // namespace lanyard
