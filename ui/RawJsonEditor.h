// SPDX-License-Identifier: MIT
#pragma once

#include "util/Json.h"

#include <QWidget>

class QLabel;
class QPlainTextEdit;

namespace lanyard {

// A JSON text editor that flags invalid JSON inline (line and column) and, when a schema is set,
// lists what does not match it. Emits jsonEdited() with the parsed value whenever the text parses.
class RawJsonEditor : public QWidget
{
    Q_OBJECT
public:
    explicit RawJsonEditor(QWidget* parent = nullptr);

    // Replaces the text with the pretty-printed value (no jsonEdited()).
    void setJson(const json& value);
    // The parsed text, or nullopt when it does not parse (or is not an object when requireObject).
    std::optional<json> parsed() const { return m_parsed; }
    bool isValid() const { return m_parsed.has_value(); }
    QString errorText() const;
    void setRequireObject(bool require) { m_requireObject = require; }
    void setSchema(const json& schema) { m_schema = schema; }
    QPlainTextEdit* editor() const { return m_edit; }

signals:
    void jsonEdited(const lanyard::json& value);
    void validityChanged(bool valid);

private:
    void onTextChanged();

    QPlainTextEdit* m_edit;
    QLabel* m_error;
    QLabel* m_issues;
    std::optional<json> m_parsed = json::object();
    json m_schema;
    bool m_requireObject = true;
    bool m_settingText = false;
};

} // namespace lanyard
