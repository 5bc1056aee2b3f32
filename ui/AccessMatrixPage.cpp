// SPDX-License-Identifier: MIT
#include "AccessMatrixPage.h"

#include "auth/Identity.h"
#include "session/ServerSession.h"
#include "session/SessionManager.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QRegularExpression>
#include <QSet>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace lanyard {

namespace {
// A server with more tools than this shows only the ones that were called (a matrix of 10,000
// rows answers nobody's question).
constexpr int kMaxListedPerServer = 300;
} // namespace

AccessMatrixPage::AccessMatrixPage(SessionManager* manager, auth::IdentityManager* identity, QWidget* parent)
    : QWidget(parent)
    , m_manager(manager)
    , m_identity(identity)
{
    auto* layout = new QVBoxLayout(this);
    auto* top = new QHBoxLayout();
    m_header = new QLabel(this);
    m_header->setObjectName(QStringLiteral("accessHeader"));
    m_header->setTextFormat(Qt::PlainText);
    m_header->setWordWrap(true);
    m_compareBox = new QComboBox(this);
    m_compareBox->setObjectName(QStringLiteral("accessCompare"));
    m_compareBox->setAccessibleName(tr("Compare with account"));
    top->addWidget(m_header, 1);
    top->addWidget(new QLabel(tr("Compare with:"), this));
    top->addWidget(m_compareBox);
    layout->addLayout(top);
    m_table = new QTableWidget(this);
    m_table->setObjectName(QStringLiteral("accessMatrix"));
    m_table->setAccessibleName(tr("Access matrix: tools by server"));
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->setWordWrap(true);
    layout->addWidget(m_table, 1);
    auto* legend
        = new QLabel(tr("✓ called successfully   ✗ denied (the server's reason on hover)   ⚠ the tool reported "
                        "an error   • listed, not called yet   — not offered to this account"),
            this);
    legend->setForegroundRole(QPalette::PlaceholderText);
    legend->setWordWrap(true);
    layout->addWidget(legend);

    m_rebuild.setSingleShot(true);
    m_rebuild.setInterval(100);
    connect(&m_rebuild, &QTimer::timeout, this, &AccessMatrixPage::rebuild);
    connect(m_compareBox, &QComboBox::activated, this,
        [this] { setCompareAccount(m_compareBox->currentData().toString()); });
    if (m_manager) {
        // Every session is watched at once, shown or not (calls and listed tools are recorded per
        // account as they happen); only the table waits until the page is shown.
        const auto watchAll = [this] {
            for (ServerSession* s : m_manager->sessions())
                watch(s);
            scheduleRebuild();
        };
        connect(m_manager, &SessionManager::sessionsReset, this, watchAll);
        connect(m_manager, &SessionManager::sessionAdded, this, watchAll);
        connect(m_manager, &SessionManager::sessionRemoved, this, &AccessMatrixPage::scheduleRebuild);
    }
    if (m_identity) {
        connect(m_identity, &auth::IdentityManager::signedIn, this, &AccessMatrixPage::scheduleRebuild);
        connect(m_identity, &auth::IdentityManager::signedOut, this, &AccessMatrixPage::scheduleRebuild);
    }
    rebuild();
}

QString AccessMatrixPage::currentAccount() const
{
    if (m_identity && m_identity->isSignedIn())
        return m_identity->account().username.isEmpty() ? m_identity->account().subject
                                                        : m_identity->account().username;
    return tr("(not signed in)");
}

void AccessMatrixPage::scheduleRebuild()
{
    // A hidden page does not rebuild its table (the servers' pages and calls keep the GUI thread
    // busy enough): it rebuilds when it is shown.
    if (!isVisible()) {
        m_stale = true;
        return;
    }
    m_rebuild.start();
}

void AccessMatrixPage::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    if (m_stale) {
        m_stale = false;
        rebuild();
    }
}

void AccessMatrixPage::snapshot(ServerSession* session)
{
    const json& list = session->tools();
    if (!list.is_array() || int(list.size()) > kMaxListedPerServer
        || session->state() != ServerSession::State::Connected || !session->toolsComplete())
        return;
    QSet<QString> listed;
    for (const json& t : list) {
        const QString name = qs(t, "name"); // server data: never throws on a wrong type
        if (!name.isEmpty())
            listed.insert(name);
    }
    m_listed[currentAccount()][session->name()] = listed;
}

