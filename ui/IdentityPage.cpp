// SPDX-License-Identifier: MIT
#include "IdentityPage.h"

#include "Icons.h"
#include "auth/Discovery.h"
#include "auth/HttpClient.h"
#include "auth/Identity.h"
#include "auth/KeySets.h"
#include "auth/Lifecycle.h"
#include "auth/Strategy.h"
#include "crypto/Jwt.h"
#include "util/Clock.h"

#include <QApplication>
#include <QClipboard>
#include <QDateTime>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace lanyard {

namespace {

// Claims whose difference is the point of identity propagation.
const QStringList kKeyClaims { QStringLiteral("aud"), QStringLiteral("iss"), QStringLiteral("scp"),
    QStringLiteral("roles"), QStringLiteral("azp"), QStringLiteral("act") };

QString claimValue(const json& claims, const std::string& key)
{
    auto it = claims.find(key);
    if (it == claims.end())
        return QString();
    if (it->is_string())
        return QString::fromStdString(it->get<std::string>());
    if ((key == "exp" || key == "iat" || key == "nbf" || key == "auth_time") && it->is_number())
        return QDateTime::fromSecsSinceEpoch(it->get<qint64>()).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    if (it->is_array()) {
        QStringList parts;
        bool allStrings = true;
        for (const json& v : *it) {
            if (!v.is_string()) {
                allStrings = false;
                break;
            }
            parts << QString::fromStdString(v.get<std::string>());
        }
        if (allStrings)
            return parts.join(QStringLiteral(", "));
    }
    return QString::fromUtf8(dumpJson(*it));
}

QLabel* valueLabel(QWidget* parent, const QString& name)
{
    auto* l = new QLabel(parent);
    l->setObjectName(name);
    l->setTextFormat(Qt::PlainText);
    l->setTextInteractionFlags(Qt::TextSelectableByMouse);
    l->setWordWrap(true);
    return l;
}

QString grantName(const QString& obtainedBy)
{
    if (obtainedBy == QLatin1String("sign-in"))
        return QObject::tr("authorization code + PKCE (browser sign-in)");
    if (obtainedBy == QLatin1String("refresh"))
        return QObject::tr("refresh_token");
    if (obtainedBy == QLatin1String("token-exchange"))
        return QObject::tr("urn:ietf:params:oauth:grant-type:token-exchange (RFC 8693)");
    if (obtainedBy == QLatin1String("on-behalf-of"))
        return QObject::tr("jwt-bearer (On-Behalf-Of)");
    if (obtainedBy == QLatin1String("id-jag"))
        return QObject::tr("identity assertion (ID-JAG) + jwt-bearer");
    return obtainedBy.isEmpty() ? QObject::tr("(unknown)") : obtainedBy;
}

} // namespace

