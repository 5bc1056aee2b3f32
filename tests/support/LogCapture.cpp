// SPDX-License-Identifier: MIT
#include "LogCapture.h"

#include <QLoggingCategory>

namespace lanyard::test {

namespace {
QMutex g_mutex;
QStringList g_lines;
}

LogCapture::LogCapture()
{
    QMutexLocker lock(&g_mutex);
    g_lines.clear();
    // Every level of every category: "*.debug=true" alone leaves info off in categories declared
    // with a QtWarningMsg default (Lanyard's own), and lines nobody sees cannot be checked.
    QLoggingCategory::setFilterRules(QStringLiteral("*.debug=true\n*.info=true\n*.warning=true\n*.critical=true"));
    m_previous = qInstallMessageHandler(&LogCapture::handler);
}

LogCapture::~LogCapture()
{
    qInstallMessageHandler(m_previous);
    QLoggingCategory::setFilterRules(QString());
}

void LogCapture::handler(QtMsgType, const QMessageLogContext& ctx, const QString& msg)
{
    QMutexLocker lock(&g_mutex);
    g_lines << QStringLiteral("%1: %2").arg(QString::fromLatin1(ctx.category ? ctx.category : ""), msg);
}

QStringList LogCapture::lines() const
{
    QMutexLocker lock(&g_mutex);
    return g_lines;
}

bool LogCapture::contains(const QString& needle) const
{
    QMutexLocker lock(&g_mutex);
    for (const auto& l : g_lines) {
        if (l.contains(needle))
            return true;
    }
    return false;
}

} // namespace lanyard::test
