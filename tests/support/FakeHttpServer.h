// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QPair>
#include <QPointer>
#include <QUrl>

#include <functional>
#include <map>
#include <memory>

class QTcpServer;
class QTcpSocket;

namespace lanyard::test {

// A scripted HTTP/1.1 server on 127.0.0.1 (port 0) built on a raw QTcpServer, for transport tests.
// The test decides per request exactly which bytes go back and when: status line and headers,
// Content-Length or chunked bodies, SSE events in pieces with delays, a reset in the middle, a
// huge body written with back-pressure, or no answer at all. Every request is recorded.
//
//   server.enqueue(FakeHttpServer::Script::json(R"({"jsonrpc":"2.0","id":1,"result":{}})"));
//   server.setHandler([](const FakeHttpServer::Request& r) { return FakeHttpServer::Script::accepted(); });
class FakeHttpServer : public QObject
{
    Q_OBJECT
public:
    using Headers = QList<QPair<QByteArray, QByteArray>>;

    struct Request
    {
        QByteArray method;
        QByteArray path; // with the query, as sent
        Headers headers; // in order, names as sent
        QByteArray body;
        qint64 receivedAtMs = 0; // since the server started listening
        int connectionId = 0;

        QByteArray header(const QByteArray& name) const; // case-insensitive; empty if absent
        bool hasHeader(const QByteArray& name) const;
    };

    // The steps of one answer. Steps run in order; delay() pauses between them.
    class Script
    {
    public:
        Script& raw(QByteArray bytes); // exactly these bytes
        Script& head(int status, Headers headers = {}); // status line + headers + blank line
        Script& chunkedHead(int status, Headers headers = {}); // same, plus Transfer-Encoding: chunked
        Script& chunk(QByteArray data); // one chunk of a chunked body
        Script& lastChunk(); // "0\r\n\r\n"
        Script& delay(int ms);
        Script& close(); // flush, then close the connection
        Script& reset(); // abort the connection (RST)
        Script& hang(); // answer nothing more, keep the connection
        // A body of totalBytes (prefix, then 'a's) written in pieces only as the peer reads
        // them (back-pressure). The server records how much went out (streamBytesWritten()).
        Script& streamBody(qint64 totalBytes, QByteArray prefix = {}, bool chunked = false);

        // Complete answers.
        static Script response(int status, Headers headers = {}, QByteArray body = {});
        static Script json(QByteArray body, Headers extraHeaders = {}, int status = 200);
        static Script accepted(); // 202, no body
        // A chunked text/event-stream answer: one chunk per piece, delayMs between pieces,
        // then the last chunk (the stream ends normally).
        static Script sse(QList<QByteArray> pieces, Headers extraHeaders = {}, int delayMs = 0);
        static Script never();

    private:
        friend class FakeHttpServer;
        struct Step
        {
            enum class Type { Raw, Delay, Close, Reset, Hang, Stream };
            Type type = Type::Raw;
            QByteArray bytes;
            int ms = 0;
            qint64 total = 0;
            bool chunked = false;
        };
        QList<Step> m_steps;
    };

    using Handler = std::function<Script(const Request&)>;

    explicit FakeHttpServer(QObject* parent = nullptr);
    ~FakeHttpServer() override;

    bool listen(); // 127.0.0.1, a free port
    quint16 port() const;
    QUrl url(const QString& path = QStringLiteral("/mcp")) const;

    // Answers the next requests in order; when the queue is empty the handler is asked;
    // without a handler the answer is 500.
    void enqueue(Script script);
    void setHandler(Handler handler);

    QList<Request> requests() const { return m_requests; }
    int requestCount() const { return static_cast<int>(m_requests.size()); }
    Request lastRequest() const { return m_requests.isEmpty() ? Request() : m_requests.last(); }

    // The most recent streamBody() step: bytes written so far and whether it completed.
    qint64 streamBytesWritten() const { return m_streamWritten; }
    bool streamCompleted() const { return m_streamCompleted; }
    bool streamInterrupted() const { return m_streamInterrupted; }

    int openConnectionCount() const { return static_cast<int>(m_connections.size()); }
    int totalConnectionCount() const { return m_nextConnectionId - 1; }
    qint64 elapsedMs() const { return m_clock.elapsed(); }
    void closeAllConnections();

signals:
    void requestReceived(const lanyard::test::FakeHttpServer::Request& request);
    void streamFinished(qint64 bytesWritten, bool completed);
    void connectionClosed(int connectionId);

private:
    struct Connection;
    void onNewConnection();
    void onReadyRead(QTcpSocket* socket);
    void onDisconnected(QTcpSocket* socket);
    void tryParseRequest(Connection* c);
    void runSteps(Connection* c);
    void pumpStream(Connection* c);
    Connection* connectionFor(QTcpSocket* socket) const;

    QTcpServer* m_server = nullptr;
    std::map<QTcpSocket*, std::unique_ptr<Connection>> m_connections;
    QList<Script> m_queue;
    Handler m_handler;
    QList<Request> m_requests;
    QElapsedTimer m_clock;
    int m_nextConnectionId = 1;
    qint64 m_streamWritten = 0;
    bool m_streamCompleted = false;
    bool m_streamInterrupted = false;
};

} // namespace lanyard::test
