// SPDX-License-Identifier: MIT
#pragma once

#include "session/ServerSession.h"
#include <QPointer>
#include <QWidget>

class QLabel;

namespace lanyard {

// Placeholder for the identity of one server (account, tokens, how they were obtained). It shows
// only what the configuration says; sign-in arrives with the identity module (core/auth).
class IdentityPage : public QWidget
{
    Q_OBJECT
public:
    explicit IdentityPage(QWidget* parent = nullptr);
    void setSession(ServerSession* session);

private:
    void update();

    QPointer<ServerSession> m_session;
    QLabel* m_mode;
    QLabel* m_text;
};

} // namespace lanyard
