// SPDX-License-Identifier: MIT
#include "transport/SseParser.h"

#include <QtTest>

using namespace lanyard;

namespace {

// A literal with embedded NUL bytes, without its terminating NUL.
template <size_t N> QByteArray withNul(const char (&s)[N])
{
    return QByteArray(s, N - 1);
}

// One line per event: "id|type|data|retry" with '\n' in data shown as "\\n".
QStringList render(const QList<SseParser::Event>& events)
{
    QStringList out;
    for (const auto& e : events) {
        QString data = QString::fromUtf8(e.data);
        data.replace(QLatin1Char('\n'), QLatin1String("\\n"));
        out << QStringLiteral("%1|%2|%3|%4")
                   .arg(e.id, e.type, data, e.retryMs ? QString::number(*e.retryMs) : QStringLiteral("-"));
    }
    return out;
}

struct Result
{
    QStringList events;
    SseParser::StreamEnd end = SseParser::StreamEnd::Clean;
    QString lastEventId;
    qint64 retry = -1;
};

Result parseInPieces(const QList<QByteArray>& pieces)
{
    SseParser parser;
    QList<SseParser::Event> all;
    for (const QByteArray& piece : pieces)
        all += parser.feed(piece);
    Result r;
    r.lastEventId = parser.lastEventId();
    r.retry = parser.retryMs().value_or(-1);
    r.end = parser.finish();
    r.events = render(all);
    return r;
}

Result parseWhole(const QByteArray& stream)
{
    return parseInPieces({ stream });
}

// Exercises BOM, comments, CRLF/LF/CR, multi-line data, a field without colon, the single
// leading space rule, an id with NUL (ignored), an invalid retry, an event without data, UTF-8.
const QByteArray& referenceStream()
{
    static const QByteArray s = QByteArray("\xEF\xBB\xBF: comment line\r\n"
                                           "retry: 1500\r\n"
                                           "id: 1\r\n"
                                           "data: first\r\n"
                                           "\r\n"
                                           "event: update\n"
                                           "data:  two spaces\n"
                                           "data\n"
                                           "data: line3\n"
                                           "\n")
        + withNul("id: a\0b\r")
        + QByteArray("data: third\r"
                     "\r"
                     ": another comment\n"
                     "retry: 12x\n"
                     "id: 7\n"
                     "\n"
                     "data:{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{\"text\":\"h\xC3\xA9llo\"}}\r\n"
                     "\r\n"
                     "unknown: field\n"
                     "data: last\n"
                     "\n");
    return s;
}

QStringList referenceEvents()
{
    return {
        QStringLiteral("1|message|first|1500"),
        QStringLiteral("1|update| two spaces\\n\\nline3|-"),
        QStringLiteral("1|message|third|-"),
        QStringLiteral("7|message|{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{\"text\":\"h\u00e9llo\"}}|-"),
        QStringLiteral("7|message|last|-"),
    };
}

} // namespace

class TestSseParser : public QObject
{
    Q_OBJECT
private slots:
    void referenceStreamWhole()
    {
        const Result r = parseWhole(referenceStream());
        QCOMPARE(r.events, referenceEvents());
        QCOMPARE(r.end, SseParser::StreamEnd::Clean);
        QCOMPARE(r.lastEventId, QStringLiteral("7"));
        QCOMPARE(r.retry, 1500);
    }

    void everyTwoWaySplit()
    {
        const QByteArray& s = referenceStream();
        const QStringList expected = referenceEvents();
        for (qsizetype i = 0; i <= s.size(); ++i) {
            const Result r = parseInPieces({ s.left(i), s.mid(i) });
            if (r.events != expected || r.end != SseParser::StreamEnd::Clean || r.lastEventId != QLatin1String("7")
                || r.retry != 1500)
                QFAIL(
                    qPrintable(QStringLiteral("split at %1 gives %2").arg(i).arg(r.events.join(QLatin1String(" / ")))));
        }
    }

    void everyThreeWaySplit()
    {
        const QByteArray s("\xEF\xBB\xBFid: 9\r\ndata: a\r\ndata: b\r\r: c\ndata: x\n\n");
        const QStringList expected { QStringLiteral("9|message|a\\nb|-"), QStringLiteral("9|message|x|-") };
        QCOMPARE(parseWhole(s).events, expected);
        for (qsizetype i = 0; i <= s.size(); ++i) {
            for (qsizetype j = i; j <= s.size(); ++j) {
                const Result r = parseInPieces({ s.left(i), s.mid(i, j - i), s.mid(j) });
                if (r.events != expected || r.end != SseParser::StreamEnd::Clean)
                    QFAIL(qPrintable(QStringLiteral("split at %1,%2 gives %3")
                                         .arg(i)
                                         .arg(j)
                                         .arg(r.events.join(QLatin1String(" / ")))));
            }
        }
    }