IdentityPage::IdentityPage(auth::IdentityManager* identity, QWidget* parent)
    : QWidget(parent)
    , m_identity(identity)
{
    m_confirmCopy = [this](const QString& question) {
        return QMessageBox::question(
                   this, tr("Copy a token"), question, QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel)
            == QMessageBox::Yes;
    };
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    m_stack = new QStackedWidget(this);
    outer->addWidget(m_stack);

    // Page 0: nothing to show (with the reason).
    auto* empty = new QWidget(m_stack);
    auto* emptyLayout = new QVBoxLayout(empty);
    emptyLayout->addStretch(1);
    auto* icon = new QLabel(empty);
    icon->setPixmap(ui::icon(QStringLiteral("identity")).pixmap(48, 48));
    icon->setAlignment(Qt::AlignCenter);
    m_emptyText = new QLabel(empty);
    m_emptyText->setObjectName(QStringLiteral("identityEmpty"));
    m_emptyText->setTextFormat(Qt::PlainText);
    m_emptyText->setAlignment(Qt::AlignCenter);
    m_emptyText->setWordWrap(true);
    m_fetchEmpty = new QPushButton(ui::icon(QStringLiteral("refresh")), tr("Get the server's token now"), empty);
    m_fetchEmpty->setObjectName(QStringLiteral("fetchTokenEmpty"));
    m_fetchEmpty->setVisible(false);
    connect(m_fetchEmpty, &QPushButton::clicked, this, &IdentityPage::fetchToken);
    emptyLayout->addWidget(icon);
    emptyLayout->addWidget(m_emptyText);
    auto* emptyRow = new QHBoxLayout();
    emptyRow->addStretch(1);
    emptyRow->addWidget(m_fetchEmpty);
    emptyRow->addStretch(1);
    emptyLayout->addLayout(emptyRow);
    emptyLayout->addStretch(2);
    m_stack->addWidget(empty);

    // Page 1: the comparison.
    auto* page = new QWidget(m_stack);
    auto* layout = new QVBoxLayout(page);
    auto* header = new QHBoxLayout();
    m_title = new QLabel(page);
    m_title->setObjectName(QStringLiteral("identityTitle"));
    m_title->setTextFormat(Qt::PlainText);
    QFont big = m_title->font();
    big.setBold(true);
    big.setPointSizeF(big.pointSizeF() * 1.15);
    m_title->setFont(big);
    m_countdown = new QLabel(page);
    m_countdown->setObjectName(QStringLiteral("tokenCountdown"));
    m_countdown->setTextFormat(Qt::PlainText);
    m_fetch = new QPushButton(ui::icon(QStringLiteral("refresh")), tr("Get token"), page);
    m_fetch->setObjectName(QStringLiteral("fetchToken"));
    m_fetch->setToolTip(tr("Get the token this server gets now (refreshes or exchanges when it is due)"));
    m_reveal = new QPushButton(ui::icon(QStringLiteral("reveal")), tr("Reveal raw tokens"), page);
    m_reveal->setObjectName(QStringLiteral("revealTokens"));
    m_reveal->setCheckable(true);
    m_reveal->setToolTip(tr("Show the raw tokens. Anyone who sees them can use them until they expire."));
    m_copy = new QPushButton(ui::icon(QStringLiteral("copy")), tr("Copy token…"), page);
    m_copy->setObjectName(QStringLiteral("copyToken"));
    header->addWidget(m_title, 1);
    header->addWidget(m_countdown);
    header->addSpacing(12);
    header->addWidget(m_fetch);
    header->addWidget(m_reveal);
    header->addWidget(m_copy);
    layout->addLayout(header);

    auto* top = new QHBoxLayout();
    auto* how = new QGroupBox(tr("How the token was obtained"), page);
    m_howForm = new QFormLayout(how);
    m_howStrategy = valueLabel(how, QStringLiteral("howStrategy"));
    m_howGrant = valueLabel(how, QStringLiteral("howGrant"));
    m_howEndpoint = valueLabel(how, QStringLiteral("howEndpoint"));
    m_howAudience = valueLabel(how, QStringLiteral("howAudience"));
    m_howScopes = valueLabel(how, QStringLiteral("howScopes"));
    m_howSubject = valueLabel(how, QStringLiteral("howSubject"));
    m_howForm->addRow(tr("Strategy:"), m_howStrategy);
    m_howForm->addRow(tr("Grant:"), m_howGrant);
    m_howForm->addRow(tr("Endpoint:"), m_howEndpoint);
    m_howForm->addRow(tr("Audience asked for:"), m_howAudience);
    m_howForm->addRow(tr("Scopes:"), m_howScopes);
    m_howForm->addRow(tr("Subject token:"), m_howSubject);
    auto* checks = new QGroupBox(tr("Checks"), page);
    auto* checksForm = new QFormLayout(checks);
    m_checkAudience = valueLabel(checks, QStringLiteral("checkAudience"));
    m_checkSubjectSignature = valueLabel(checks, QStringLiteral("checkSubjectSignature"));
    m_checkServerSignature = valueLabel(checks, QStringLiteral("checkServerSignature"));
    checksForm->addRow(tr("Audience:"), m_checkAudience);
    checksForm->addRow(tr("Entra token signature:"), m_checkSubjectSignature);
    checksForm->addRow(tr("Server token signature:"), m_checkServerSignature);
    top->addWidget(how, 3);
    top->addWidget(checks, 2);
    layout->addLayout(top);

    auto* split = new QSplitter(Qt::Vertical, page);
    m_claims = new QTableWidget(0, 3, split);
    m_claims->setObjectName(QStringLiteral("claimsTable"));
    m_claims->setAccessibleName(tr("Claims of both tokens"));
    m_claims->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_claims->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_claims->setWordWrap(false);
    m_claims->setTextElideMode(Qt::ElideMiddle);
    m_claims->verticalHeader()->hide();
    m_claims->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_claims->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
    m_claims->horizontalHeader()->setSectionResizeMode(2, QHeaderView::Stretch);
    split->addWidget(m_claims);

    m_tabs = new QTabWidget(split);
    m_tabs->setObjectName(QStringLiteral("identityTabs"));
    m_actTree = new QTreeWidget(m_tabs);
    m_actTree->setObjectName(QStringLiteral("actTree"));
    m_actTree->setHeaderLabels({ tr("Who"), tr("Identified by") });
    m_actTree->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_tabs->addTab(m_actTree, tr("Delegation (act)"));
    auto* serverView = new QWidget(m_tabs);
    auto* serverViewLayout = new QVBoxLayout(serverView);
    m_askServer = new QPushButton(ui::icon(QStringLiteral("play")), tr("Ask the server (call whoami)"), serverView);
    m_askServer->setObjectName(QStringLiteral("askServer"));
    m_serverView = new QPlainTextEdit(serverView);
    m_serverView->setObjectName(QStringLiteral("serverView"));
    m_serverView->setReadOnly(true);
    m_serverView->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_serverView->setPlaceholderText(tr("What the server says it received, from its whoami tool."));
    serverViewLayout->addWidget(m_askServer, 0, Qt::AlignLeft);
    serverViewLayout->addWidget(m_serverView, 1);
    m_tabs->addTab(serverView, tr("Server's own view"));
    auto* raw = new QWidget(m_tabs);
    auto* rawLayout = new QVBoxLayout(raw);
    m_rawHidden = new QLabel(tr("Raw tokens are hidden. Click \"Reveal raw tokens\" to show them."), raw);
    m_rawHidden->setObjectName(QStringLiteral("rawHidden"));
    m_rawSubject = new QPlainTextEdit(raw);
    m_rawSubject->setObjectName(QStringLiteral("rawSubjectToken"));
    m_rawServer = new QPlainTextEdit(raw);
    m_rawServer->setObjectName(QStringLiteral("rawServerToken"));
    for (QPlainTextEdit* e : { m_rawSubject, m_rawServer }) {
        e->setReadOnly(true);
        e->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
        e->hide();
    }
    rawLayout->addWidget(m_rawHidden);
    rawLayout->addWidget(m_rawSubject);
    rawLayout->addWidget(m_rawServer);
    m_tabs->addTab(raw, tr("Raw tokens"));
    split->addWidget(m_tabs);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setSizes({ 420, 200 });
    layout->addWidget(split, 1);
    m_stack->addWidget(page);

    connect(m_fetch, &QPushButton::clicked, this, &IdentityPage::fetchToken);
    connect(m_reveal, &QPushButton::toggled, this, &IdentityPage::setRevealed);
    connect(m_copy, &QPushButton::clicked, this, &IdentityPage::copyServerToken);
    connect(m_askServer, &QPushButton::clicked, this, &IdentityPage::askServer);

    m_reloadTimer.setSingleShot(true);
    m_reloadTimer.setInterval(50);
    connect(&m_reloadTimer, &QTimer::timeout, this, &IdentityPage::reload);
    m_tick.setInterval(1000);
    connect(&m_tick, &QTimer::timeout, this, &IdentityPage::updateCountdown);
    m_tick.start();

    if (m_identity) {
        connect(m_identity->lifecycle(), &auth::LifecycleLog::eventAdded, this, [this](const auth::LifecycleEvent& e) {
            if (m_session && (e.server.isEmpty() || e.server == m_session->name()))
                scheduleReload();
        });
        connect(m_identity, &auth::IdentityManager::signedIn, this, &IdentityPage::scheduleReload);
        connect(m_identity, &auth::IdentityManager::signedOut, this, &IdentityPage::scheduleReload);
    }
    reload();
}

