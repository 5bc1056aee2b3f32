// SPDX-License-Identifier: MIT
// The lifecycle journal (auth/Lifecycle): a JSON-lines file kept open between events, created
// owner-only, read back by the next process, shared by two Lanyards, recreated after it was
// removed, and bounded.
#include "auth/Lifecycle.h"

#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

using namespace lanyard::auth;

namespace {

QList<QByteArray> linesOf(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QList<QByteArray> lines = f.readAll().split('\n');
    lines.removeAll(QByteArray());
    return lines;
}

// One event; which kind does not matter to the journal.
void note(LifecycleLog& log, const QString& message)
{
    log.notice(QStringLiteral("hr"), QStringLiteral("sign-in"), message);
}

QStringList messagesOf(const LifecycleLog& log)
{
    QStringList out;
    for (const LifecycleEvent& e : log.events())
        out << e.message;
    return out;
}

} // namespace

class TestLifecycleJournal : public QObject
{
    Q_OBJECT

private slots:
    void init() { QVERIFY(m_dir.isValid()); }

    void newJournalIsOwnerOnly()
    {
        const QString path = m_dir.filePath(QStringLiteral("owner/lifecycle.jsonl"));
        LifecycleLog log;
        QVERIFY(log.setJournal(path));
        note(log, QStringLiteral("first"));
        const QFileDevice::Permissions p = QFile::permissions(path);
        QVERIFY(p & QFileDevice::ReadOwner);
        QVERIFY(p & QFileDevice::WriteOwner);
        QVERIFY2(!(p
                     & (QFileDevice::ReadGroup | QFileDevice::WriteGroup | QFileDevice::ReadOther
                         | QFileDevice::WriteOther)),
            qPrintable(QString::number(int(p), 16)));
    }

    void writtenAtOnceAndReadBack()
    {
        const QString path = m_dir.filePath(QStringLiteral("read-back.jsonl"));
        {
            LifecycleLog log;
            QVERIFY(log.setJournal(path));
            for (const char* m : { "one", "two", "three" }) {
                note(log, QString::fromLatin1(m));
                // On disk as soon as it is added (kept open, but flushed): a crash loses nothing.
                QVERIFY(linesOf(path).last().contains(m));
            }
        }
        LifecycleLog next;
        QVERIFY(next.setJournal(path));
        QCOMPARE(messagesOf(next), (QStringList { "one", "two", "three" }));
    }

    void twoLanyardsOnOneJournal()
    {
        // The desktop app and the CLI share the profile: both append, neither overwrites.
        const QString path = m_dir.filePath(QStringLiteral("shared.jsonl"));
        LifecycleLog app;
        LifecycleLog cli;
        QVERIFY(app.setJournal(path));
        QVERIFY(cli.setJournal(path));
        note(app, QStringLiteral("app 1"));
        note(cli, QStringLiteral("cli 1"));
        note(app, QStringLiteral("app 2"));
        LifecycleLog reader;
        QVERIFY(reader.setJournal(path));
        QCOMPARE(messagesOf(reader), (QStringList { "app 1", "cli 1", "app 2" }));
    }

    void recreatedAfterRemoval()
    {
        const QString path = m_dir.filePath(QStringLiteral("removed.jsonl"));
        LifecycleLog log;
        QVERIFY(log.setJournal(path));
        note(log, QStringLiteral("before"));
        QVERIFY(QFile::remove(path)); // by hand, or by another Lanyard's "clear"
        note(log, QStringLiteral("after"));
        const QList<QByteArray> lines = linesOf(path);
        QCOMPARE(lines.size(), 1);
        QVERIFY(lines.first().contains("after"));
        QVERIFY(!(QFile::permissions(path) & QFileDevice::ReadOther));

        log.clear();
        QVERIFY(!QFile::exists(path));
        note(log, QStringLiteral("after clear"));
        QCOMPARE(linesOf(path).size(), 1);
    }

    void bounded()
    {
        // Past 4 MiB the journal is rewritten with the events the log keeps.
        const QString path = m_dir.filePath(QStringLiteral("bounded.jsonl"));
        LifecycleLog log;
        log.setMaxEvents(5);
        QVERIFY(log.setJournal(path));
        const QString big(100 * 1024, QLatin1Char('x'));
        for (int i = 0; i < 45; ++i)
            note(log, QString::number(i) + big);
        // 45 events of 100 KiB would be 4.5 MiB: it was cut back to the 5 kept, then grew again.
        QVERIFY(QFileInfo(path).size() < 4 * 1024 * 1024);
        note(log, QStringLiteral("last"));
        LifecycleLog reader;
        QVERIFY(reader.setJournal(path));
        QVERIFY2(reader.count() > 5 && reader.count() < 15, qPrintable(QString::number(reader.count())));
        QCOMPARE(reader.events().last().message, QStringLiteral("last"));
        // What is left is the newest events, in order, none twice.
        const QList<LifecycleEvent> events = reader.events();
        const int first = events.first().message.left(2).toInt();
        for (int i = 0; i + 1 < events.size(); ++i)
            QCOMPARE(events.at(i).message.left(2).toInt(), first + i);
        QCOMPARE(first + int(events.size()) - 1, 45);
    }

private:
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestLifecycleJournal)
#include "TestLifecycleJournal.moc"
