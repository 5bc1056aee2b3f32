// SPDX-License-Identifier: MIT
#pragma once

#include "util/Error.h"
#include "util/Json.h"

#include <QMetaMethod>
#include <QObject>
#include <QString>

namespace lanyard {

// One observed exchange on the wire, for the traffic inspector. Secrets already masked.
struct TrafficRecord
{
    enum class Direction { Outgoing, Incoming };
    Direction direction = Direction::Outgoing;
    QString kind;          // "http" or "jsonrpc" or "stdio"
    QString summary;       // "POST /mcp 200 (12 ms)" / "tools/call #4"
    QByteArray body;       // redacted, possibly truncated
    qint64 timestampMs = 0;
    qint64 durationMs = -1;
};

// A minimal message pipe: start, send, close; message, error and closed signals.
// The protocol layer (JsonRpcConnection) depends only on this.
class Transport : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    ~Transport() override = default;

    // Connect / launch. Emits started() or errorOccurred().
    virtual void start() = 0;
    // Send one JSON-RPC message (request, notification or response).
    // A failure to deliver a request is reported with sendFailed(id, error).
    virtual void send(const json& message) = 0;
    // Orderly shutdown (HTTP: DELETE the session; stdio: close stdin, then terminate). Emits closed().
    virtual void close() = 0;

    // After initialization: open the channel for server-initiated messages where the transport
    // has a separate one (Streamable HTTP: the optional GET stream). Default: nothing to do.
    virtual void startListening() {}

    virtual QString sessionId() const { return QString(); }
    // Called by the client after initialize with the negotiated version.
    virtual void setProtocolVersion(const QString& version) { m_protocolVersion = version; }
    QString protocolVersion() const { return m_protocolVersion; }
    // Largest single message accepted, in bytes. Larger answers fail with Error::Kind::TooLarge.
    void setMaxMessageBytes(qint64 bytes) { m_maxMessageBytes = bytes; }
    qint64 maxMessageBytes() const { return m_maxMessageBytes; }
    // True when someone listens to trafficObserved(); transports build records only then.
    bool hasTrafficObserver() const { return isSignalConnected(QMetaMethod::fromSignal(&Transport::trafficObserved)); }

signals:
    void started();
    void messageReceived(const lanyard::json& message);
    // Delivery of the request with this id failed (HTTP error, reset, too large, ...).
    void sendFailed(const lanyard::json& id, const lanyard::Error& error);
    // A failure not tied to one request (stream lost, process died, ...).
    void errorOccurred(const lanyard::Error& error);
    // The server no longer knows our session (HTTP 404): the client must initialize again.
    void sessionExpired();
    void closed();
    void trafficObserved(const lanyard::TrafficRecord& record);

protected:
    QString m_protocolVersion;
    qint64 m_maxMessageBytes = 64 * 1024 * 1024;
};

} // namespace lanyard
