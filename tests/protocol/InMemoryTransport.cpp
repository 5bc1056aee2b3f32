// SPDX-License-Identifier: MIT
#include "InMemoryTransport.h"

#include <QMetaObject>

namespace lanyard::test {

void InMemoryTransport::link(InMemoryTransport* a, InMemoryTransport* b)
{
    a->m_peer = b;
    b->m_peer = a;
}

void InMemoryTransport::start()
{
    m_closed = false;
    QMetaObject::invokeMethod(this, [this] { emit started(); }, Qt::QueuedConnection);
}

void InMemoryTransport::send(const json& message)
{
    sent.append(message);
    if (onSend)
        onSend(message);
    if (m_peer)
        m_peer->inject(message);
}

void InMemoryTransport::inject(const json& message)
{
    QPointer<InMemoryTransport> self(this);
    QMetaObject::invokeMethod(this, [self, message] {
        if (self && !self->m_closed)
            emit self->messageReceived(message);
    }, Qt::QueuedConnection);
}

void InMemoryTransport::close()
{
    if (m_closed)
        return;
    m_closed = true;
    QMetaObject::invokeMethod(this, [this] { emit closed(); }, Qt::QueuedConnection);
}

} // namespace lanyard::test
