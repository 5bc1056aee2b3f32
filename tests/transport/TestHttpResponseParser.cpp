// SPDX-License-Identifier: MIT
// The HTTP/1.1 answer parser alone (FastNetworkAccessManager's tests drive it through sockets):
// the limits against a hostile server, framing decisions, and the same result for any cut.
#include "transport/HttpResponseParser.h"

#include <QtTest>

using namespace lanyard;
using Result = HttpResponseParser::Result;
using Framing = HttpResponseParser::Framing;

namespace {

struct Parsed
{
    QList<Result> results; // without More
    QByteArray body;
    int status = 0;
    bool keepAlive = false;
    QString error;
    qsizetype unconsumed = 0;
};

// Feeds `input` in pieces of `step` bytes (0: whole), then ends the input.
Parsed parseAll(const QByteArray& input, qsizetype step = 0, bool head = false)
{
    HttpResponseParser parser;
    parser.reset(head);
    Parsed p;
    const qsizetype n = step > 0 ? step : std::max<qsizetype>(input.size(), 1);
    bool done = false;
    for (qsizetype pos = 0; pos < input.size() && !done; pos += n) {
        parser.append(input.mid(pos, n));
        while (true) {
            const Result r = parser.parse(&p.body);
            if (r == Result::More)
                break;
            p.results << r;
            if (r != Result::Head) {
                done = true;
                break;
            }
        }
    }
    if (!done && parser.endOfInput())
        p.results << Result::Complete;
    p.status = parser.status();
    p.keepAlive = parser.keepAlive();
    p.error = parser.error();
    p.unconsumed = parser.unconsumed();
    return p;
}

} // namespace

