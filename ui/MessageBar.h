// SPDX-License-Identifier: MIT
#pragma once

#include <QFrame>

class QLabel;
class QPushButton;
class QToolButton;

namespace lanyard {

// An inline message strip (KeePassXC style): icon, plain-language text, an optional action button
// and a close button. Hidden until showMessage(). Text is always shown as plain text.
class MessageBar : public QFrame
{
    Q_OBJECT
public:
    enum class Type { Information, Positive, Warning, Error };
    Q_ENUM(Type)

    explicit MessageBar(QWidget* parent = nullptr);

    // actionText empty = no action button. closable = show the close button.
    void showMessage(
        const QString& text, Type type = Type::Error, const QString& actionText = QString(), bool closable = true);
    void hideMessage();
    QString text() const;
    Type type() const { return m_type; }
    QPushButton* actionButton() const { return m_action; }

signals:
    void actionTriggered();
    void closed();

protected:
    void changeEvent(QEvent* event) override;

private:
    void applyStyle();

    QLabel* m_icon;
    QLabel* m_text;
    QPushButton* m_action;
    QToolButton* m_close;
    Type m_type = Type::Information;
};

} // namespace lanyard