    void byteByByte()
    {
        const QByteArray& s = referenceStream();
        QList<QByteArray> pieces;
        for (const char c : s)
            pieces.append(QByteArray(1, c));
        QCOMPARE(parseInPieces(pieces).events, referenceEvents());
    }

    void lineEndings_data()
    {
        QTest::addColumn<QByteArray>("stream");
        QTest::newRow("LF") << QByteArray("data: a\ndata: b\n\nid: 2\ndata: c\n\n");
        QTest::newRow("CRLF") << QByteArray("data: a\r\ndata: b\r\n\r\nid: 2\r\ndata: c\r\n\r\n");
        QTest::newRow("CR") << QByteArray("data: a\rdata: b\r\rid: 2\rdata: c\r\r");
        QTest::newRow("mixed") << QByteArray("data: a\rdata: b\r\n\nid: 2\ndata: c\r\r\n");
    }
    void lineEndings()
    {
        QFETCH(QByteArray, stream);
        const Result r = parseWhole(stream);
        QCOMPARE(r.events, (QStringList { QStringLiteral("|message|a\\nb|-"), QStringLiteral("2|message|c|-") }));
        QCOMPARE(r.end, SseParser::StreamEnd::Clean);
    }

    void crlfSplitDoesNotMakeEmptyLine()
    {
        // "data: a\r" + "\n" + "data: b\r\n\r\n": the split CRLF must stay one line end, else the
        // event would be dispatched early as "a" and "b" separately.
        const Result r = parseInPieces({ "data: a\r", "\ndata: b\r\n", "\r", "\n" });
        QCOMPARE(r.events, QStringList { QStringLiteral("|message|a\\nb|-") });
    }

    void fields_data()
    {
        QTest::addColumn<QByteArray>("stream");
        QTest::addColumn<QStringList>("events");
        QTest::addColumn<QString>("lastEventId");
        QTest::addColumn<qint64>("retry");
        QTest::newRow("comment only") << QByteArray(": hello\n\n") << QStringList {} << QString() << qint64(-1);
        QTest::newRow("one leading space stripped")
            << QByteArray("data:  x\n\n") << QStringList { QStringLiteral("|message| x|-") } << QString() << qint64(-1);
        QTest::newRow("no space") << QByteArray("data:x\n\n") << QStringList { QStringLiteral("|message|x|-") }
                                  << QString() << qint64(-1);
        QTest::newRow("field without colon")
            << QByteArray("data\n\n") << QStringList { QStringLiteral("|message||-") } << QString() << qint64(-1);
        QTest::newRow("empty data field dispatches")
            << QByteArray("id: p1\ndata:\n\n") << QStringList { QStringLiteral("p1|message||-") }
            << QStringLiteral("p1") << qint64(-1);
        QTest::newRow("no data no dispatch")
            << QByteArray("id: 3\nevent: x\n\n") << QStringList {} << QStringLiteral("3") << qint64(-1);
        QTest::newRow("event type resets") << QByteArray("event: a\n\ndata: d\n\n")
                                           << QStringList { QStringLiteral("|message|d|-") } << QString() << qint64(-1);
        QTest::newRow("id with NUL ignored")
            << withNul("id: 1\n\nid: x\0y\ndata: d\n\n") << QStringList { QStringLiteral("1|message|d|-") }
            << QStringLiteral("1") << qint64(-1);
        QTest::newRow("empty id resets") << QByteArray("id: 1\n\nid\ndata: d\n\n")
                                         << QStringList { QStringLiteral("|message|d|-") } << QString() << qint64(-1);
        QTest::newRow("id persists") << QByteArray("id: 4\ndata: a\n\ndata: b\n\n")
                                     << QStringList { QStringLiteral("4|message|a|-"), QStringLiteral("4|message|b|-") }
                                     << QStringLiteral("4") << qint64(-1);
        QTest::newRow("retry digits") << QByteArray("retry: 250\n\n") << QStringList {} << QString() << qint64(250);
        QTest::newRow("retry with space") << QByteArray("retry: 250 \n\n") << QStringList {} << QString() << qint64(-1);
        QTest::newRow("retry negative") << QByteArray("retry: -5\n\n") << QStringList {} << QString() << qint64(-1);
        QTest::newRow("retry empty") << QByteArray("retry:\n\n") << QStringList {} << QString() << qint64(-1);
        QTest::newRow("retry in event") << QByteArray("retry: 9\ndata: a\n\n")
                                        << QStringList { QStringLiteral("|message|a|9") } << QString() << qint64(9);
        QTest::newRow("unknown field") << QByteArray("foo: bar\ndata: a\n\n")
                                       << QStringList { QStringLiteral("|message|a|-") } << QString() << qint64(-1);
        QTest::newRow("field name is case-sensitive")
            << QByteArray("Data: a\n\n") << QStringList {} << QString() << qint64(-1);
        QTest::newRow("colon in value") << QByteArray("data: a:b: c\n\n")
                                        << QStringList { QStringLiteral("|message|a:b: c|-") } << QString()
                                        << qint64(-1);
        QTest::newRow("BOM only at start") << QByteArray("data: x\n\n\xEF\xBB\xBF"
                                                         "data: y\n\n")
                                           << QStringList { QStringLiteral("|message|x|-") } << QString() << qint64(-1);
        QTest::newRow("two BOMs: second is content") << QByteArray("\xEF\xBB\xBF\xEF\xBB\xBF"
                                                                   "data: y\n\n")
                                                     << QStringList {} << QString() << qint64(-1);
    }
    void fields()
    {
        QFETCH(QByteArray, stream);
        QFETCH(QStringList, events);
        QFETCH(QString, lastEventId);
        QFETCH(qint64, retry);
        const Result r = parseWhole(stream);
        QCOMPARE(r.events, events);
        QCOMPARE(r.lastEventId, lastEventId);
        QCOMPARE(r.retry, retry);
    }

