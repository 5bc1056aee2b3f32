// SPDX-License-Identifier: MIT
#include "transport/StdioTransport.h"

#include "util/Logging.h"
#include "util/Redact.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QPointer>
#include <QProcessEnvironment>
#include <QStandardPaths>
#include <QTimer>

#include <optional>
#include <utility>

namespace lanyard {

namespace {

constexpr qsizetype kStderrKeep = 64 * 1024;
constexpr qsizetype kStderrLineMax = 4096; // longer stderr lines are emitted in pieces
constexpr qint64 kReadChunk = 64 * 1024;
constexpr qsizetype kOverlongPrefix = 4096; // kept of an over-long line to find its id
constexpr qsizetype kBadLineShown = 200;
constexpr qsizetype kTrafficBodyBytes = 16 * 1024;

bool isJsonSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Looks at the start of a JSON-RPC message that is too large to parse and tells, when it can,
// which of our requests it answers: a top-level "id" next to a top-level "result" or "error"
// (and no "method", which would make it a request from the server).
std::optional<json> answeredIdFromPrefix(const QByteArray& s)
{
    int depth = 0;
    qsizetype i = 0;
    const qsizetype n = s.size();
    std::optional<json> id;
    bool isAnswer = false;
    bool isServerRequest = false;
    while (i < n) {
        const char c = s.at(i);
        if (c == '"') {
            const qsizetype start = i++;
            while (i < n && s.at(i) != '"') {
                if (s.at(i) == '\\')
                    ++i;
                ++i;
            }
            if (i >= n)
                break; // the string runs past the prefix
            ++i;
            if (depth != 1)
                continue;
            qsizetype j = i;
            while (j < n && isJsonSpace(s.at(j)))
                ++j;
            if (j >= n || s.at(j) != ':')
                continue;
            const QByteArray key = s.mid(start + 1, i - start - 2);
            ++j;
            while (j < n && isJsonSpace(s.at(j)))
                ++j;
            if (key == "id") {
                qsizetype end = j;
                if (end < n && s.at(end) == '"') {
                    ++end;
                    while (end < n && s.at(end) != '"') {
                        if (s.at(end) == '\\')
                            ++end;
                        ++end;
                    }
                    if (end < n)
                        ++end;
                    else
                        end = -1;
                } else {
                    while (end < n && s.at(end) != ',' && s.at(end) != '}' && !isJsonSpace(s.at(end)))
                        ++end;
                    if (end >= n)
                        end = -1; // the number may continue past the prefix
                }
                if (end > j) {
                    const QByteArray text = s.mid(j, end - j);
                    const json value = json::parse(text.constBegin(), text.constEnd(), nullptr, false);
                    if (!value.is_discarded() && (value.is_string() || value.is_number_integer()))
                        id = value;
                }
            } else if (key == "result" || key == "error") {
                isAnswer = true;
            } else if (key == "method") {
                isServerRequest = true;
            }
            i = j;
            continue;
        }
        if (c == '{' || c == '[')
            ++depth;
        else if (c == '}' || c == ']')
            --depth;
        ++i;
    }
    if (id && isAnswer && !isServerRequest)
        return id;
    return std::nullopt;
}

QString messageSummary(const json& message)
{
    QString summary = qs(message, "method");
    if (message.is_object() && message.contains("id")) {
        const QByteArray id = dumpJson(message["id"]);
        summary += (summary.isEmpty() ? QStringLiteral("response #") : QStringLiteral(" #"))
            + QString::fromUtf8(id.left(64));
    }
    return summary;
}

} // namespace

StdioTransport::StdioTransport(QString program, QStringList arguments, QObject* parent)
    : Transport(parent)
    , m_program(std::move(program))
    , m_arguments(std::move(arguments))
{
}

StdioTransport::~StdioTransport()
{
    if (m_process) {
        QObject::disconnect(m_process, nullptr, this, nullptr);
        if (m_process->state() != QProcess::NotRunning) {
            m_process->kill();
            m_process->waitForFinished(1000);
        }
    }
}

void StdioTransport::setShutdownTimeouts(int closeGraceMs, int terminateGraceMs)
{
    m_closeGraceMs = closeGraceMs;
    m_terminateGraceMs = terminateGraceMs;
}

bool StdioTransport::isRunning() const
{
    return m_process && m_process->state() == QProcess::Running;
}

qint64 StdioTransport::processId() const
{
    return m_process ? m_process->processId() : 0;
}

void StdioTransport::start()
{
    if (m_process)
        return;
    m_closing = false;
    m_closedEmitted = false;
    m_startFailed = false;
    m_stdoutLine.clear();
    m_discarding = -1;
    m_stderrRing.clear();
    m_stderrLine.clear();

    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const auto& variable : std::as_const(m_environment))
        environment.insert(variable.first, variable.second);

