// SPDX-License-Identifier: MIT
#include "RawJsonEditor.h"

#include "Icons.h"
#include "SchemaForm.h"

#include <QLabel>
#include <QPlainTextEdit>
#include <QVBoxLayout>

namespace lanyard {

namespace {

// Line and column (1-based) of a byte offset in UTF-8 text.
QPair<int, int> lineColumn(const QByteArray& bytes, qsizetype offset)
{
    int line = 1;
    int column = 1;
    for (qsizetype i = 0; i < offset && i < bytes.size(); ++i) {
        if (bytes[i] == '\n') {
            ++line;
            column = 1;
        } else if ((static_cast<unsigned char>(bytes[i]) & 0xC0) != 0x80) {
            ++column;
        }
    }
    return { line, column };
}

} // namespace

RawJsonEditor::RawJsonEditor(QWidget* parent)
    : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);
    m_edit = new QPlainTextEdit(this);
    m_edit->setObjectName(QStringLiteral("rawJsonEdit"));
    m_edit->setAccessibleName(tr("Arguments as JSON"));
    QFont mono(QStringLiteral("monospace"));
    mono.setStyleHint(QFont::Monospace);
    m_edit->setFont(mono);
    m_edit->setTabChangesFocus(true);
    m_edit->setPlaceholderText(QStringLiteral("{ }"));
    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("rawJsonError"));
    m_error->setTextFormat(Qt::PlainText);
    m_error->setWordWrap(true);
    m_error->hide();
    m_issues = new QLabel(this);
    m_issues->setObjectName(QStringLiteral("rawJsonIssues"));
    m_issues->setTextFormat(Qt::PlainText);
    m_issues->setWordWrap(true);
    m_issues->hide();
    layout->addWidget(m_edit, 1);
    layout->addWidget(m_error);
    layout->addWidget(m_issues);
    connect(m_edit, &QPlainTextEdit::textChanged, this, &RawJsonEditor::onTextChanged);
}

void RawJsonEditor::setJson(const json& value)
{
    m_settingText = true;
    m_edit->setPlainText(QString::fromUtf8(dumpJson(value, 2)));
    m_settingText = false;
    onTextChanged();
}

QString RawJsonEditor::errorText() const
{
    return m_error->isVisible() ? m_error->text() : QString();
}

void RawJsonEditor::onTextChanged()
{
    const bool wasValid = m_parsed.has_value();
    const QByteArray bytes = m_edit->toPlainText().toUtf8();
    QString error;
    json value = json::parse(bytes.constBegin(), bytes.constEnd(), nullptr, false);
    if (bytes.trimmed().isEmpty()) {
        value = json::object();
    } else if (value.is_discarded()) {
        qsizetype offset = bytes.size();
        try {
            [[maybe_unused]] const json probe = json::parse(bytes.constBegin(), bytes.constEnd());
        } catch (const json::parse_error& e) {
            offset = static_cast<qsizetype>(e.byte) - 1;
        } catch (...) {
        }
        const auto [line, column] = lineColumn(bytes, offset);
        error = tr("Not valid JSON at line %1, column %2. Check for a missing comma, quote or bracket there.")
                    .arg(line)
                    .arg(column);
    } else if (m_requireObject && !value.is_object()) {
        error = tr("The arguments must be a JSON object, like {\"name\": \"value\"}.");
    }
    QPalette pal = m_error->palette();
    pal.setColor(QPalette::WindowText, ui::errorColor());
    m_error->setPalette(pal);
    m_issues->setPalette(pal);
    if (!error.isEmpty()) {
        m_parsed.reset();
        m_error->setText(error);
        m_error->show();
        m_issues->hide();
        m_edit->setAccessibleDescription(error);
    } else {
        m_parsed = value;
        m_error->hide();
        m_edit->setAccessibleDescription(QString());
        QStringList issues;
        if (!m_schema.is_null())
            issues = SchemaForm::check(m_schema, value);
        m_issues->setText(issues.isEmpty()
                ? QString()
                : tr("Does not match the input schema:\n%1").arg(issues.mid(0, 8).join(QLatin1Char('\n'))));
        m_issues->setVisible(!issues.isEmpty());
    }
    if (wasValid != m_parsed.has_value())
        emit validityChanged(m_parsed.has_value());
    if (m_parsed && !m_settingText)
        emit jsonEdited(*m_parsed);
}

} // namespace lanyard