IdentityPage::~IdentityPage() = default;

void IdentityPage::setSession(ServerSession* session)
{
    for (const auto& c : std::as_const(m_sessionConnections))
        disconnect(c);
    m_sessionConnections.clear();
    if (m_ownProvider)
        m_ownProvider->deleteLater();
    m_ownProvider = nullptr;
    m_session = session;
    ++m_generation;
    m_serverView->clear();
    if (session)
        m_sessionConnections << connect(session, &ServerSession::stateChanged, this, &IdentityPage::scheduleReload);
    reload();
}

void IdentityPage::scheduleReload()
{
    m_reloadTimer.start();
}

auth::ServerTokenProvider* IdentityPage::provider()
{
    if (!m_session || !m_identity)
        return nullptr;
    if (auto* p = qobject_cast<auth::ServerTokenProvider*>(m_session->tokenProvider()))
        return p;
    if (!m_ownProvider) {
        Error error;
        m_ownProvider = qobject_cast<auth::ServerTokenProvider*>(
            auth::createTokenProvider(m_session->config(), m_identity, this, &error));
    }
    return m_ownProvider;
}

void IdentityPage::reload()
{
    m_serverToken.reset();
    m_subjectToken.reset();
    m_differing.clear();
    if (!m_session) {
        showEmpty(tr("No server selected."));
        return;
    }
    const QString mode = m_session->authStrategy();
    if (mode == QLatin1String("none")) {
        showEmpty(
            tr("%1 is configured without sign-in (auth: none): Lanyard sends it no token.").arg(m_session->name()));
        return;
    }
    if (mode == QLatin1String("bearer") && !m_session->config().auth.env.isEmpty()) {
        showEmpty(tr("%1 gets a fixed bearer token from the environment variable %2; Lanyard does not "
                     "look inside it.")
                      .arg(m_session->name(), m_session->config().auth.env));
        return;
    }
    auth::ServerTokenProvider* p = provider();
    if (!p) {
        showEmpty(tr("%1 uses the identity mode \"%2\", but its auth settings are not usable. Edit the "
                     "server to see what is missing.")
                      .arg(m_session->name(), mode));
        return;
    }
    m_serverToken = m_identity->cache()->find(p->strategy()->cacheKey());
    if (!m_serverToken) {
        const bool canFetch = m_identity->isSignedIn() || mode == QLatin1String("oauth");
        showEmpty(canFetch
                ? tr("Lanyard holds no token for %1 yet (strategy \"%2\"). It gets one when it connects, or now:")
                      .arg(m_session->name(), mode)
                : tr("Sign in (the account button at the top right) to see what %1 receives.").arg(m_session->name()),
            canFetch);
        return;
    }
    auth::TokenPtr oldest = m_serverToken;
    for (int i = 0; oldest->subjectToken && i < 8; ++i)
        oldest = oldest->subjectToken;
    m_subjectToken = oldest;
    showTokens();
}

