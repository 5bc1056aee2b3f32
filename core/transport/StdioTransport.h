// SPDX-License-Identifier: MIT
#pragma once

#include "protocol/Transport.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QProcess>
#include <QString>
#include <QStringList>

class QTimer;

namespace lanyard {

// MCP stdio transport (MCP 2025-11-25 basic/transports, "stdio"): launches the server as a child
// process and exchanges newline-delimited JSON-RPC messages over its stdin/stdout. stderr is the
// server's log: kept (last ~64 KiB) and emitted line by line.
//
// A line longer than maxMessageBytes() is dropped (TooLarge; sendFailed when the line's start shows
// it answers one of our requests); a line that is not JSON is reported with errorOccurred(Protocol)
// and the transport keeps going. When the process cannot start or dies, errorOccurred(Connection)
// says why and closed() follows; the protocol layer then fails the pending requests.
class StdioTransport : public Transport
{
    Q_OBJECT
public:
    explicit StdioTransport(QString program, QStringList arguments = {}, QObject* parent = nullptr);
    ~StdioTransport() override;

    QString program() const { return m_program; }
    QStringList arguments() const { return m_arguments; }
    // Added to (or overriding) this process's environment for the server.
    void setEnvironmentAdditions(QList<QPair<QString, QString>> variables) { m_environment = std::move(variables); }
    void setWorkingDirectory(const QString& directory) { m_workingDirectory = directory; }
    // close(): wait this long after closing stdin before SIGTERM, and this long after SIGTERM
    // before SIGKILL (defaults 2000 ms each).
    void setShutdownTimeouts(int closeGraceMs, int terminateGraceMs);

    void start() override;
    void send(const json& message) override;
    void close() override;

    bool isRunning() const;
    qint64 processId() const;
    // The server's stderr, last ~64 KiB, with token-shaped strings masked.
    QString serverLog() const;

signals:
    // One line the server wrote to stderr (masked like serverLog()).
    void serverLogReceived(const QString& line);

private:
    void onStdout();
    void onStderr();
    void onProcessError(QProcess::ProcessError error);
    void onProcessFinished(int exitCode, QProcess::ExitStatus status);
    void handleLine(const QByteArray& line);
    void handleOverlongLine();
    void emitTraffic(TrafficRecord::Direction direction, const QByteArray& body, const QString& summary);
    QString lastStderrLines(int count) const;
    void finishClosed();

    QString m_program;
    QStringList m_arguments;
    QList<QPair<QString, QString>> m_environment;
    QString m_workingDirectory;
    int m_closeGraceMs = 2000;
    int m_terminateGraceMs = 2000;

    QProcess* m_process = nullptr;
    QByteArray m_stdoutLine; // incomplete stdout line
    qsizetype m_discarding = -1; // >= 0 while skipping the rest of an over-long line (bytes skipped so far)
    QByteArray m_overlongPrefix; // start of the over-long line, to tell whose answer it was
    QByteArray m_stderrRing; // last kStderrKeep bytes of stderr
    QByteArray m_stderrLine; // incomplete stderr line
    bool m_closing = false;
    bool m_closedEmitted = false;
    bool m_startFailed = false;
    int m_generation = 0;
};

} // namespace lanyard
