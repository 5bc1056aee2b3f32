// SPDX-License-Identifier: MIT
#include "auth/Lifecycle.h"

#include "auth/TokenCache.h"
#include "util/Clock.h"
#include "util/Logging.h"
#include "util/Redact.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace lanyard::auth {

namespace {
const std::pair<LifecycleEvent::Kind, const char*> kKindNames[] = {
    {LifecycleEvent::Kind::SignedIn, "signed-in"},   {LifecycleEvent::Kind::TokenIssued, "issued"},
    {LifecycleEvent::Kind::Refreshed, "refreshed"},  {LifecycleEvent::Kind::Exchanged, "exchanged"},
    {LifecycleEvent::Kind::StepUp, "step-up"},       {LifecycleEvent::Kind::Expired, "expired"},
    {LifecycleEvent::Kind::Revoked, "revoked"},      {LifecycleEvent::Kind::Failed, "failed"},
    {LifecycleEvent::Kind::SignedOut, "signed-out"}, {LifecycleEvent::Kind::Notice, "notice"},
};
} // namespace

QString LifecycleEvent::kindName(Kind kind)
{
    for (const auto& [k, name] : kKindNames) {
        if (k == kind)
            return QString::fromLatin1(name);
    }
    return QString();
}

std::optional<LifecycleEvent::Kind> LifecycleEvent::kindFromName(const QString& name)
{
    for (const auto& [k, n] : kKindNames) {
        if (name == QLatin1String(n))
            return k;
    }
    return std::nullopt;
}

json LifecycleEvent::toJson() const
{
    json j{{"time", ss(time.toString(Qt::ISODateWithMs))}, {"kind", ss(kindName(kind))}, {"message", ss(message)}};
    if (!server.isEmpty())
        j["server"] = ss(server);
    if (!strategy.isEmpty())
        j["strategy"] = ss(strategy);
    if (!fingerprint.isEmpty())
        j["fingerprint"] = ss(fingerprint);
    if (!claims.empty())
        j["claims"] = claims;
    if (!exchanges.isEmpty()) {
        json ex = json::array();
        for (const HttpExchange& e : exchanges)
            ex.push_back(e.toJson());
        j["http"] = ex;
    }
    return j;
}

std::optional<LifecycleEvent> LifecycleEvent::fromJson(const json& j)
{
    if (!j.is_object())
        return std::nullopt;
    const auto kind = kindFromName(qs(j, "kind"));
    if (!kind)
        return std::nullopt;
    LifecycleEvent e;
    e.kind = *kind;
    e.time = QDateTime::fromString(qs(j, "time"), Qt::ISODateWithMs);
    e.server = qs(j, "server");
    e.strategy = qs(j, "strategy");
    e.fingerprint = qs(j, "fingerprint");
    e.message = qs(j, "message");
    if (auto it = j.find("claims"); it != j.end() && it->is_object())
        e.claims = *it;
    if (auto it = j.find("http"); it != j.end() && it->is_array()) {
        for (const auto& x : *it) {
            HttpExchange h;
            h.method = qs(x, "method");
            h.url = qs(x, "url");
            h.status = x.value("status", 0);
            h.durationMs = x.value("durationMs", qint64(0));
            h.requestBody = qs(x, "request").toUtf8();
            h.responseBody = qs(x, "response").toUtf8();
            h.contentType = qs(x, "contentType");
            h.error = qs(x, "error");
            e.exchanges << h;
        }
    }
    return e;
}