// The empty page: why there is nothing to show, and the "get it now" button only where a token can be
// got now (not for auth none, a bearer from the environment, unusable settings or before the sign-in).
void IdentityPage::showEmpty(const QString& text, bool canFetch)
{
    m_emptyText->setText(text);
    m_fetchEmpty->setVisible(canFetch);
    m_stack->setCurrentIndex(0);
}

void IdentityPage::fetchToken()
{
    auth::ServerTokenProvider* p = provider();
    if (!p)
        return;
    const quint64 generation = m_generation;
    QPointer<IdentityPage> self(this);
    p->currentToken([self, generation](const auth::TokenPtr&, const Error& e) {
        if (!self || self->m_generation != generation)
            return;
        if (e.isError()) {
            self->m_emptyText->setText(e.message);
            return;
        }
        self->reload();
    });
}

void IdentityPage::showTokens()
{
    const bool same = m_subjectToken == m_serverToken;
    m_title->setText(same
            ? tr("What %1 sees: the Entra token itself").arg(m_session->name())
            : tr("What %1 sees: the Entra token and the token sent to the server").arg(m_session->name()));
    fillHow();
    fillClaims();
    fillActTree();
    setRevealed(m_revealed);
    updateCountdown();
    verifySignatures();
    m_stack->setCurrentIndex(1);
}

