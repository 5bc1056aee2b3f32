// SPDX-License-Identifier: MIT
#pragma once

#include <QDir>
#include <QProcess>
#include <QStandardPaths>
#include <QString>
#include <QTcpServer>

namespace lanyard::test {

// Where the pinned npm peers live (installed by scripts/install-deps.sh with npm ci).
inline QString interopDir()
{
    return qEnvironmentVariable("LANYARD_SOURCE_DIR") + QStringLiteral("/tests/interop");
}
inline QString nodeModule(const QString& relative)
{
    return interopDir() + QStringLiteral("/node_modules/") + relative;
}
inline QString nodeExecutable()
{
    return QStandardPaths::findExecutable(QStringLiteral("node"));
}
// A free loopback port (small race window, acceptable for tests).
inline quint16 freePort()
{
    QTcpServer s;
    s.listen(QHostAddress::LocalHost, 0);
    return s.serverPort();
}
// Why the peers cannot run, or empty when they can.
inline QString missingPeers(const QStringList& modules)
{
    if (nodeExecutable().isEmpty())
        return QStringLiteral("node is not installed; run scripts/install-deps.sh");
    for (const auto& m : modules) {
        if (!QDir(nodeModule(m)).exists())
            return QStringLiteral("npm package %1 is missing; run scripts/install-deps.sh").arg(m);
    }
    return QString();
}

} // namespace lanyard::test