    auto failToStart = [this](const QString& message) {
        m_startFailed = true;
        qCWarning(lcTransport).noquote() << message;
        QTimer::singleShot(0, this, [this, message] {
            emit errorOccurred(Error(Error::Kind::Connection, message));
            finishClosed();
        });
    };

    QString resolved;
    if (m_program.isEmpty()) {
        failToStart(tr("Could not start the MCP server: no program is configured."));
        return;
    }
    if (m_program.contains(QLatin1Char('/'))) {
        const QFileInfo info(m_program);
        if (info.exists() && info.isFile() && info.isExecutable())
            resolved = info.absoluteFilePath();
    } else {
        const QStringList path = environment.value(QStringLiteral("PATH")).split(QLatin1Char(':'), Qt::SkipEmptyParts);
        resolved = QStandardPaths::findExecutable(m_program, path);
    }
    if (resolved.isEmpty()) {
        failToStart(tr("Could not start the MCP server: the program \"%1\" was not found or is not executable. "
                       "Check the command in the server's configuration (an absolute path, or a program on PATH).")
                        .arg(m_program));
        return;
    }
    if (!m_workingDirectory.isEmpty() && !QDir(m_workingDirectory).exists()) {
        failToStart(tr("Could not start the MCP server \"%1\": its working directory \"%2\" does not exist.")
                        .arg(m_program, m_workingDirectory));
        return;
    }

    m_process = new QProcess(this);
    m_process->setProgram(resolved);
    m_process->setArguments(m_arguments);
    m_process->setProcessEnvironment(environment);
    if (!m_workingDirectory.isEmpty())
        m_process->setWorkingDirectory(m_workingDirectory);
    m_process->setProcessChannelMode(QProcess::SeparateChannels);
    m_process->setReadChannel(QProcess::StandardOutput);
    connect(m_process, &QProcess::started, this, [this] {
        qCDebug(lcTransport).noquote() << "MCP server process started:" << m_program << "pid" << m_process->processId();
        emit started();
    });
    connect(m_process, &QProcess::readyReadStandardOutput, this, &StdioTransport::onStdout);
    connect(m_process, &QProcess::readyReadStandardError, this, &StdioTransport::onStderr);
    connect(m_process, &QProcess::errorOccurred, this, &StdioTransport::onProcessError);
    connect(m_process, &QProcess::finished, this, &StdioTransport::onProcessFinished);
    // Arguments may carry secrets (e.g. an API key): log only the program.
    qCDebug(lcTransport).noquote() << "launching MCP server" << resolved << "with" << m_arguments.size()
                                   << "argument(s)";
    m_process->start(QIODevice::ReadWrite);
}

void StdioTransport::send(const json& message)
{
    const bool isRequest
        = message.is_object() && message.contains("method") && message.contains("id") && !message["id"].is_null();
    // Writing while the process is still starting is fine: QProcess buffers it.
    if (!m_process || m_process->state() == QProcess::NotRunning || m_closing) {
        const json id = isRequest ? message["id"] : json();
        QTimer::singleShot(0, this, [this, id, isRequest] {
            const Error error(
                Error::Kind::Connection, tr("The MCP server process is not running. Connect again to continue."));
            if (isRequest)
                emit sendFailed(id, error);
            else
                emit errorOccurred(error);
        });
        return;
    }
    QByteArray line = dumpJson(message); // compact: never contains a raw newline
    emitTraffic(TrafficRecord::Direction::Outgoing, line, messageSummary(message));
    line.append('\n');
    if (m_process->write(line) != line.size()) {
        const json id = isRequest ? message["id"] : json();
        const QString why = m_process->errorString();
        QTimer::singleShot(0, this, [this, id, isRequest, why] {
            const Error error(Error::Kind::Connection, tr("Could not write to the MCP server process."), 0, why);
            if (isRequest)
                emit sendFailed(id, error);
            else
                emit errorOccurred(error);
        });
    }
}

void StdioTransport::close()
{
    if (!m_process) {
        if (!m_closedEmitted && !m_startFailed) {
            m_closedEmitted = true;
            QTimer::singleShot(0, this, [this] { emit closed(); });
        }
        return;
    }
    if (m_closing)
        return;
    m_closing = true;
    if (m_process->state() == QProcess::Starting) {
        m_process->kill();
        return;
    }
    if (m_process->state() == QProcess::NotRunning) {
        finishClosed();
        return;
    }
    // The MCP way: close stdin and let the server exit by itself; then SIGTERM; then SIGKILL.
    qCDebug(lcTransport) << "closing the MCP server's stdin";
    m_process->closeWriteChannel();
    const int generation = ++m_generation;
    QPointer<QProcess> process = m_process;
    QTimer::singleShot(m_closeGraceMs, this, [this, generation, process] {
        if (generation != m_generation || !process || process->state() == QProcess::NotRunning)
            return;
        qCInfo(lcTransport) << "MCP server did not exit after stdin was closed; terminating it";
        process->terminate();
        QTimer::singleShot(m_terminateGraceMs, this, [this, generation, process] {
            if (generation != m_generation || !process || process->state() == QProcess::NotRunning)
                return;
            qCWarning(lcTransport) << "MCP server ignored SIGTERM; killing it";
            process->kill();
        });
    });
}

