// SPDX-License-Identifier: MIT
#pragma once

#include <QHash>
#include <QList>
#include <QNetworkAccessManager>
#include <QSet>
#include <QSslConfiguration>
#include <QString>

class QAbstractSocket;

namespace lanyard {

namespace detail {
class FastHttpReply;
}

// A QNetworkAccessManager that runs plain HTTP/1.1 exchanges itself, in the calling thread.
//
// Qt 6.4's manager hands every request to its HTTP thread and back, reads the status line and
// each header byte with a read() system call of one byte, and opens at most 6 connections per
// host. For http:// and https:// requests that go to the server directly (no proxy, no user
// info in the URL, a body that is not a sequential device, nobody listening to
// authenticationRequired), createRequest() returns a reply of its own instead: pooled keep-alive
// sockets (QTcpSocket, or QSslSocket with the request's SSL configuration and normal peer
// verification), buffered reads, up to 32 connections per host (event streams, which may stay
// open for a whole session, are not counted). Everything else (proxies, other
// schemes, uploads from a stream, a manager with a cache, HTTP/2 with prior knowledge,
// authentication challenges answered by a slot) goes to QNetworkAccessManager. Why not libcurl:
// docs/decisions/0007-own-http11-fast-path.md.
//
// The reply gives what the callers use of QNetworkReply: readyRead with the body as it arrives
// (the read buffer size is honoured: the socket stops reading when it is full), metaDataChanged,
// finished, errorOccurred with the error codes QNetworkAccessManager uses (HTTP status errors
// included), the status and reason attributes, raw and known headers, RedirectionTargetAttribute,
// the redirect policies (redirected(); with UserVerifiedRedirectPolicy it waits for
// redirectAllowed()), maximumRedirectsAllowed, the transfer timeout, abort(), cookies through
// cookieJar(), and autoDeleteReplies. A redirect to a URL that this path does not serve (one that
// needs a proxy, say) is handed to QNetworkAccessManager, and the reply passes on what that one
// reports. A request on a reused connection that the server closed before sending a byte of an
// answer is sent once more on a new connection (as Qt does). Connections are pooled per
// scheme, host, port and TLS configuration; a connection on which SSL errors were ignored is
// not reused; on a redirect to another origin, Authorization, Cookie and Proxy-Authorization are
// dropped. A request whose method or header names are not HTTP tokens, or whose header values
// hold a line break or NUL, fails with ProtocolInvalidOperationError and is not sent. It speaks
// HTTP/1.1 only (no HTTP/2 over ALPN) and does not ask for compressed answers.
//
// LANYARD_HTTP=qt in the environment (or setFastPathEnabled(false)) sends everything to
// QNetworkAccessManager.
class FastNetworkAccessManager : public QNetworkAccessManager
{
    Q_OBJECT
public:
    static constexpr int kDefaultMaxConnectionsPerHost = 32;
    static constexpr int kIdleTimeoutMs = 60000;

    explicit FastNetworkAccessManager(QObject* parent = nullptr);
    ~FastNetworkAccessManager() override;

    void setMaxConnectionsPerHost(int count) { m_maxPerHost = count > 0 ? count : 1; }
    int maxConnectionsPerHost() const { return m_maxPerHost; }
    void setFastPathEnabled(bool enabled) { m_enabled = enabled; }
    bool fastPathEnabled() const { return m_enabled; }

    // For tests and diagnostics: connections of the fast path (busy or idle; event streams not
    // counted), idle ones, and the requests it took.
    int openConnectionCount() const;
    int idleConnectionCount() const;
    qint64 fastRequestCount() const { return m_fastRequests; }

protected:
    QNetworkReply* createRequest(Operation op, const QNetworkRequest& request, QIODevice* outgoingData) override;

private:
    friend class detail::FastHttpReply;

    struct Idle
    {
        QAbstractSocket* socket = nullptr;
        qint64 sinceMs = 0;
    };
    struct Host
    {
        int open = 0;
        QList<Idle> idle;
        QList<detail::FastHttpReply*> waiting;
    };

    bool goesDirect(const QUrl& url);
    // Whether this path may serve `url` (scheme, proxy, authentication slots): also asked for
    // the target of every redirect.
    bool servesDirectly(const QUrl& url);
    // The pool a request's connections belong to: scheme, host, port and TLS configuration.
    QString poolKey(const QNetworkRequest& request, const QUrl& url);
    QNetworkReply* createQtRequest(Operation op, const QNetworkRequest& request, QIODevice* outgoingData)
    {
        return QNetworkAccessManager::createRequest(op, request, outgoingData);
    }
    // The reply gets a socket now (attachSocket) or later, when one is free. `fresh`: not an idle one.
    void requestSocket(detail::FastHttpReply* reply, const QString& key, bool fresh);
    // `counted`: false for the connection of an event stream (see stopCounting).
    void releaseSocket(const QString& key, QAbstractSocket* socket, bool reusable, bool counted);
    // The connection of an answer that turned out to be an event stream no longer counts against
    // the host's limit: long-lived streams of servers behind one origin would otherwise block it.
    void stopCounting(const QString& key);
    void forgetReply(detail::FastHttpReply* reply);
    void leaveQueue(detail::FastHttpReply* reply);
    void dropIdle(QAbstractSocket* socket);
    void serveWaiting(const QString& key);
    void expireIdle();

    QHash<QString, Host> m_hosts;
    QSet<detail::FastHttpReply*> m_replies;
    QList<QSslConfiguration> m_tlsProfiles; // the distinct TLS configurations of https requests
    int m_maxPerHost = kDefaultMaxConnectionsPerHost;
    bool m_enabled = true;
    qint64 m_fastRequests = 0;
    bool m_expiryScheduled = false;
};

} // namespace lanyard
