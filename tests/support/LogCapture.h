// SPDX-License-Identifier: MIT
#pragma once

#include <QMutex>
#include <QStringList>

namespace lanyard::test {

// Captures every qDebug/qInfo/qWarning/qCritical line while alive (all categories enabled at
// every level: debug, info, warning, critical), so a test can assert that no secret reached a log.
class LogCapture
{
public:
    LogCapture();
    ~LogCapture();
    QStringList lines() const;
    bool contains(const QString& needle) const;

private:
    static void handler(QtMsgType type, const QMessageLogContext& ctx, const QString& msg);
    QtMessageHandler m_previous = nullptr;
};

} // namespace lanyard::test