void IdentityPage::fillHow()
{
    const auth::IssuedToken& t = *m_serverToken;
    m_howStrategy->setText(t.strategy.isEmpty() ? m_session->authStrategy() : t.strategy);
    m_howGrant->setText(grantName(t.obtainedBy));
    QString endpoint = qs(m_session->config().auth.raw, "tokenEndpoint");
    if (endpoint.isEmpty() && m_identity)
        endpoint = m_identity->settings().authority;
    m_howEndpoint->setText(t.issuer.isEmpty() ? endpoint : tr("%1 (issuer %2)").arg(endpoint, t.issuer));
    m_howAudience->setText(t.audience.isEmpty() ? tr("(not named)") : t.audience);
    m_howScopes->setText(t.scopes.isEmpty() ? tr("(none)") : t.scopes.join(QLatin1Char(' ')));
    if (m_subjectToken == m_serverToken)
        m_howSubject->setText(tr("none: the server gets the Entra token as it is"));
    else
        m_howSubject->setText(tr("Entra token %1, obtained by %2")
                                  .arg(m_subjectToken->fingerprint(), grantName(m_subjectToken->obtainedBy)));

    // Audience check: does the token's aud name what this server expects?
    auth::ServerTokenProvider* p = provider();
    const QStringList expected = p ? p->strategy()->expectedAudiences() : QStringList();
    if (!t.isJwt())
        m_checkAudience->setText(tr("opaque token: only the server can read it"));
    else if (expected.isEmpty())
        m_checkAudience->setText(tr("not checked: the configuration names no audience"));
    else if (auth::ServerTokenProvider::audienceMatches(t.claims, expected))
        m_checkAudience->setText(tr("✓ aud names %1").arg(expected.join(QStringLiteral(", "))));
    else
        m_checkAudience->setText(
            tr("✗ aud is %1, but %2 expects %3")
                .arg(claimValue(t.claims, "aud"), m_session->name(), expected.join(QStringLiteral(", "))));
}

void IdentityPage::fillClaims()
{
    const json subject = m_subjectToken->mainClaims();
    const json server = m_serverToken->mainClaims();
    QStringList keys;
    for (const json* claims : { &subject, &server }) {
        for (auto it = claims->begin(); it != claims->end(); ++it) {
            const QString k = QString::fromStdString(it.key());
            if (!keys.contains(k))
                keys << k;
        }
    }
    // Key claims first, in the order that tells the story; then the rest alphabetically.
    std::stable_sort(keys.begin(), keys.end(), [](const QString& a, const QString& b) {
        const int ia = kKeyClaims.indexOf(a);
        const int ib = kKeyClaims.indexOf(b);
        if ((ia >= 0) != (ib >= 0))
            return ia >= 0;
        if (ia >= 0)
            return ia < ib;
        return a < b;
    });
    m_claims->setRowCount(0);
    m_claims->setHorizontalHeaderLabels({ tr("Claim"), tr("Entra token (%1)").arg(m_subjectToken->fingerprint()),
        tr("Sent to %1 (%2)").arg(m_session->name(), m_serverToken->fingerprint()) });
    const QColor highlight = palette().color(QPalette::Highlight);
    QColor keyBackground = highlight;
    keyBackground.setAlpha(70);
    QColor otherBackground = highlight;
    otherBackground.setAlpha(28);
    for (const QString& k : std::as_const(keys)) {
        const std::string key = k.toStdString();
        const QString left = claimValue(subject, key);
        const QString right = claimValue(server, key);
        const bool differs = left != right;
        const bool isKey = kKeyClaims.contains(k);
        const int row = m_claims->rowCount();
        m_claims->insertRow(row);
        auto* name = new QTableWidgetItem(k);
        auto* a = new QTableWidgetItem(left.isEmpty() ? tr("—") : left);
        auto* b = new QTableWidgetItem(right.isEmpty() ? tr("—") : right);
        a->setToolTip(left);
        b->setToolTip(right);
        for (QTableWidgetItem* item : { name, a, b }) {
            item->setData(Qt::UserRole, differs);
            if (differs) {
                item->setBackground(isKey ? keyBackground : otherBackground);
                if (isKey) {
                    QFont f = item->font();
                    f.setBold(true);
                    item->setFont(f);
                }
            }
        }
        if (differs) {
            m_differing << k;
            name->setToolTip(isKey ? tr("Differs: this is what token exchange changes") : tr("Differs"));
        }
        m_claims->setItem(row, 0, name);
        m_claims->setItem(row, 1, a);
        m_claims->setItem(row, 2, b);
    }
}