QString LifecycleEvent::summary() const
{
    QStringList parts{time.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")), kindName(kind).leftJustified(10)};
    parts << (server.isEmpty() ? QStringLiteral("-") : server).leftJustified(12);
    parts << (strategy.isEmpty() ? QStringLiteral("-") : strategy).leftJustified(16);
    parts << (fingerprint.isEmpty() ? QStringLiteral("-") : fingerprint).leftJustified(12);
    parts << message;
    return parts.join(QStringLiteral("  "));
}

LifecycleLog::LifecycleLog(const Clock* clock, QObject* parent)
    : QAbstractListModel(parent), m_clock(clock ? clock : Clock::system())
{
}

bool LifecycleLog::setJournal(const QString& path, QString* error)
{
    m_journalFile.reset();
    m_path = path;
    QFileInfo info(path);
    QDir().mkpath(info.absolutePath());
    QFile f(path);
    if (!f.exists())
        return true;
    if (!f.open(QIODevice::ReadOnly)) {
        if (error)
            *error = tr("Cannot read the lifecycle journal %1: %2").arg(path, f.errorString());
        return false;
    }
    QList<LifecycleEvent> loaded;
    while (!f.atEnd()) {
        const QByteArray line = f.readLine().trimmed();
        if (line.isEmpty())
            continue;
        if (auto j = parseJson(line)) {
            if (auto e = LifecycleEvent::fromJson(*j))
                loaded << *e;
        }
    }
    if (loaded.size() > m_max)
        loaded = loaded.mid(loaded.size() - m_max);
    beginResetModel();
    m_events = loaded + m_events;
    endResetModel();
    return true;
}

void LifecycleLog::append(const LifecycleEvent& event)
{
    beginInsertRows({}, static_cast<int>(m_events.size()), static_cast<int>(m_events.size()));
    m_events << event;
    endInsertRows();
    if (m_events.size() > m_max) {
        beginRemoveRows({}, 0, 0);
        m_events.removeFirst();
        endRemoveRows();
    }
    if (!m_path.isEmpty())
        writeJournal(event);
    qCInfo(lcAuth).noquote() << "lifecycle:" << redact::text(event.summary());
    emit eventAdded(event);
}

void LifecycleLog::writeJournal(const LifecycleEvent& event)
{
    // Opened again when it is not open yet or the file went away (removed by hand, or by another
    // Lanyard's "clear"): writing on would append to a file nobody can read any more.
    if (!m_journalFile || !QFileInfo::exists(m_path)) {
        m_journalFile = std::make_unique<QFile>(m_path);
        // A new journal is created owner-only in the same step: no moment with the umask's permissions.
        const QFileDevice::Permissions ownerOnly = QFileDevice::ReadOwner | QFileDevice::WriteOwner;
        if (!m_journalFile->open(QIODevice::Append | QIODevice::Text, ownerOnly)) {
            qCWarning(lcAuth).noquote() << "cannot write the lifecycle journal" << m_path << ":"
                                        << m_journalFile->errorString();
            m_journalFile.reset();
            return;
        }
    }
    m_journalFile->write(dumpJson(event.toJson()) + '\n');
    m_journalFile->flush(); // another Lanyard (the CLI beside the app) reads and appends to the same file
    // Keep the journal bounded: rewrite it when it grew far beyond the limit.
    if (m_journalFile->size() > 4 * 1024 * 1024) {
        m_journalFile.reset();
        QFile out(m_path);
        if (out.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text)) {
            for (const LifecycleEvent& e : std::as_const(m_events))
                out.write(dumpJson(e.toJson()) + '\n');
        }
    }
}

void LifecycleLog::add(LifecycleEvent event)
{
    if (!event.time.isValid())
        event.time = m_clock->now();
    append(event);
}

void LifecycleLog::addToken(LifecycleEvent::Kind kind, const QString& server, const IssuedToken& token,
                            const QString& message, const QList<HttpExchange>& exchanges)
{
    LifecycleEvent e;
    e.kind = kind;
    e.server = server;
    e.strategy = token.strategy;
    e.fingerprint = token.fingerprint();
    e.message = message;
    e.claims = token.mainClaims();
    e.exchanges = exchanges;
    add(e);
}

void LifecycleLog::notice(const QString& server, const QString& strategy, const QString& message)
{
    LifecycleEvent e;
    e.kind = LifecycleEvent::Kind::Notice;
    e.server = server;
    e.strategy = strategy;
    e.message = message;
    add(e);
}

void LifecycleLog::clear()
{
    beginResetModel();
    m_events.clear();
    endResetModel();
    m_journalFile.reset();
    if (!m_path.isEmpty())
        QFile::remove(m_path);
}

int LifecycleLog::countOf(LifecycleEvent::Kind kind, const QString& server) const
{
    int n = 0;
    for (const LifecycleEvent& e : m_events) {
        if (e.kind == kind && (server.isEmpty() || e.server == server))
            ++n;
    }
    return n;
}

int LifecycleLog::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_events.size());
}

QVariant LifecycleLog::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() < 0 || index.row() >= m_events.size())
        return {};
    const LifecycleEvent& e = m_events.at(index.row());
    switch (role) {
    case Qt::DisplayRole: return e.summary();
    case TimeRole: return e.time;
    case KindRole: return LifecycleEvent::kindName(e.kind);
    case ServerRole: return e.server;
    case StrategyRole: return e.strategy;
    case FingerprintRole: return e.fingerprint;
    case MessageRole: return e.message;
    case ClaimsRole: return QString::fromUtf8(dumpJson(e.claims, 2));
    case ExchangesRole: {
        json ex = json::array();
        for (const HttpExchange& h : e.exchanges)
            ex.push_back(h.toJson());
        return QString::fromUtf8(dumpJson(ex, 2));
    }
    default: return {};
    }
}

QHash<int, QByteArray> LifecycleLog::roleNames() const
{
    return {{TimeRole, "time"},           {KindRole, "kind"},       {ServerRole, "server"},
            {StrategyRole, "strategy"},   {FingerprintRole, "fingerprint"}, {MessageRole, "message"},
            {ClaimsRole, "claims"},       {ExchangesRole, "exchanges"}};
}

} // namespace lanyard::auth
