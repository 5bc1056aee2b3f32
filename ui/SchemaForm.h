// SPDX-License-Identifier: MIT
#pragma once

#include "util/Json.h"

#include <QHash>
#include <QStringList>
#include <QWidget>

#include <memory>

class QLabel;
class QVBoxLayout;

namespace lanyard {

namespace schemaform {
class Field;
struct Context;
} // namespace schemaform

// A form generated from a JSON Schema (a tool's inputSchema, an elicitation's requestedSchema).
//
// Strings (format hints, enum → combo box, pattern), integers and numbers (bounded required
// integers → spin box, otherwise a validated line edit), booleans, arrays (add/remove rows), nested
// objects (group boxes), nullable values (a "null" check box), defaults, required marks ("*") and
// local $refs. Anything else gets a JSON line edit. Required fields come first, then the others
// alphabetically. Every change is validated with lanyard::schema::validate and the messages are
// shown under the field they concern.
//
// Controls are named for tests and automation: "field:<json pointer>" (the editor),
// "error:<pointer>" (its message), "null:<pointer>", "add:<pointer>", "remove:<pointer>/<index>".
class SchemaForm : public QWidget
{
    Q_OBJECT
public:
    explicit SchemaForm(QWidget* parent = nullptr);
    ~SchemaForm() override;

    void setSchema(const json& schema);
    const json& schema() const { return m_schema; }

    // The value the form describes. Optional fields left empty are omitted; for an object schema
    // the result is always an object.
    json value() const;
    // Fills the form. Keys the schema does not describe are kept and come back in value().
    void setValue(const json& value);

    // Problems with the current value: fields that cannot produce a value ("not a number") and
    // schema validation messages, as "<field>: <message>". Empty when the value is acceptable.
    QStringList problems() const { return m_problems; }
    bool isValid() const { return m_problems.isEmpty(); }
    // False when the schema uses keywords the validator does not check.
    bool fullyChecked() const { return m_fullyChecked; }
    int fieldCount() const;

    // The editor control for a JSON pointer ("/query", "/tags/0"), or nullptr.
    QWidget* control(const QString& pointer) const;

    // Validates any value against a schema the same way (used for the raw JSON editor).
    static QStringList check(const json& schema, const json& value, bool* fullyChecked = nullptr);
    // "/a/b" for ["a","b"], with ~ and / escaped.
    static QString pointerAppend(const QString& pointer, const QString& key);

signals:
    void valueChanged();
    void validityChanged(bool valid);

private:
    void rebuild();
    void onFieldChanged();
    void revalidate();

    json m_schema = json::object();
    json m_rootValue = json::object(); // value kept when the schema has no fields
    std::unique_ptr<schemaform::Context> m_context;
    schemaform::Field* m_root = nullptr;
    QVBoxLayout* m_layout;
    QLabel* m_formProblems;
    QLabel* m_emptyLabel;
    QStringList m_problems;
    bool m_fullyChecked = true;
    bool m_updating = false;
};

} // namespace lanyard