void StdioTransport::onStdout()
{
    QPointer<StdioTransport> self(this);
    while (self && m_process && m_process->bytesAvailable() > 0) {
        const QByteArray chunk = m_process->read(kReadChunk);
        if (chunk.isEmpty())
            break;
        qsizetype pos = 0;
        while (pos < chunk.size()) {
            const qsizetype newline = chunk.indexOf('\n', pos);
            const qsizetype end = newline < 0 ? chunk.size() : newline;
            if (m_discarding >= 0) {
                m_discarding += end - pos;
                if (newline < 0)
                    break;
                qCDebug(lcTransport) << "dropped an over-long line of" << m_discarding << "bytes";
                m_discarding = -1;
                pos = newline + 1;
                continue;
            }
            if (m_stdoutLine.size() + (end - pos) > maxMessageBytes()) {
                m_overlongPrefix = m_stdoutLine.left(kOverlongPrefix);
                if (m_overlongPrefix.size() < kOverlongPrefix)
                    m_overlongPrefix.append(chunk.mid(pos, qMin(end - pos, kOverlongPrefix - m_overlongPrefix.size())));
                m_discarding = m_stdoutLine.size() + (end - pos);
                m_stdoutLine.clear();
                m_stdoutLine.squeeze();
                handleOverlongLine();
                if (!self)
                    return;
                if (newline < 0)
                    break;
                m_discarding = -1;
                pos = newline + 1;
                continue;
            }
            m_stdoutLine.append(chunk.constData() + pos, end - pos);
            if (newline < 0)
                break;
            pos = newline + 1;
            handleLine(std::exchange(m_stdoutLine, QByteArray()));
            if (!self)
                return;
        }
    }
}

void StdioTransport::handleLine(const QByteArray& rawLine)
{
    QByteArray line = rawLine;
    if (line.endsWith('\r'))
        line.chop(1);
    if (line.trimmed().isEmpty())
        return;
    QString parseError;
    const std::optional<json> message = parseJson(line, &parseError);
    auto protocolError = [this, &line](const QString& why) {
        QString shown = QString::fromUtf8(line.left(kBadLineShown));
        emit errorOccurred(Error(Error::Kind::Protocol,
            tr("The MCP server wrote a line to its output that is not a JSON-RPC message; it was "
               "ignored. Servers must write only MCP messages to stdout (logs belong on stderr)."),
            0, why + QStringLiteral("; line starts: ") + redact::text(shown)));
    };
    if (!message) {
        protocolError(parseError);
        return;
    }
    QPointer<StdioTransport> self(this);
    if (message->is_array()) {
        for (const json& element : *message) {
            if (!element.is_object()) {
                protocolError(QStringLiteral("batch element is not an object"));
                if (!self)
                    return;
                continue;
            }
            emitTraffic(TrafficRecord::Direction::Incoming, dumpJson(element), messageSummary(element));
            emit messageReceived(element);
            if (!self)
                return;
        }
        return;
    }
    if (!message->is_object()) {
        protocolError(QStringLiteral("JSON value is not an object"));
        return;
    }
    emitTraffic(TrafficRecord::Direction::Incoming, line, messageSummary(*message));
    emit messageReceived(*message);
}

void StdioTransport::handleOverlongLine()
{
    const std::optional<json> id = answeredIdFromPrefix(m_overlongPrefix);
    m_overlongPrefix.clear();
    const Error error(Error::Kind::TooLarge,
        tr("The MCP server sent a message larger than the limit of %1; it was dropped. Raise the limit "
           "for this server if such messages are expected.")
            .arg(humanSize(maxMessageBytes())),
        0, QStringLiteral("line over %1 bytes").arg(maxMessageBytes()));
    qCWarning(lcTransport).noquote() << "dropping an MCP message over" << maxMessageBytes() << "bytes";
    if (id)
        emit sendFailed(*id, error);
    else
        emit errorOccurred(error);
}