void AccessMatrixPage::watch(ServerSession* session)
{
    for (const auto& w : std::as_const(m_watched)) {
        if (w == session)
            return;
    }
    m_watched << session;
    connect(session, &ServerSession::toolsChanged, this, [this, session] {
        snapshot(session);
        scheduleRebuild();
    });
    connect(session, &ServerSession::stateChanged, this, &AccessMatrixPage::scheduleRebuild);
    connect(session, &ServerSession::historyAppended, this, [this, session] {
        if (!session->history().isEmpty())
            m_callAccounts[session->name()].insert(session->history().last().serial, currentAccount());
    });
    connect(session, &ServerSession::historyUpdated, this, [this, session](int index) { recordCall(session, index); });
    // Calls made before the page watched (none normally): attribute them to the current account.
    for (int i = 0; i < session->history().size(); ++i) {
        m_callAccounts[session->name()].insert(session->history().at(i).serial, currentAccount());
        recordCall(session, i);
    }
}

bool AccessMatrixPage::soundsLikeRefusal(const QString& reason)
{
    static const QRegularExpression refusal(QStringLiteral("permission denied|forbidden|not allowed|access "
                                                           "denied|insufficient|needs the role|unauthori[sz]ed"),
        QRegularExpression::CaseInsensitiveOption);
    return refusal.match(reason).hasMatch();
}

void AccessMatrixPage::recordCall(ServerSession* session, int index)
{
    if (index < 0 || index >= session->history().size())
        return;
    const CallRecord& call = session->history().at(index);
    Result r;
    switch (call.outcome) {
    case CallRecord::Outcome::Running:
    case CallRecord::Outcome::Cancelled:
        return;
    case CallRecord::Outcome::Ok:
        r.access = Access::CalledOk;
        break;
    case CallRecord::Outcome::ToolError:
        r.reason = call.reason.isEmpty() ? call.summary : call.reason;
        // A tool that answers with a refusal (role or permission check) denied the call.
        r.access = soundsLikeRefusal(r.reason) ? Access::Denied : Access::ToolError;
        break;
    case CallRecord::Outcome::Failed:
        // Refused by the server's authorization (401/403), or a JSON-RPC error saying so; the
        // standard JSON-RPC errors (unknown method, invalid parameters such as an unknown tool, an
        // internal error) and any other error are errors, not denials.
        r.reason = call.reason.isEmpty() ? call.summary : call.reason;
        r.access = call.errorKind == Error::Kind::Auth
                || (call.errorKind == Error::Kind::Rpc && (call.errorCode > -32600 || call.errorCode < -32700)
                    && soundsLikeRefusal(r.reason))
            ? Access::Denied
            : Access::ToolError;
        break;
    }
    const QString account = m_callAccounts.value(session->name()).value(call.serial, currentAccount());
    m_results[session->name()][call.tool][account] = r;
    scheduleRebuild();
}

AccessMatrixPage::Access AccessMatrixPage::access(
    const QString& server, const QString& tool, const QString& account) const
{
    const QString who = account.isEmpty() ? currentAccount() : account;
    const auto serverIt = m_results.constFind(server);
    if (serverIt != m_results.constEnd()) {
        const auto toolIt = serverIt->constFind(tool);
        if (toolIt != serverIt->constEnd() && toolIt->contains(who))
            return toolIt->value(who).access;
    }
    if (m_manager && (account.isEmpty() || account == currentAccount())) {
        if (ServerSession* s = m_manager->session(server); s && s->hasTool(tool))
            return Access::Listed;
    }
    // What the server listed for that account when it was signed in.
    if (m_listed.value(who).value(server).contains(tool))
        return Access::Listed;
    return Access::NotListed;
}

QString AccessMatrixPage::reason(const QString& server, const QString& tool, const QString& account) const
{
    const QString who = account.isEmpty() ? currentAccount() : account;
    return m_results.value(server).value(tool).value(who).reason;
}

QStringList AccessMatrixPage::accounts() const
{
    QStringList out;
    for (const auto& tools : m_results) {
        for (const auto& byAccount : tools) {
            for (auto it = byAccount.constBegin(); it != byAccount.constEnd(); ++it) {
                if (!out.contains(it.key()))
                    out << it.key();
            }
        }
    }
    out.sort();
    return out;
}

void AccessMatrixPage::setCompareAccount(const QString& account)
{
    m_compare = account;
    rebuild();
}

