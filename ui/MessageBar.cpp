// SPDX-License-Identifier: MIT
#include "MessageBar.h"

#include "Icons.h"

#include <QApplication>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QToolButton>

namespace lanyard {

MessageBar::MessageBar(QWidget* parent)
    : QFrame(parent)
{
    setFrameShape(QFrame::StyledPanel);
    setAutoFillBackground(true);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(10, 6, 6, 6);
    layout->setSpacing(8);
    m_icon = new QLabel(this);
    m_icon->setFixedSize(20, 20);
    m_text = new QLabel(this);
    m_text->setObjectName(QStringLiteral("messageText"));
    m_text->setTextFormat(Qt::PlainText);
    m_text->setWordWrap(true);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_text->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    m_action = new QPushButton(this);
    m_action->setObjectName(QStringLiteral("messageAction"));
    m_action->hide();
    m_close = new QToolButton(this);
    m_close->setObjectName(QStringLiteral("messageClose"));
    m_close->setIcon(ui::icon(QStringLiteral("close")));
    m_close->setAutoRaise(true);
    m_close->setToolTip(tr("Dismiss"));
    m_close->setAccessibleName(tr("Dismiss message"));
    layout->addWidget(m_icon, 0, Qt::AlignTop);
    layout->addWidget(m_text, 1);
    layout->addWidget(m_action, 0, Qt::AlignVCenter);
    layout->addWidget(m_close, 0, Qt::AlignTop);
    connect(m_action, &QPushButton::clicked, this, &MessageBar::actionTriggered);
    connect(m_close, &QToolButton::clicked, this, [this] {
        hideMessage();
        emit closed();
    });
    setAccessibleName(tr("Message"));
    hide();
}

void MessageBar::showMessage(const QString& text, Type type, const QString& actionText, bool closable)
{
    m_type = type;
    m_text->setText(text);
    m_action->setText(actionText);
    m_action->setAccessibleName(actionText);
    m_action->setVisible(!actionText.isEmpty());
    m_close->setVisible(closable);
    applyStyle();
    setAccessibleDescription(text);
    show();
}

void MessageBar::hideMessage()
{
    hide();
}

QString MessageBar::text() const
{
    return m_text->text();
}

void MessageBar::changeEvent(QEvent* event)
{
    QFrame::changeEvent(event);
    if (event->type() == QEvent::ApplicationPaletteChange && isVisible())
        applyStyle();
}

void MessageBar::applyStyle()
{
    QColor accent;
    QString iconName;
    switch (m_type) {
    case Type::Information:
        accent = ui::infoColor();
        iconName = QStringLiteral("info");
        break;
    case Type::Positive:
        accent = ui::successColor();
        iconName = QStringLiteral("check");
        break;
    case Type::Warning:
        accent = ui::warningColor();
        iconName = QStringLiteral("warning");
        break;
    case Type::Error:
        accent = ui::errorColor();
        iconName = QStringLiteral("error");
        break;
    }
    QColor bg = QApplication::palette().color(QPalette::Window);
    bg = QColor::fromRgbF(bg.redF() * 0.82 + accent.redF() * 0.18, bg.greenF() * 0.82 + accent.greenF() * 0.18,
        bg.blueF() * 0.82 + accent.blueF() * 0.18);
    const QString sheet
        = QStringLiteral("lanyard--MessageBar { background: %1; border: 1px solid %2; border-radius: 4px; }")
              .arg(bg.name(), accent.name());
    if (styleSheet() != sheet)
        setStyleSheet(sheet);
    m_icon->setPixmap(ui::icon(iconName, accent).pixmap(20, 20));
}

} // namespace lanyard