void IdentityPage::fillActTree()
{
    m_actTree->clear();
    const json& claims = m_serverToken->claims;
    auto who = [](const json& c) {
        QString name = claimValue(c, "name");
        if (name.isEmpty())
            name = claimValue(c, "preferred_username");
        if (name.isEmpty())
            name = claimValue(c, "upn");
        return name;
    };
    auto ids = [](const json& c) {
        QStringList parts;
        for (const char* k : { "sub", "oid", "client_id", "azp", "appid", "iss" }) {
            const QString v = claimValue(c, k);
            if (!v.isEmpty())
                parts << QStringLiteral("%1=%2").arg(QString::fromLatin1(k), v);
        }
        return parts.join(QStringLiteral("  "));
    };
    auto* root = new QTreeWidgetItem(
        m_actTree, { tr("Subject: %1").arg(who(claims).isEmpty() ? tr("(no name)") : who(claims)), ids(claims) });
    root->setIcon(0, ui::icon(QStringLiteral("account")));
    QTreeWidgetItem* parent = root;
    const json* act = claims.contains("act") && claims["act"].is_object() ? &claims["act"] : nullptr;
    int depth = 0;
    while (act && depth < 10) {
        const QString actor
            = claimValue(*act, "client_id").isEmpty() ? claimValue(*act, "sub") : claimValue(*act, "client_id");
        auto* item = new QTreeWidgetItem(parent,
            { depth == 0 ? tr("acting for them: %1").arg(actor) : tr("on behalf of an earlier actor: %1").arg(actor),
                ids(*act) });
        item->setIcon(0, ui::icon(QStringLiteral("server")));
        parent = item;
        act = act->contains("act") && (*act)["act"].is_object() ? &(*act)["act"] : nullptr;
        ++depth;
    }
    if (depth == 0)
        new QTreeWidgetItem(root, { tr("no act claim: the token names the user only, no delegation"), QString() });
    m_actTree->expandAll();
}

void IdentityPage::setRevealed(bool revealed)
{
    m_revealed = revealed;
    if (m_reveal->isChecked() != revealed) {
        const QSignalBlocker block(m_reveal);
        m_reveal->setChecked(revealed);
    }
    const bool show = revealed && m_serverToken;
    m_rawHidden->setVisible(!show);
    m_rawSubject->setVisible(show && m_subjectToken != m_serverToken);
    m_rawServer->setVisible(show);
    if (show) {
        m_rawSubject->setPlainText(tr("Entra token:\n") + m_subjectToken->token.revealString());
        m_rawServer->setPlainText(tr("Token sent to %1:\n").arg(m_session ? m_session->name() : QString())
            + m_serverToken->token.revealString());
        m_tabs->setCurrentIndex(2);
    } else {
        m_rawSubject->clear();
        m_rawServer->clear();
    }
    m_reveal->setText(revealed ? tr("Hide raw tokens") : tr("Reveal raw tokens"));
}

void IdentityPage::copyServerToken()
{
    if (!m_serverToken || !m_session)
        return;
    const QString until = m_serverToken->expiresAt.isValid()
        ? m_serverToken->expiresAt.toLocalTime().toString(QStringLiteral("HH:mm:ss"))
        : tr("it expires");
    const QString question = tr("Anyone who has this token can act as you on %1 until %2. Copy it to the "
                                "clipboard anyway?")
                                 .arg(m_session->name(), until);
    if (!m_confirmCopy || !m_confirmCopy(question))
        return;
    QApplication::clipboard()->setText(m_serverToken->token.revealString());
}

