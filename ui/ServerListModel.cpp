// SPDX-License-Identifier: MIT
#include "ServerListModel.h"

#include "Badge.h"
#include "Icons.h"
#include "auth/Identity.h"
#include "auth/Install.h"
#include "session/SessionManager.h"

#include <QApplication>
#include <QPainter>

namespace lanyard {

namespace {

QString stateText(ServerSession::State state, bool lost, bool waitsForSignIn = false)
{
    if (waitsForSignIn)
        return QObject::tr("waiting for sign-in");
    switch (state) {
    case ServerSession::State::Disconnected:
        return QObject::tr("disconnected");
    case ServerSession::State::Connecting:
        return QObject::tr("connecting…");
    case ServerSession::State::Connected:
        return QObject::tr("connected");
    case ServerSession::State::Error:
        return lost ? QObject::tr("unreachable") : QObject::tr("failed");
    }
    return QString();
}

QColor stateColor(ServerSession::State state, bool waitsForSignIn)
{
    if (waitsForSignIn)
        return ui::warningColor();
    switch (state) {
    case ServerSession::State::Connected:
        return ui::successColor();
    case ServerSession::State::Connecting:
        return ui::warningColor();
    case ServerSession::State::Error:
        return ui::errorColor();
    case ServerSession::State::Disconnected:
        break;
    }
    QColor c = QApplication::palette().color(QPalette::WindowText);
    c.setAlphaF(0.45f);
    return c;
}

} // namespace

bool ServerListModel::waitsForSignIn(const ServerSession* s)
{
    if (!s || s->state() != ServerSession::State::Error || s->connectionLost()
        || s->lastError().kind != Error::Kind::Auth)
        return false;
    if (!carriesAccount(s->config()))
        return false;
    const auth::IdentityManager* identity = auth::identity();
    return identity && identity->isConfigured() && !identity->isSignedIn();
}

bool ServerListModel::carriesAccount(const ServerConfig& server)
{
    const QString& type = server.auth.type;
    return type == QLatin1String("entra") || type == QLatin1String("token-exchange")
        || type == QLatin1String("cross-app-access");
}

ServerListModel::ServerListModel(SessionManager* manager, QObject* parent)
    : QAbstractListModel(parent)
    , m_manager(manager)
{
    connect(manager, &SessionManager::sessionsReset, this, [this] {
        beginResetModel();
        endResetModel();
    });
    connect(manager, &SessionManager::sessionAdded, this, [this](int index) {
        beginInsertRows(QModelIndex(), index, index);
        endInsertRows();
    });
    connect(manager, &SessionManager::sessionAboutToBeRemoved, this,
        [this](int index) { beginRemoveRows(QModelIndex(), index, index); });
    connect(manager, &SessionManager::sessionRemoved, this, [this] { endRemoveRows(); });
    connect(manager, &SessionManager::sessionChanged, this,
        [this](int index) { emit dataChanged(this->index(index), this->index(index)); });
}

int ServerListModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() || !m_manager ? 0 : m_manager->count();
}

QVariant ServerListModel::data(const QModelIndex& index, int role) const
{
    ServerSession* s = m_manager && index.isValid() ? m_manager->at(index.row()) : nullptr;
    if (!s)
        return QVariant();
    const ServerConfig& c = s->config();
    switch (role) {
    case Qt::DisplayRole:
    case NameRole:
        return s->name();
    case StateRole:
        return int(s->state());
    case AuthRole:
        return s->authStrategy();
    case EndpointRole:
        return c.isStdio() ? QStringList(QStringList { c.command } + c.args).join(QLatin1Char(' ')) : c.url.toString();
    case ErrorRole:
        return s->lastError().message;
    case LostRole:
        return s->connectionLost();
    case WaitsForSignInRole:
        return waitsForSignIn(s);
    case ExpiryRole:
        return QString();
    case Qt::ToolTipRole: {
        QString tip = QStringLiteral("%1 — %2").arg(
            s->name(), stateText(s->state(), s->connectionLost(), waitsForSignIn(s)));
        if (s->lastError().isError())
            tip += QStringLiteral("\n") + s->lastError().message;
        return tip;
    }
    case Qt::AccessibleTextRole:
        return tr("%1, %2, sign-in: %3")
            .arg(s->name(), stateText(s->state(), s->connectionLost(), waitsForSignIn(s)), s->authStrategy());
    default:
        return QVariant();
    }
}