    void truncatedEnd_data()
    {
        QTest::addColumn<QByteArray>("stream");
        QTest::addColumn<int>("events");
        QTest::addColumn<bool>("truncated");
        QTest::newRow("clean") << QByteArray("data: a\n\n") << 1 << false;
        QTest::newRow("partial line") << QByteArray("data: a\n\ndata: par") << 1 << true;
        QTest::newRow("no blank line") << QByteArray("data: a\n\ndata: b\n") << 1 << true;
        QTest::newRow("id without blank line") << QByteArray("id: 5\n") << 0 << true;
        QTest::newRow("trailing comment") << QByteArray("data: a\n\n: bye\n") << 1 << false;
        QTest::newRow("partial BOM") << QByteArray("\xEF\xBB") << 0 << true;
        QTest::newRow("empty") << QByteArray() << 0 << false;
    }
    void truncatedEnd()
    {
        QFETCH(QByteArray, stream);
        QFETCH(int, events);
        QFETCH(bool, truncated);
        const Result r = parseWhole(stream);
        QCOMPARE(r.events.size(), events);
        QCOMPARE(r.end == SseParser::StreamEnd::Truncated, truncated);
    }

    void idOfUnfinishedEventIsNotCommitted()
    {
        SseParser parser;
        parser.feed("id: 1\ndata: a\n\nid: 2\ndata: b");
        QCOMPARE(parser.lastEventId(), QStringLiteral("1"));
        QCOMPARE(parser.finish(), SseParser::StreamEnd::Truncated);
        QCOMPARE(parser.lastEventId(), QStringLiteral("1"));
        // A new stream on the same parser continues with the committed id.
        const auto events = parser.feed("data: c\n\n");
        QCOMPARE(events.size(), 1);
        QCOMPARE(events.first().id, QStringLiteral("1"));
    }

    void overflowLongLine()
    {
        SseParser parser;
        parser.setMaxEventBytes(100);
        QVERIFY(parser.feed("data: " + QByteArray(60, 'x')).isEmpty());
        QVERIFY(!parser.overflowed());
        parser.feed(QByteArray(60, 'x'));
        QVERIFY(parser.overflowed());
        QVERIFY(parser.feed("\n\ndata: ok\n\n").isEmpty()); // ignored from now on
    }

    void overflowManyDataLines()
    {
        SseParser parser;
        parser.setMaxEventBytes(100);
        for (int i = 0; i < 10 && !parser.overflowed(); ++i)
            QVERIFY(parser.feed("data: " + QByteArray(20, 'y') + "\n").isEmpty());
        QVERIFY(parser.overflowed());
    }

    void eventsBeforeOverflowAreReturned()
    {
        SseParser parser;
        parser.setMaxEventBytes(50);
        const auto events = parser.feed("data: small\n\ndata: " + QByteArray(100, 'z'));
        QCOMPARE(events.size(), 1);
        QCOMPARE(events.first().data, QByteArray("small"));
        QVERIFY(parser.overflowed());
    }
};

QTEST_GUILESS_MAIN(TestSseParser)
#include "TestSseParser.moc"