void IdentityPage::askServer()
{
    if (!m_session)
        return;
    if (!m_session->hasTool(QStringLiteral("whoami"))) {
        m_serverView->setPlainText(tr("%1 offers no whoami tool (connect first if it does).").arg(m_session->name()));
        return;
    }
    m_serverView->setPlainText(tr("Asking %1…").arg(m_session->name()));
    PendingRequest* request = m_session->callTool(QStringLiteral("whoami"), json::object());
    const quint64 generation = m_generation;
    connect(request, &PendingRequest::finished, this, [this, generation](const json& result) {
        if (generation != m_generation)
            return;
        QString text;
        if (result.contains("structuredContent"))
            text = QString::fromUtf8(dumpJson(result["structuredContent"], 2));
        else if (result.contains("content") && result["content"].is_array() && !result["content"].empty())
            text = claimValue(result["content"][0], "text");
        m_serverView->setPlainText(text.isEmpty() ? QString::fromUtf8(dumpJson(result, 2)) : text);
    });
    connect(request, &PendingRequest::failed, this, [this, generation](const Error& e) {
        if (generation == m_generation)
            m_serverView->setPlainText(e.message);
    });
}

void IdentityPage::updateCountdown()
{
    if (!m_serverToken || !m_identity) {
        m_countdown->clear();
        return;
    }
    const qint64 left = m_serverToken->secondsLeft(m_identity->clock());
    if (!m_serverToken->expiresAt.isValid())
        m_countdown->setText(tr("expiry unknown"));
    else if (left >= 0)
        m_countdown->setText(tr("expires in %1:%2").arg(left / 60).arg(left % 60, 2, 10, QLatin1Char('0')));
    else
        m_countdown->setText(tr("expired %1 min ago").arg(-left / 60));
    QPalette p = m_countdown->palette();
    p.setColor(QPalette::WindowText,
        left < 0         ? QColor(0xc0, 0x39, 0x2b)
            : left < 120 ? QColor(0xd3, 0x84, 0x00)
                         : palette().color(QPalette::WindowText));
    m_countdown->setPalette(p);
}

void IdentityPage::verifySignatures()
{
    if (!m_identity)
        return;
    const quint64 generation = ++m_verifyGeneration;
    auto verify = [this, generation](const auth::TokenPtr& token, QLabel* label) {
        if (!token->isJwt()) {
            label->setText(tr("opaque token: only its audience can check it"));
            return;
        }
        const QString issuer = claimValue(token->claims, "iss");
        if (issuer.isEmpty()) {
            label->setText(tr("✗ the token names no issuer"));
            return;
        }
        label->setText(tr("checking against the keys of %1…").arg(issuer));
        auto jwks = std::make_shared<QUrl>();
        QPointer<QLabel> guard(label);
        QPointer<IdentityPage> self(this);
        m_identity->http()->getFirst(
            auth::authorizationServerMetadataUrls(QUrl(issuer)), {}, this,
            [jwks](const auth::HttpResponse& r) {
                if (r.status != 200)
                    return false;
                auto doc = parseJson(r.body);
                if (!doc || !doc->is_object() || !doc->contains("jwks_uri") || !(*doc)["jwks_uri"].is_string())
                    return false;
                *jwks = QUrl(QString::fromStdString((*doc)["jwks_uri"].get<std::string>()));
                return jwks->isValid();
            },
            [self, guard, jwks, token, issuer, generation](bool found) {
                if (!self || !guard || self->m_verifyGeneration != generation)
                    return;
                if (!found) {
                    guard->setText(tr("not checked: %1 publishes no key set Lanyard could find").arg(issuer));
                    return;
                }
                crypto::VerifyOptions options;
                options.issuers = { issuer };
                options.clock = self->m_identity->clock();
                options.validateLifetime = false; // the countdown shows the lifetime
                self->m_identity->keys()->verify(*jwks, token->token.reveal(), options, self,
                    [self, guard, generation, jwks](const crypto::VerifyResult& result, const Error& error) {
                        if (!self || !guard || self->m_verifyGeneration != generation)
                            return;
                        if (error.isError())
                            guard->setText(tr("not checked: %1").arg(error.message));
                        else if (result.ok)
                            guard->setText(tr("✓ signed by %1 (key %2)").arg(jwks->host(), result.kid));
                        else
                            guard->setText(tr("✗ %1").arg(result.message));
                    });
            });
    };
    verify(m_subjectToken, m_checkSubjectSignature);
    if (m_serverToken == m_subjectToken)
        m_checkServerSignature->setText(tr("same token as the Entra token"));
    else
        verify(m_serverToken, m_checkServerSignature);
}

} // namespace lanyard
