// SPDX-License-Identifier: MIT
#pragma once

#include "auth/Identity.h"
#include <QPointer>
#include <QWidget>

class QComboBox;
class QLabel;
class QPlainTextEdit;

namespace lanyard {

class TokenTimeline;

// The token lifecycle timeline of every token Lanyard holds (all servers), with a legend, a
// zoom, and the details of the event clicked: its message, the token's main claims and the
// redacted HTTP exchanges behind it. Never shows a token.
class TimelinePage : public QWidget
{
    Q_OBJECT
public:
    explicit TimelinePage(auth::IdentityManager* identity, QWidget* parent = nullptr);
    TokenTimeline* timeline() const { return m_timeline; }
    QString detailText() const;

private:
    void showDetail(int index);

    QPointer<auth::IdentityManager> m_identity;
    TokenTimeline* m_timeline;
    QComboBox* m_span;
    QLabel* m_journal;
    QPlainTextEdit* m_detail;
};

} // namespace lanyard