void StdioTransport::onStderr()
{
    if (!m_process)
        return;
    const QByteArray chunk = m_process->readAllStandardError();
    if (chunk.isEmpty())
        return;
    m_stderrRing.append(chunk);
    if (m_stderrRing.size() > kStderrKeep)
        m_stderrRing.remove(0, m_stderrRing.size() - kStderrKeep);

    QPointer<StdioTransport> self(this);
    m_stderrLine.append(chunk);
    qsizetype pos = 0;
    while (true) {
        const qsizetype newline = m_stderrLine.indexOf('\n', pos);
        if (newline < 0)
            break;
        QByteArray line = m_stderrLine.mid(pos, newline - pos);
        if (line.endsWith('\r'))
            line.chop(1);
        pos = newline + 1;
        emit serverLogReceived(redact::text(QString::fromUtf8(line)));
        if (!self)
            return;
    }
    m_stderrLine.remove(0, pos);
    while (m_stderrLine.size() > kStderrLineMax) {
        emit serverLogReceived(redact::text(QString::fromUtf8(m_stderrLine.left(kStderrLineMax))));
        if (!self)
            return;
        m_stderrLine.remove(0, kStderrLineMax);
    }
}

QString StdioTransport::serverLog() const
{
    return redact::text(QString::fromUtf8(m_stderrRing));
}

QString StdioTransport::lastStderrLines(int count) const
{
    const QList<QByteArray> lines = m_stderrRing.split('\n');
    QStringList out;
    for (qsizetype i = lines.size() - 1; i >= 0 && out.size() < count; --i) {
        const QByteArray line = lines.at(i).trimmed();
        if (!line.isEmpty())
            out.prepend(QString::fromUtf8(line.left(500)));
    }
    return redact::text(out.join(QLatin1Char('\n')));
}

void StdioTransport::onProcessError(QProcess::ProcessError error)
{
    if (error == QProcess::FailedToStart) {
        const QString why = m_process ? m_process->errorString() : QString();
        qCWarning(lcTransport).noquote() << "MCP server failed to start:" << m_program << why;
        emit errorOccurred(Error(Error::Kind::Connection,
            tr("Could not start the MCP server program \"%1\". Check the command and its "
               "permissions in the server's configuration.")
                .arg(m_program),
            0, why));
        finishClosed();
        return;
    }
    if (error == QProcess::WriteError && !m_closing)
        qCWarning(lcTransport) << "writing to the MCP server failed";
}

void StdioTransport::onProcessFinished(int exitCode, QProcess::ExitStatus status)
{
    QPointer<StdioTransport> self(this);
    onStdout();
    if (!self)
        return;
    if (m_discarding < 0 && !m_stdoutLine.isEmpty()) {
        handleLine(std::exchange(m_stdoutLine, QByteArray()));
        if (!self)
            return;
    }
    onStderr();
    if (!self)
        return;
    if (!m_stderrLine.isEmpty()) {
        emit serverLogReceived(redact::text(QString::fromUtf8(std::exchange(m_stderrLine, QByteArray()))));
        if (!self)
            return;
    }

    if (!m_closing) {
        const QString detail = lastStderrLines(10);
        const QString message = status == QProcess::CrashExit
            ? tr("The MCP server \"%1\" crashed or was killed (signal %2). Its last log lines are in the details.")
                  .arg(m_program)
                  .arg(exitCode)
            : tr("The MCP server \"%1\" exited unexpectedly (exit code %2). Its last log lines are in the details.")
                  .arg(m_program)
                  .arg(exitCode);
        qCWarning(lcTransport).noquote() << "MCP server process ended:"
                                         << (status == QProcess::CrashExit ? "signal" : "exit code") << exitCode;
        emit errorOccurred(Error(Error::Kind::Connection, message, exitCode,
            detail.isEmpty() ? tr("(the server wrote nothing to stderr)") : detail));
        if (!self)
            return;
    } else {
        qCDebug(lcTransport) << "MCP server process ended" << exitCode;
    }
    finishClosed();
}

void StdioTransport::finishClosed()
{
    if (m_closedEmitted)
        return;
    m_closedEmitted = true;
    ++m_generation;
    if (m_process) {
        QObject::disconnect(m_process, nullptr, this, nullptr);
        if (m_process->state() != QProcess::NotRunning) {
            m_process->kill();
            m_process->waitForFinished(1000);
        }
        m_process->deleteLater();
        m_process = nullptr;
    }
    m_closing = false;
    emit closed();
}

void StdioTransport::emitTraffic(TrafficRecord::Direction direction, const QByteArray& body, const QString& summary)
{
    if (!hasTrafficObserver())
        return;
    TrafficRecord record;
    record.direction = direction;
    record.kind = QStringLiteral("stdio");
    record.summary = summary;
    record.body = redact::jsonText(body.left(kTrafficBodyBytes));
    record.timestampMs = QDateTime::currentMSecsSinceEpoch();
    QTimer::singleShot(0, this, [this, record] { emit trafficObserved(record); });
}

} // namespace lanyard
