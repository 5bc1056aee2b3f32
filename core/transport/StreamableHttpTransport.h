// SPDX-License-Identifier: MIT
#pragma once

#include "protocol/TokenProvider.h"
#include "protocol/Transport.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QPointer>
#include <QUrl>

#include <map>
#include <memory>

class QNetworkAccessManager;
class QNetworkReply;

namespace lanyard {

// MCP Streamable HTTP client transport (MCP 2025-11-25 basic/transports).
//
// Every message is POSTed to the endpoint. The answer is 202/204 (notifications and
// responses), one JSON body (a message or a batch) or an SSE stream that is parsed as the bytes
// arrive. The Mcp-Session-Id from the server is kept and sent on every request, as is
// MCP-Protocol-Version once setProtocolVersion() was called. A response stream that drops
// before the answer arrived is resumed with GET + Last-Event-ID, honouring the SSE retry field.
//
// Failures of one request are reported with sendFailed(id, error) (errorOccurred() for a
// notification or the listening stream); the transport stays usable for the next message.
// errorOccurred() is informational here: nothing in this transport is fatal except close().
class StreamableHttpTransport : public Transport
{
    Q_OBJECT
public:
    using Headers = QList<QPair<QByteArray, QByteArray>>;

    explicit StreamableHttpTransport(QUrl endpoint, QObject* parent = nullptr);
    // Shares `network` (not owned; must outlive this transport).
    StreamableHttpTransport(QUrl endpoint, QNetworkAccessManager* network, QObject* parent = nullptr);
    ~StreamableHttpTransport() override;

    QUrl endpoint() const { return m_endpoint; }

    // Asked for headers before every request and told about 401/403. Not owned.
    void setTokenProvider(TokenProvider* provider);
    // Static headers from the configuration, sent on every request (may not override the
    // headers this transport manages: Accept, Content-Type, Mcp-Session-Id, MCP-Protocol-Version).
    void setExtraHeaders(Headers headers) { m_extraHeaders = std::move(headers); }

    // Resumption of dropped SSE streams: attempts in a row without progress (default 3),
    // the delay used when the server sent no "retry" (default 1000 ms) and the backoff cap.
    void setMaxResumeAttempts(int attempts) { m_maxResumeAttempts = attempts; }
    int maxResumeAttempts() const { return m_maxResumeAttempts; }
    void setDefaultRetryMs(qint64 ms) { m_defaultRetryMs = ms; }
    void setMaxRetryDelayMs(qint64 ms) { m_maxRetryDelayMs = ms; }
    // How long close() waits for the server to answer the session DELETE (default 3000 ms).
    void setCloseTimeoutMs(int ms) { m_closeTimeoutMs = ms; }

    void start() override;
    void send(const json& message) override;
    void close() override;
    QString sessionId() const override { return m_sessionId; }

    // Opens the optional GET stream for server-initiated requests and notifications. A 405
    // answer means the server offers none: the transport then stops trying (listening() false).
    void startListening() override;
    bool isListening() const;
    bool listeningUnsupported() const { return m_listenUnsupported; }

    // HTTP exchanges in flight (including scheduled resumptions). For tests and diagnostics.
    int activeExchangeCount() const { return static_cast<int>(m_exchanges.size()); }

private:
    struct Exchange;

    void init(QNetworkAccessManager* network);
    quint64 createExchange(int kind);
    Exchange* find(quint64 id) const;
    void dispatch(quint64 id);
    void issue(quint64 id, const Headers& authHeaders);
    void onReadyRead(quint64 id);
    void onFinished(quint64 id);
    void onRedirected(quint64 id, const QUrl& target);
    bool handleHeaders(Exchange* ex);
    bool consumeBody(quint64 id);
    bool processSseEvents(quint64 id, const QByteArray& chunk);
    bool deliver(quint64 id, const json& message);
    bool deliverBody(quint64 id, const json& body);
    void handleHttpError(Exchange* ex);
    void handleAuthChallenge(Exchange* ex, int status);
    void streamEnded(Exchange* ex, const QString& why);
    void scheduleResume(Exchange* ex, const QString& why);
    void fail(Exchange* ex, const Error& error);
    void complete(Exchange* ex);
    void detachReply(Exchange* ex);
    void remove(quint64 id);
    void emitTraffic(const TrafficRecord& record);
    void finishClose();
    bool isDraining(const Exchange& ex) const;
    void endSessionWhenDrained();
    Error httpStatusError(const Exchange* ex) const;

    QUrl m_endpoint;
    QNetworkAccessManager* m_network = nullptr;
    QPointer<TokenProvider> m_tokenProvider;
    Headers m_extraHeaders;
    QString m_sessionId;
    std::map<quint64, std::unique_ptr<Exchange>> m_exchanges;
    quint64 m_nextExchangeId = 1;
    quint64 m_listenExchange = 0;
    bool m_listenUnsupported = false;
    bool m_closing = false;
    bool m_endSessionPending = false;
    bool m_closed = false;
    int m_maxResumeAttempts = 3;
    qint64 m_defaultRetryMs = 1000;
    qint64 m_maxRetryDelayMs = 30000;
    int m_closeTimeoutMs = 3000;
    int m_closeGeneration = 0;
};

} // namespace lanyard
