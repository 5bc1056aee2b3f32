// SPDX-License-Identifier: MIT
#include "GuiTestSupport.h"

#include <QFile>

namespace lanyard::test {

LabThread::LabThread()
{
    m_thread.setObjectName(QStringLiteral("lab"));
    m_context = new QObject();
    m_context->moveToThread(&m_thread);
    m_thread.start();
}

LabThread::~LabThread()
{
    stop();
    QMetaObject::invokeMethod(
        m_context, [this] { delete m_context; }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

bool LabThread::start(const lab::LabOptions& options, QString* error)
{
    bool ok = false;
    QString message;
    QMetaObject::invokeMethod(
        m_context,
        [this, &ok, &message, options] {
            m_lab = new lab::Lab();
            ok = m_lab->start(options, &message);
        },
        Qt::BlockingQueuedConnection);
    if (error)
        *error = message;
    return ok;
}

void LabThread::stop()
{
    QMetaObject::invokeMethod(
        m_context,
        [this] {
            delete m_lab;
            m_lab = nullptr;
        },
        Qt::BlockingQueuedConnection);
}

bool LabThread::isRunning() const
{
    return m_lab && m_lab->isRunning();
}

QUrl LabThread::url(const QString& name) const
{
    return m_lab ? m_lab->url(name) : QUrl();
}

json LabThread::lanyardConfig() const
{
    return m_lab ? m_lab->lanyardConfig() : json::object();
}

void LabThread::run(const std::function<void(lab::Lab*)>& f)
{
    QMetaObject::invokeMethod(
        m_context, [this, f] { f(m_lab); }, Qt::BlockingQueuedConnection);
}

bool LabThread::writeConfig(const QString& path, const json& extraServers) const
{
    json doc = lanyardConfig();
    for (const auto& s : extraServers)
        doc["servers"].push_back(s);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return false;
    file.write(dumpJson(doc, 2));
    return true;
}

} // namespace lanyard::test