QSize ServerItemDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const
{
    Q_UNUSED(index);
    const QFontMetrics fm(option.font);
    return QSize(200, fm.height() * 2 + 16);
}

void ServerItemDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    opt.text.clear();
    const QWidget* widget = option.widget;
    QStyle* style = widget ? widget->style() : QApplication::style();
    style->drawPrimitive(QStyle::PE_PanelItemViewItem, &opt, painter, widget);

    const bool selected = option.state & QStyle::State_Selected;
    const QColor text = option.palette.color(QPalette::Normal, selected ? QPalette::HighlightedText : QPalette::Text);
    QColor dim = text;
    dim.setAlphaF(0.65f);
    const auto state = ServerSession::State(index.data(ServerListModel::StateRole).toInt());
    const bool lost = index.data(ServerListModel::LostRole).toBool();
    const bool waiting = index.data(ServerListModel::WaitsForSignInRole).toBool();
    const QString name = index.data(ServerListModel::NameRole).toString();
    const QString auth = index.data(ServerListModel::AuthRole).toString();
    const QString error = index.data(ServerListModel::ErrorRole).toString();
    const QString endpoint = index.data(ServerListModel::EndpointRole).toString();
    const QString expiry = index.data(ServerListModel::ExpiryRole).toString();

    const QRect r = option.rect.adjusted(10, 6, -8, -6);
    const QFontMetrics fm(option.font);
    QFont bold = option.font;
    bold.setBold(true);
    const QFontMetrics bfm(bold);
    QFont small = option.font;
    small.setPointSizeF(qMax(6.0, option.font.pointSizeF() * 0.85));

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    // State dot.
    const int dot = 10;
    const QRect dotRect(r.left(), r.top() + (fm.height() - dot) / 2, dot, dot);
    painter->setPen(Qt::NoPen);
    painter->setBrush(stateColor(state, waiting));
    painter->drawEllipse(dotRect);
    const int x = dotRect.right() + 8;

    // Badge(s) on the right: auth strategy, then (later) the expiry countdown.
    painter->setFont(small);
    const int badgeW = badgeWidth(small, auth);
    const int expiryW = expiry.isEmpty() ? 0 : badgeWidth(small, expiry) + 4;
    const QColor badgeColor = selected ? text : auth == QLatin1String("none") ? dim : ui::infoColor();
    paintBadge(painter, QRect(r.right() - badgeW - expiryW, r.top(), badgeW, fm.height()), auth, badgeColor);
    if (!expiry.isEmpty())
        paintBadge(painter, QRect(r.right() - expiryW + 4, r.top(), expiryW, fm.height()), expiry,
            selected ? text : ui::warningColor());

    painter->setFont(bold);
    painter->setPen(text);
    const int nameWidth = r.right() - badgeW - expiryW - 6 - x;
    painter->drawText(QRect(x, r.top(), nameWidth, fm.height()), Qt::AlignLeft | Qt::AlignVCenter,
        bfm.elidedText(name, Qt::ElideRight, nameWidth));

    painter->setFont(option.font);
    QString second = stateText(state, lost, waiting);
    if (state == ServerSession::State::Error && !error.isEmpty() && !waiting)
        second += QStringLiteral(" · ") + error;
    else if (!endpoint.isEmpty())
        second += QStringLiteral(" · ") + endpoint;
    painter->setPen(state == ServerSession::State::Error && !selected ? stateColor(state, waiting) : dim);
    const QRect line2(x, r.top() + fm.height() + 3, r.right() - x, fm.height());
    painter->drawText(line2, Qt::AlignLeft | Qt::AlignVCenter, fm.elidedText(second, Qt::ElideRight, line2.width()));
    painter->restore();
}

} // namespace lanyard
