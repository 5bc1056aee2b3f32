// SPDX-License-Identifier: MIT
#include "TimelinePage.h"

#include "TokenTimeline.h"
#include "auth/Identity.h"
#include "auth/Lifecycle.h"

#include <QComboBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QScrollArea>
#include <QSplitter>
#include <QVBoxLayout>

namespace lanyard {

TimelinePage::TimelinePage(auth::IdentityManager* identity, QWidget* parent)
    : QWidget(parent)
    , m_identity(identity)
{
    auto* layout = new QVBoxLayout(this);
    auto* header = new QHBoxLayout();
    auto* title = new QLabel(tr("Every token Lanyard holds, as time passes. Hover a mark for a summary; click it "
                                "for the details."),
        this);
    title->setWordWrap(true);
    m_span = new QComboBox(this);
    m_span->setObjectName(QStringLiteral("timelineSpan"));
    m_span->setAccessibleName(tr("Time span"));
    m_span->addItem(tr("Fit all"), 0);
    m_span->addItem(tr("10 minutes"), 600);
    m_span->addItem(tr("1 hour"), 3600);
    m_span->addItem(tr("6 hours"), 6 * 3600);
    m_span->addItem(tr("1 day"), 86400);
    header->addWidget(title, 1);
    header->addWidget(new QLabel(tr("Show:"), this));
    header->addWidget(m_span);
    layout->addLayout(header);

    auto* split = new QSplitter(Qt::Vertical, this);
    auto* scroll = new QScrollArea(split);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::StyledPanel);
    m_timeline = new TokenTimeline(scroll);
    scroll->setWidget(m_timeline);
    split->addWidget(scroll);
    m_detail = new QPlainTextEdit(split);
    m_detail->setObjectName(QStringLiteral("timelineDetail"));
    m_detail->setReadOnly(true);
    m_detail->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_detail->setPlaceholderText(tr("Click a mark on the timeline to see the event: what happened, the token's main "
                                    "claims and the HTTP exchanges behind it (secrets masked)."));
    split->addWidget(m_detail);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    layout->addWidget(split, 1);
    m_journal = new QLabel(this);
    m_journal->setObjectName(QStringLiteral("timelineJournal"));
    m_journal->setTextFormat(Qt::PlainText);
    m_journal->setForegroundRole(QPalette::PlaceholderText);
    m_journal->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_journal);

    if (m_identity) {
        m_timeline->setLog(m_identity->lifecycle(), m_identity->clock());
        const QString journal = m_identity->lifecycle()->journal();
        m_journal->setText(journal.isEmpty()
                ? tr("Events are kept for this session only.")
                : tr("Events are also kept in %1 (fingerprints and claims, never tokens).").arg(journal));
    }
    connect(m_span, &QComboBox::currentIndexChanged, this,
        [this] { m_timeline->setSpanSecs(m_span->currentData().toLongLong()); });
    connect(m_timeline, &TokenTimeline::eventSelected, this, &TimelinePage::showDetail);
}

QString TimelinePage::detailText() const
{
    return m_detail->toPlainText();
}

void TimelinePage::showDetail(int index)
{
    if (index < 0 || index >= m_timeline->eventCount()) {
        m_detail->clear();
        return;
    }
    const auth::LifecycleEvent& e = m_timeline->events().at(index);
    QString text = e.summary() + QStringLiteral("\n\n");
    text += tr("What happened: %1\n").arg(e.message);
    text += tr("Token: %1\n").arg(e.server.isEmpty() ? tr("the Entra sign-in") : tr("server %1").arg(e.server));
    if (!e.strategy.isEmpty())
        text += tr("Strategy: %1\n").arg(e.strategy);
    if (!e.fingerprint.isEmpty())
        text += tr("Fingerprint: %1\n").arg(e.fingerprint);
    if (!e.claims.empty())
        text += tr("\nMain claims:\n") + QString::fromUtf8(dumpJson(e.claims, 2)) + QLatin1Char('\n');
    if (!e.exchanges.isEmpty()) {
        text += tr("\nHTTP behind it:\n");
        for (const auto& x : e.exchanges)
            text += QStringLiteral("  ") + x.summary() + QLatin1Char('\n');
    }
    m_detail->setPlainText(text);
}

} // namespace lanyard