QString AccessMatrixPage::cellText(const QString& server, const QString& tool, const QString& account) const
{
    switch (access(server, tool, account)) {
    case Access::NotListed:
        return QStringLiteral("—");
    case Access::Listed:
        return tr("• listed");
    case Access::CalledOk:
        return tr("✓ called");
    case Access::Denied:
        return tr("✗ denied");
    case Access::ToolError:
        return tr("⚠ error");
    }
    return QString();
}

void AccessMatrixPage::rebuild()
{
    if (!m_manager)
        return;
    for (ServerSession* s : m_manager->sessions())
        watch(s);
    const QString me = currentAccount();
    const bool comparing = !m_compare.isEmpty() && m_compare != me;
    m_header->setText(comparing
            ? tr("What %1 and %2 may reach, tool by tool.").arg(me, m_compare)
            : tr("What %1 may reach, tool by tool: listed by the server, called, or denied.").arg(me));

    // Columns: servers. Rows: every tool name any server lists (or that was called).
    QStringList servers;
    QStringList tools;
    QStringList skipped;
    for (ServerSession* s : m_manager->sessions()) {
        servers << s->name();
        const json& list = s->tools();
        if (list.is_array() && int(list.size()) <= kMaxListedPerServer) {
            snapshot(s);
            for (const json& t : list) {
                const QString name = qs(t, "name"); // server data: never throws on a wrong type
                if (!name.isEmpty() && !tools.contains(name))
                    tools << name;
            }
        } else if (list.is_array()) {
            skipped << tr("%1 (%2 tools)").arg(s->name()).arg(list.size());
        }
        for (auto it = m_results.value(s->name()).constBegin(); it != m_results.value(s->name()).constEnd(); ++it) {
            if (!tools.contains(it.key()))
                tools << it.key();
        }
        if (comparing) {
            for (const QString& name : m_listed.value(m_compare).value(s->name())) {
                if (!tools.contains(name))
                    tools << name;
            }
        }
    }
    std::sort(tools.begin(), tools.end(),
        [](const QString& a, const QString& b) { return a.compare(b, Qt::CaseInsensitive) < 0; });
    if (!skipped.isEmpty())
        m_header->setText(m_header->text() + QLatin1Char(' ')
            + tr("Only the tools called are shown for %1.").arg(skipped.join(QStringLiteral(", "))));

    m_table->clear();
    m_table->setColumnCount(int(servers.size()));
    m_table->setRowCount(int(tools.size()));
    m_table->setHorizontalHeaderLabels(servers);
    m_table->setVerticalHeaderLabels(tools);
    const QColor ok(0x2e, 0x9d, 0x4a, 60);
    const QColor denied(0xd6, 0x30, 0x31, 60);
    const QColor error(0xe6, 0x7e, 0x22, 60);
    for (int r = 0; r < tools.size(); ++r) {
        for (int c = 0; c < servers.size(); ++c) {
            const Access a = access(servers[c], tools[r]);
            QString text = cellText(servers[c], tools[r], QString());
            QString tip = reason(servers[c], tools[r]);
            if (comparing) {
                text = tr("%1: %2\n%3: %4").arg(me, text, m_compare, cellText(servers[c], tools[r], m_compare));
                const QString other = reason(servers[c], tools[r], m_compare);
                if (!other.isEmpty())
                    tip += (tip.isEmpty() ? QString() : QStringLiteral("\n")) + tr("%1: %2").arg(m_compare, other);
            } else if (!tip.isEmpty()) {
                text += QStringLiteral(": ") + tip.left(80);
            }
            auto* item = new QTableWidgetItem(text);
            item->setData(Qt::UserRole, int(a));
            item->setToolTip(tip);
            if (a == Access::CalledOk)
                item->setBackground(ok);
            else if (a == Access::Denied)
                item->setBackground(denied);
            else if (a == Access::ToolError)
                item->setBackground(error);
            else if (a == Access::NotListed)
                item->setForeground(palette().color(QPalette::PlaceholderText));
            m_table->setItem(r, c, item);
        }
    }

    const QString keep = m_compare;
    m_compareBox->clear();
    m_compareBox->addItem(tr("(nobody)"), QString());
    for (const QString& account : accounts()) {
        if (account != me)
            m_compareBox->addItem(account, account);
    }
    const int index = m_compareBox->findData(keep);
    m_compareBox->setCurrentIndex(index < 0 ? 0 : index);
}

} // namespace lanyard
