// SPDX-License-Identifier: MIT
#pragma once

#include "protocol/Transport.h"

#include <QList>
#include <QPointer>

#include <functional>

namespace lanyard::test {

// One end of an in-memory linked pair. Messages are delivered asynchronously (queued) to the
// other end, as a real transport would. `script` lets a test act as the server directly.
class InMemoryTransport : public Transport
{
    Q_OBJECT
public:
    using Transport::Transport;
    static void link(InMemoryTransport* a, InMemoryTransport* b);

    void start() override;
    void send(const json& message) override;
    void close() override;

    // Deliver a message to this end as if the peer sent it.
    void inject(const json& message);
    // Every message this end sent.
    QList<json> sent;
    // If set, called for every message this end sends (acts as the peer).
    std::function<void(const json& message)> onSend;
    bool isClosed() const { return m_closed; }

private:
    QPointer<InMemoryTransport> m_peer;
    bool m_closed = false;
};

} // namespace lanyard::test
