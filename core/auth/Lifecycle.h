// SPDX-License-Identifier: MIT
#pragma once

#include "auth/HttpClient.h"
#include "util/Json.h"

#include <QAbstractListModel>
#include <QDateTime>
#include <QFile>
#include <QList>
#include <QString>

#include <memory>

namespace lanyard {
class Clock;
}

namespace lanyard::auth {

struct IssuedToken;

// One thing that happened to a sign-in or a token. Never holds a token: only its fingerprint.
struct LifecycleEvent
{
    enum class Kind {
        SignedIn,
        TokenIssued,
        Refreshed,
        Exchanged,
        StepUp,
        Expired,
        Revoked,
        Failed,
        SignedOut,
        Notice,
    };

    QDateTime time;
    Kind kind = Kind::Notice;
    QString server;       // empty for the sign-in itself
    QString strategy;     // entra, token-exchange, oauth, cross-app-access, bearer, sign-in
    QString fingerprint;  // of the token concerned
    QString message;      // plain language
    json claims = json::object(); // main claims of the token (see IssuedToken::mainClaims)
    QList<HttpExchange> exchanges; // the redacted HTTP traffic behind it

    static QString kindName(Kind kind);
    static std::optional<Kind> kindFromName(const QString& name);
    json toJson() const;
    static std::optional<LifecycleEvent> fromJson(const json& j);
    // One line: "10:42:01  exchanged  hr  token-exchange  3f9a1c…  Token for hr issued (expires 11:42)".
    QString summary() const;
};

// The lifecycle log: a list model (newest last) the GUI draws, the CLI prints, and, when a file
// is set, a JSON-lines journal that survives the process (only fingerprints and claims, no tokens).
class LifecycleLog : public QAbstractListModel
{
    Q_OBJECT
public:
    enum Role {
        TimeRole = Qt::UserRole + 1,
        KindRole,
        ServerRole,
        StrategyRole,
        FingerprintRole,
        MessageRole,
        ClaimsRole,   // json as text
        ExchangesRole, // json as text
    };

    explicit LifecycleLog(const Clock* clock = nullptr, QObject* parent = nullptr);

    // Keep (and append to) a journal file: previous events are loaded; at most `maxEvents` kept.
    bool setJournal(const QString& path, QString* error = nullptr);
    QString journal() const { return m_path; }
    void setMaxEvents(int n) { m_max = n; }

    void add(LifecycleEvent event);
    // Convenience: an event about a token.
    void addToken(LifecycleEvent::Kind kind, const QString& server, const IssuedToken& token, const QString& message,
                  const QList<HttpExchange>& exchanges = {});
    void notice(const QString& server, const QString& strategy, const QString& message);
    void clear();

    QList<LifecycleEvent> events() const { return m_events; }
    int count() const { return static_cast<int>(m_events.size()); }
    int countOf(LifecycleEvent::Kind kind, const QString& server = {}) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

signals:
    void eventAdded(const lanyard::auth::LifecycleEvent& event);

private:
    void append(const LifecycleEvent& event);
    void writeJournal(const LifecycleEvent& event);

    const Clock* m_clock;
    QList<LifecycleEvent> m_events;
    QString m_path;
    // The journal stays open for appending between events (opening it for each one cost ~27 µs).
    std::unique_ptr<QFile> m_journalFile;
    int m_max = 1000;
};

} // namespace lanyard::auth

Q_DECLARE_METATYPE(lanyard::auth::LifecycleEvent)