class TestHttpResponseParser : public QObject
{
    Q_OBJECT

private slots:
    void framing_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<bool>("head");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<bool>("keepAlive");
        QTest::newRow("length") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello") << false
                                << QByteArray("hello") << true;
        QTest::newRow("length 0") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") << false << QByteArray()
                                  << true;
        QTest::newRow("chunked") << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                               "3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: 1\r\n\r\n")
                                 << false << QByteArray("abcde") << true;
        QTest::newRow("until close") << QByteArray("HTTP/1.1 200 OK\r\n\r\nto the end") << false
                                     << QByteArray("to the end") << false;
        QTest::newRow("HTTP/1.0") << QByteArray("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok") << false
                                  << QByteArray("ok") << false;
        QTest::newRow("HTTP/1.0 keep-alive")
            << QByteArray("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok") << false
            << QByteArray("ok") << true;
        QTest::newRow("close") << QByteArray("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")
                               << false << QByteArray("ok") << false;
        QTest::newRow("HEAD") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n") << true << QByteArray()
                              << true;
        QTest::newRow("304") << QByteArray("HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n") << false
                             << QByteArray() << true;
        QTest::newRow("interim") << QByteArray(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx")
                                 << false << QByteArray("x") << true;
        QTest::newRow("chunked + length") << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                                                        "Content-Length: 9\r\n\r\n1\r\nz\r\n0\r\n\r\n")
                                          << false << QByteArray("z") << false;
        QTest::newRow("xchunked") << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: xchunked\r\n\r\n1\r\nz") << false
                                  << QByteArray("1\r\nz") << false;
        QTest::newRow("bare LF") << QByteArray("HTTP/1.1 200 OK\nContent-Length: 2\n\nok") << false << QByteArray("ok")
                                 << true;
    }

    // The same answer whole, in pieces of 1, 2, 3 and 7 bytes.
    void framing()
    {
        QFETCH(QByteArray, input);
        QFETCH(bool, head);
        QFETCH(QByteArray, body);
        QFETCH(bool, keepAlive);
        for (const qsizetype step : { qsizetype(0), qsizetype(1), qsizetype(2), qsizetype(3), qsizetype(7) }) {
            const Parsed p = parseAll(input, step, head);
            QCOMPARE(p.results, QList<Result>({ Result::Head, Result::Complete }));
            QCOMPARE(p.body, body);
            QCOMPARE(p.keepAlive, keepAlive);
            QCOMPARE(p.unconsumed, 0);
        }
    }

    void refused_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QString>("error");
        QTest::newRow("not http") << QByteArray("SSH-2.0-OpenSSH\r\n\r\n") << QStringLiteral("status line");
        QTest::newRow("HTTP/2") << QByteArray("HTTP/2 200\r\n\r\n") << QStringLiteral("status line");
        QTest::newRow("status letters") << QByteArray("HTTP/1.1 2x0 OK\r\n\r\n") << QStringLiteral("status code");
        QTest::newRow("status sign") << QByteArray("HTTP/1.1 +20 OK\r\n\r\n") << QStringLiteral("status code");
        QTest::newRow("101") << QByteArray("HTTP/1.1 101 Switching\r\n\r\n") << QStringLiteral("switched");
        QTest::newRow("no colon") << QByteArray("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n")
                                  << QStringLiteral("malformed header");
        QTest::newRow("fold first") << QByteArray("HTTP/1.1 200 OK\r\n folded\r\n\r\n")
                                    << QStringLiteral("malformed header");
        QTest::newRow("NUL") << QByteArray("HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n", 28) << QStringLiteral("NUL");
        QTest::newRow("length differs") << QByteArray(
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n")
                                        << QStringLiteral("Content-Length");
        QTest::newRow("length negative") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n")
                                         << QStringLiteral("Content-Length");
        QTest::newRow("length overflow") << QByteArray(
            "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n")
                                         << QStringLiteral("Content-Length");
        QTest::newRow("chunk size junk") << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
                                         << QStringLiteral("chunk size");
        QTest::newRow("chunk size overflow")
            << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\n")
            << QStringLiteral("chunk size");
        QTest::newRow("chunk too long") << QByteArray(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n")
                                        << QStringLiteral("longer than announced");
        QByteArray interims;
        for (int i = 0; i <= HttpResponseParser::kMaxInterimAnswers; ++i)
            interims += "HTTP/1.1 100 Continue\r\n\r\n";
        QTest::newRow("endless 1xx") << interims << QStringLiteral("interim");
        QByteArray many("HTTP/1.1 200 OK\r\n");
        for (int i = 0; i <= HttpResponseParser::kMaxHeaderCount; ++i)
            many += "X-" + QByteArray::number(i) + ": 1\r\n";
        QTest::newRow("too many headers") << many + "\r\n" << QStringLiteral("headers");
        QTest::newRow("long line") << "HTTP/1.1 200 OK\r\nX: " + QByteArray(HttpResponseParser::kMaxLineBytes + 1, 'a')
                                   << QStringLiteral("line of more than");
        QTest::newRow("long line, ended")
            << "HTTP/1.1 200 OK\r\nX: " + QByteArray(HttpResponseParser::kMaxLineBytes + 1, 'a') + "\r\n\r\n"
            << QStringLiteral("line of more than");
    }

    // Each ends in an error that says what was wrong, whole or byte by byte, and stays an error.
    void refused()
    {
        QFETCH(QByteArray, input);
        QFETCH(QString, error);
        for (const qsizetype step : { qsizetype(0), qsizetype(1) }) {
            if (step == 1 && input.size() > 4096)
                continue;
            const Parsed p = parseAll(input, step);
            QVERIFY2(!p.results.isEmpty() && p.results.last() == Result::Error, qPrintable(p.error));
            QVERIFY2(p.error.contains(error), qPrintable(p.error));
            QVERIFY(!p.keepAlive);
        }
    }

    // Exactly the most header lines is accepted; one more is not (see refused/too many headers).
    void mostHeaderLinesAccepted()
    {
        QByteArray input("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n");
        for (int i = 1; i < HttpResponseParser::kMaxHeaderCount; ++i)
            input += "X-" + QByteArray::number(i) + ": 1\r\n";
        const Parsed p = parseAll(input + "\r\n");
        QCOMPARE(p.results, QList<Result>({ Result::Head, Result::Complete }));
    }

    void repeatedHeadersAreJoinedAndBareCrIsASpace()
    {
        HttpResponseParser parser;
        parser.reset();
        parser.append("HTTP/1.1 200 OK\r\nVary: a\r\nSet-Cookie: x=1\r\nvary: b\r\nSet-Cookie: y=2\r\n"
                      "X-Cr: one\rtwo\r\nContent-Length: 0\r\n\r\n");
        QByteArray body;
        QCOMPARE(parser.parse(&body), Result::Head);
        QCOMPARE(parser.header("VARY"), QByteArray("a, b"));
        QCOMPARE(parser.header("set-cookie"), QByteArray("x=1\ny=2"));
        QCOMPARE(parser.header("X-Cr"), QByteArray("one two"));
        QCOMPARE(parser.parse(&body), Result::Complete);
    }

    // What follows a complete answer is left unconsumed (the connection is then not reused).
    void bytesAfterTheAnswerAreLeft()
    {
        const Parsed p = parseAll("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n");
        QCOMPARE(p.results, QList<Result>({ Result::Head, Result::Complete }));
        QCOMPARE(p.unconsumed, 17);
    }

    // A body cut short by the end of the connection is not complete.
    void cutShortIsNotComplete()
    {
        const Parsed p = parseAll("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
        QCOMPARE(p.results, QList<Result>({ Result::Head }));
        QCOMPARE(p.body, QByteArray("abc"));
    }

    // A read that is all body is handed over without a copy.
    void wholeReadOfBodyIsMoved()
    {
        HttpResponseParser parser;
        parser.reset();
        parser.append("HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n");
        QByteArray body;
        QCOMPARE(parser.parse(&body), Result::Head);
        QCOMPARE(parser.parse(&body), Result::More);
        const QByteArray read("abcdefgh");
        parser.append(read);
        QCOMPARE(parser.parse(&body), Result::Complete);
        QCOMPARE(body, read);
        QVERIFY(body.constData() == read.constData()); // the same buffer (QCOMPARE would compare the text)
    }
};

QTEST_GUILESS_MAIN(TestHttpResponseParser)
#include "TestHttpResponseParser.moc"
