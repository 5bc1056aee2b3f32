// SPDX-License-Identifier: MIT
#include "SchemaForm.h"

#include "Icons.h"
#include "schema/JsonSchema.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

#include <cmath>
#include <functional>
#include <limits>

namespace lanyard {

namespace schemaform {

// What the form needs to know about one schema after following $ref and folding allOf/anyOf.
enum class Kind { String, Integer, Number, Boolean, Enum, Const, Array, Object, Json };

struct Spec
{
    json schema = json::object();
    Kind kind = Kind::Json;
    bool nullable = false;
    QString title;
    QString description;
    bool hasDefault = false;
    json defaultValue;
};

struct Context
{
    json root = json::object();
    std::function<void()> changed;
    QHash<QString, Field*> fields;
    int suppress = 0; // >0 while the form fills itself: no change notifications

    void notify()
    {
        if (suppress == 0 && changed)
            changed();
    }
};

namespace {

constexpr int kMaxDepth = 12;

json follow(const json& schema, const json& root)
{
    json s = schema;
    for (int hops = 0; hops < 16 && s.is_object() && s.contains("$ref") && s["$ref"].is_string(); ++hops) {
        const std::string ref = s["$ref"].get<std::string>();
        if (ref.empty() || ref[0] != '#')
            break;
        try {
            const json::json_pointer ptr(ref.substr(1));
            if (!root.contains(ptr))
                break;
            json target = root.at(ptr);
            if (!target.is_object())
                break;
            // Sibling keywords next to $ref (2020-12) win over the target's.
            json merged = target;
            for (auto it = s.begin(); it != s.end(); ++it) {
                if (it.key() != "$ref")
                    merged[it.key()] = it.value();
            }
            s = merged;
        } catch (...) {
            break;
        }
    }
    return s;
}

bool isNullSchema(const json& s)
{
    return s.is_object() && s.contains("type") && s["type"] == "null";
}

Spec makeSpec(const json& input, const json& root)
{
    Spec spec;
    json s = follow(input, root);
    if (!s.is_object()) {
        spec.schema = json::object();
        spec.kind = s.is_boolean() && !s.get<bool>() ? Kind::Json : Kind::Json;
        return spec;
    }
    // allOf: fold object parts together (properties and required), keep the rest.
    if (s.contains("allOf") && s["allOf"].is_array()) {
        json merged = s;
        merged.erase("allOf");
        for (const auto& part : s["allOf"]) {
            const json p = follow(part, root);
            if (!p.is_object())
                continue;
            for (auto it = p.begin(); it != p.end(); ++it) {
                if (it.key() == "properties" && it->is_object()) {
                    if (!merged.contains("properties") || !merged["properties"].is_object())
                        merged["properties"] = json::object();
                    for (auto q = it->begin(); q != it->end(); ++q)
                        merged["properties"][q.key()] = q.value();
                } else if (it.key() == "required" && it->is_array()) {
                    if (!merged.contains("required") || !merged["required"].is_array())
                        merged["required"] = json::array();
                    for (const auto& r : *it)
                        merged["required"].push_back(r);
                } else if (!merged.contains(it.key())) {
                    merged[it.key()] = it.value();
                }
            }
        }
        s = merged;
    }
    // anyOf/oneOf with exactly one non-null alternative: a nullable value of that alternative.
    for (const char* key : { "anyOf", "oneOf" }) {
        if (!s.contains(key) || !s[key].is_array())
            continue;
        json other;
        int others = 0;
        bool hasNull = false;
        for (const auto& alt : s[key]) {
            const json a = follow(alt, root);
            if (isNullSchema(a))
                hasNull = true;
            else {
                other = a;
                ++others;
            }
        }
        if (others == 1) {
            json merged = other.is_object() ? other : json::object();
            for (auto it = s.begin(); it != s.end(); ++it) {
                if (it.key() != key && !merged.contains(it.key()))
                    merged[it.key()] = it.value();
            }
            s = merged;
            spec.nullable = spec.nullable || hasNull;
        }
    }
    spec.schema = s;
    spec.title = qs(s, "title");
    spec.description = qs(s, "description");
    if (s.contains("default")) {
        spec.hasDefault = true;
        spec.defaultValue = s["default"];
    }
    QStringList types;
    if (s.contains("type")) {
        if (s["type"].is_string()) {
            types << qstr(s["type"].get<std::string>());
        } else if (s["type"].is_array()) {
            for (const auto& t : s["type"]) {
                if (t.is_string())
                    types << qstr(t.get<std::string>());
            }
        }
    }
    if (types.removeAll(QStringLiteral("null")) > 0)
        spec.nullable = true;
    if (s.contains("enum") && s["enum"].is_array() && !s["enum"].empty()) {
        // An enum that includes null is a nullable enum.
        json values = json::array();
        for (const auto& v : s["enum"]) {
            if (v.is_null())
                spec.nullable = true;
            else
                values.push_back(v);
        }
        spec.schema["enum"] = values;
        spec.kind = values.empty() ? Kind::Json : Kind::Enum;
        return spec;
    }
    if (s.contains("const")) {
        spec.kind = Kind::Const;
        return spec;
    }
    if (types.isEmpty()) {
        if (s.contains("properties"))
            types << QStringLiteral("object");
        else if (s.contains("items"))
            types << QStringLiteral("array");
    }
    if (types.size() != 1) {
        spec.kind = Kind::Json;
        return spec;
    }
    const QString t = types.first();
    if (t == QLatin1String("string"))
        spec.kind = Kind::String;
    else if (t == QLatin1String("integer"))
        spec.kind = Kind::Integer;
    else if (t == QLatin1String("number"))
        spec.kind = Kind::Number;
    else if (t == QLatin1String("boolean"))
        spec.kind = Kind::Boolean;
    else if (t == QLatin1String("array"))
        spec.kind = Kind::Array;
    else if (t == QLatin1String("object"))
        spec.kind = s.contains("properties") && s["properties"].is_object() && !s["properties"].empty() ? Kind::Object
                                                                                                        : Kind::Json;
    return spec;
}

QString displayJson(const json& v)
{
    if (v.is_string())
        return qstr(v.get<std::string>());
    return QString::fromUtf8(dumpJson(v));
}

std::optional<double> numberOf(const json& s, const char* key)
{
    if (s.is_object() && s.contains(key) && s[key].is_number())
        return s[key].get<double>();
    return std::nullopt;
}

} // namespace

// ---- Field -------------------------------------------------------------------------------------

class Field : public QWidget
{
public:
    Field(Context* context, Spec spec, QString pointer, QWidget* parent)
        : QWidget(parent)
        , m_context(context)
        , m_spec(std::move(spec))
        , m_pointer(std::move(pointer))
    {
        m_outer = new QVBoxLayout(this);
        m_outer->setContentsMargins(0, 0, 0, 0);
        m_outer->setSpacing(2);
        m_row = new QHBoxLayout();
        m_row->setContentsMargins(0, 0, 0, 0);
        m_row->setSpacing(6);
        m_outer->addLayout(m_row);
        m_error = new QLabel(this);
        m_error->setObjectName(QStringLiteral("error:") + m_pointer);
        m_error->setTextFormat(Qt::PlainText);
        m_error->setWordWrap(true);
        m_error->hide();
        m_outer->addWidget(m_error);
        m_context->fields.insert(m_pointer, this);
    }
    ~Field() override
    {
        if (m_context->fields.value(m_pointer) == this)
            m_context->fields.remove(m_pointer);
    }

    const QString& pointer() const { return m_pointer; }
    const Spec& spec() const { return m_spec; }
    QWidget* control() const { return m_control; }
    void setAccessibleLabel(const QString& label)
    {
        m_label = label;
        if (m_control) {
            m_control->setAccessibleName(label);
            if (!m_spec.description.isEmpty())
                m_control->setAccessibleDescription(m_spec.description.left(300));
        }
        if (m_null)
            m_null->setAccessibleName(tr("%1 is null").arg(label));
    }
    QString label() const { return m_label.isEmpty() ? m_pointer : m_label; }

    // Empty string means "absent" for object properties; array items always have a value.
    void setEmptyIsAbsent(bool absent) { m_emptyIsAbsent = absent; }
    void setRequired(bool required) { m_required = required; }
    bool isRequired() const { return m_required; }
    // Set by the parent object when this required field has no value.
    void setMissing(bool missing) { m_missing = missing; }

    json value(bool* present) const
    {
        if (m_null && m_null->isChecked()) {
            *present = true;
            return json();
        }
        return valueImpl(present);
    }
    void setValue(const json& v, bool present)
    {
        if (m_null) {
            const QSignalBlocker block(m_null);
            m_null->setChecked(present && v.is_null());
            setEditorEnabled(!m_null->isChecked());
            if (present && v.is_null())
                return;
        }
        setValueImpl(v, present);
    }
    virtual QList<Field*> childFields() const { return {}; }
    void applyDefault()
    {
        if (m_spec.hasDefault)
            setValue(m_spec.defaultValue, true);
    }

    QString localError() const
    {
        if (m_null && m_null->isChecked())
            return QString();
        const QString own = localErrorImpl();
        if (!own.isEmpty())
            return own;
        if (m_missing)
            return tr("Required.");
        return QString();
    }
    void setIssues(const QStringList& issues)
    {
        m_error->setText(issues.join(QLatin1Char('\n')));
        m_error->setVisible(!issues.isEmpty());
        QPalette pal = m_error->palette();
        pal.setColor(QPalette::WindowText, ui::errorColor());
        m_error->setPalette(pal);
    }

protected:
    virtual json valueImpl(bool* present) const = 0;
    virtual void setValueImpl(const json& v, bool present) = 0;
    virtual QString localErrorImpl() const { return QString(); }
    virtual void setEditorEnabled(bool enabled)
    {
        if (m_control)
            m_control->setEnabled(enabled);
    }

    void setControl(QWidget* control, bool stretch = true)
    {
        m_control = control;
        control->setObjectName(QStringLiteral("field:") + m_pointer);
        if (!m_spec.description.isEmpty())
            control->setToolTip(m_spec.description.left(500));
        m_row->addWidget(control, stretch ? 1 : 0);
        if (!stretch)
            m_row->addStretch(1);
        if (m_spec.nullable) {
            m_null = new QCheckBox(tr("null"), this);
            m_null->setObjectName(QStringLiteral("null:") + m_pointer);
            m_null->setToolTip(tr("Send null for this value"));
            m_row->addWidget(m_null);
            connect(m_null, &QCheckBox::toggled, this, [this](bool on) {
                setEditorEnabled(!on);
                m_context->notify();
            });
        }
    }
    QVBoxLayout* outerLayout() const { return m_outer; }
    void changed() { m_context->notify(); }

    Context* m_context;
    Spec m_spec;
    QString m_pointer;
    QWidget* m_control = nullptr;
    QCheckBox* m_null = nullptr;
    QLabel* m_error;
    QVBoxLayout* m_outer;
    QHBoxLayout* m_row;
    QString m_label;
    bool m_emptyIsAbsent = true;
    bool m_required = false;
    bool m_missing = false;
};

Field* createField(Context* context, const json& schema, const QString& pointer, int depth, QWidget* parent);

// ---- String ------------------------------------------------------------------------------------

class StringField : public Field
{
public:
    StringField(Context* c, Spec s, QString p, QWidget* parent)
        : Field(c, std::move(s), std::move(p), parent)
    {
        m_edit = new QLineEdit(this);
        const QString format = qs(m_spec.schema, "format");
        QString hint;
        if (format == QLatin1String("date-time"))
            hint = tr("date and time, e.g. 2025-11-25T14:30:00Z");
        else if (format == QLatin1String("date"))
            hint = tr("date, e.g. 2025-11-25");
        else if (format == QLatin1String("time"))
            hint = tr("time, e.g. 14:30:00Z");
        else if (format == QLatin1String("email"))
            hint = tr("e-mail address");
        else if (format == QLatin1String("uri") || format == QLatin1String("url"))
            hint = tr("URL, e.g. https://example.com/");
        else if (format == QLatin1String("uuid"))
            hint = tr("UUID");
        else if (!format.isEmpty())
            hint = format;
        const QString pattern = qs(m_spec.schema, "pattern");
        if (!pattern.isEmpty())
            hint = hint.isEmpty() ? tr("matching %1").arg(pattern) : tr("%1, matching %2").arg(hint, pattern);
        if (auto max = numberOf(m_spec.schema, "maxLength"); max && *max >= 0 && *max < 1e9)
            m_edit->setMaxLength(int(*max) + 1); // one more, so that the validator can say "too long"
        m_edit->setPlaceholderText(hint);
        setControl(m_edit);
        connect(m_edit, &QLineEdit::textChanged, this, [this] { changed(); });
        applyDefault();
    }

protected:
    json valueImpl(bool* present) const override
    {
        const QString text = m_edit->text();
        *present = !(text.isEmpty() && m_emptyIsAbsent);
        return text.toStdString();
    }
    void setValueImpl(const json& v, bool present) override { m_edit->setText(present ? displayJson(v) : QString()); }
    void setEditorEnabled(bool enabled) override { m_edit->setEnabled(enabled); }

private:
    QLineEdit* m_edit;
};

// ---- Numbers -----------------------------------------------------------------------------------

class NumberField : public Field
{
public:
    NumberField(Context* c, Spec s, QString p, bool integer, bool required, QWidget* parent)
        : Field(c, std::move(s), std::move(p), parent)
        , m_integer(integer)
    {
        const auto min = numberOf(m_spec.schema, "minimum");
        const auto max = numberOf(m_spec.schema, "maximum");
        const auto exMin = numberOf(m_spec.schema, "exclusiveMinimum");
        const auto exMax = numberOf(m_spec.schema, "exclusiveMaximum");
        const double intMin = std::numeric_limits<int>::min();
        const double intMax = std::numeric_limits<int>::max();
        if (integer && required && !m_spec.nullable && min && max && *min >= intMin && *max <= intMax && *min <= *max) {
            m_spin = new QSpinBox(this);
            m_spin->setRange(int(std::ceil(*min)), int(std::floor(*max)));
            m_spin->setAccelerated(true);
            setControl(m_spin, false);
            m_spin->setMinimumWidth(120);
            connect(m_spin, &QSpinBox::valueChanged, this, [this] { changed(); });
        } else {
            m_edit = new QLineEdit(this);
            QString range;
            const QString lo = min ? QString::number(*min) : exMin ? QStringLiteral("> %1").arg(*exMin) : QString();
            const QString hi = max ? QString::number(*max) : exMax ? QStringLiteral("< %1").arg(*exMax) : QString();
            if (!lo.isEmpty() && !hi.isEmpty())
                range = QStringLiteral("%1 \u2013 %2").arg(lo, hi);
            else if (!lo.isEmpty())
                range = min ? tr("at least %1").arg(lo) : lo;
            else if (!hi.isEmpty())
                range = max ? tr("at most %1").arg(hi) : hi;
            const QString what = integer ? tr("whole number") : tr("number");
            m_edit->setPlaceholderText(range.isEmpty() ? what : QStringLiteral("%1, %2").arg(what, range));
            setControl(m_edit);
            connect(m_edit, &QLineEdit::textChanged, this, [this] { changed(); });
        }
        applyDefault();
    }

protected:
    json valueImpl(bool* present) const override
    {
        if (m_spin) {
            *present = true;
            return m_spin->value();
        }
        const QString text = m_edit->text().trimmed();
        if (text.isEmpty()) {
            *present = false;
            return json();
        }
        bool ok = false;
        if (m_integer) {
            const qlonglong v = text.toLongLong(&ok);
            if (ok) {
                *present = true;
                return v;
            }
            // 1e3 or 5.0 are whole numbers too.
            const double d = text.toDouble(&ok);
            if (ok && std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.0e15) {
                *present = true;
                return static_cast<qint64>(d);
            }
            *present = false;
            return json();
        }
        const double d = text.toDouble(&ok);
        *present = ok && std::isfinite(d);
        return *present ? json(d) : json();
    }
    void setValueImpl(const json& v, bool present) override
    {
        if (m_spin) {
            const QSignalBlocker block(m_spin);
            if (present && v.is_number())
                m_spin->setValue(int(v.get<double>()));
            else
                m_spin->setValue(m_spin->minimum());
            changed();
            return;
        }
        m_edit->setText(present ? displayJson(v) : QString());
    }
    QString localErrorImpl() const override
    {
        if (m_spin)
            return QString();
        const QString text = m_edit->text().trimmed();
        if (text.isEmpty())
            return QString();
        bool present = false;
        valueImpl(&present);
        if (present)
            return QString();
        return m_integer ? tr("Enter a whole number, like 42.") : tr("Enter a number, like 3.5.");
    }
    void setEditorEnabled(bool enabled) override
    {
        if (m_spin)
            m_spin->setEnabled(enabled);
        else
            m_edit->setEnabled(enabled);
    }

private:
    bool m_integer;
    QSpinBox* m_spin = nullptr;
    QLineEdit* m_edit = nullptr;
};

// ---- Boolean -----------------------------------------------------------------------------------

class BooleanField : public Field
{
public:
    BooleanField(Context* c, Spec s, QString p, bool required, QWidget* parent)
        : Field(c, std::move(s), std::move(p), parent)
    {
        if (required || m_spec.hasDefault) {
            m_check = new QCheckBox(this);
            setControl(m_check, false);
            connect(m_check, &QCheckBox::toggled, this, [this] { changed(); });
        } else {
            m_combo = new QComboBox(this);
            m_combo->addItem(tr("(not set)"));
            m_combo->addItem(tr("true"));
            m_combo->addItem(tr("false"));
            setControl(m_combo, false);
            connect(m_combo, &QComboBox::currentIndexChanged, this, [this] { changed(); });
        }
        applyDefault();
    }

protected:
    json valueImpl(bool* present) const override
    {
        if (m_check) {
            *present = true;
            return m_check->isChecked();
        }
        *present = m_combo->currentIndex() > 0;
        return m_combo->currentIndex() == 1;
    }
    void setValueImpl(const json& v, bool present) override
    {
        const bool on = present && v.is_boolean() && v.get<bool>();
        if (m_check)
            m_check->setChecked(on);
        else
            m_combo->setCurrentIndex(!present || !v.is_boolean() ? 0 : on ? 1 : 2);
    }
    void setEditorEnabled(bool enabled) override
    {
        if (m_check)
            m_check->setEnabled(enabled);
        else
            m_combo->setEnabled(enabled);
    }

private:
    QCheckBox* m_check = nullptr;
    QComboBox* m_combo = nullptr;
};

// ---- Enum --------------------------------------------------------------------------------------

class EnumField : public Field
{
public:
    EnumField(Context* c, Spec s, QString p, QWidget* parent)
        : Field(c, std::move(s), std::move(p), parent)
    {
        m_combo = new QComboBox(this);
        m_combo->addItem(tr("(not set)"));
        const json& values = m_spec.schema["enum"];
        const json titles = m_spec.schema.value("enumNames", json()); // legacy elicitation titles
        for (size_t i = 0; i < values.size(); ++i) {
            QString text = displayJson(values[i]);
            if (titles.is_array() && i < titles.size() && titles[i].is_string())
                text = QStringLiteral("%1 (%2)").arg(qstr(titles[i].get<std::string>()), text);
            m_combo->addItem(text);
        }
        m_values = values;
        setControl(m_combo, false);
        m_combo->setMinimumWidth(160);
        connect(m_combo, &QComboBox::currentIndexChanged, this, [this] { changed(); });
        applyDefault();
    }

protected:
    json valueImpl(bool* present) const override
    {
        const int i = m_combo->currentIndex();
        if (i <= 0) {
            *present = false;
            return json();
        }
        *present = true;
        if (i - 1 < int(m_values.size()))
            return m_values[size_t(i - 1)];
        return m_other;
    }
    void setValueImpl(const json& v, bool present) override
    {
        if (m_combo->count() > int(m_values.size()) + 1)
            m_combo->removeItem(m_combo->count() - 1);
        if (!present) {
            m_combo->setCurrentIndex(0);
            return;
        }
        for (size_t i = 0; i < m_values.size(); ++i) {
            if (m_values[i] == v) {
                m_combo->setCurrentIndex(int(i) + 1);
                return;
            }
        }
        // Not one of the choices: keep it (the validator says what is wrong).
        m_other = v;
        m_combo->addItem(tr("%1 (not a choice)").arg(displayJson(v)));
        m_combo->setCurrentIndex(m_combo->count() - 1);
    }
    void setEditorEnabled(bool enabled) override { m_combo->setEnabled(enabled); }

private:
    QComboBox* m_combo;
    json m_values;
    json m_other;
};

// ---- Const -------------------------------------------------------------------------------------

class ConstField : public Field
{
public:
    ConstField(Context* c, Spec s, QString p, QWidget* parent)
        : Field(c, std::move(s), std::move(p), parent)
    {
        auto* label = new QLabel(displayJson(m_spec.schema["const"]), this);
        label->setTextFormat(Qt::PlainText);
        label->setEnabled(false);
        setControl(label);
    }

protected:
    json valueImpl(bool* present) const override
    {
        *present = m_required;
        return m_spec.schema["const"];
    }
    void setValueImpl(const json&, bool) override { }
};

// ---- Any JSON ----------------------------------------------------------------------------------

class JsonField : public Field
{
public:
    JsonField(Context* c, Spec s, QString p, QWidget* parent)
        : Field(c, std::move(s), std::move(p), parent)
    {
        m_edit = new QLineEdit(this);
        QFont mono = m_edit->font();
        mono.setFamily(QStringLiteral("monospace"));
        mono.setStyleHint(QFont::Monospace);
        m_edit->setFont(mono);
        m_edit->setPlaceholderText(tr("any JSON value, e.g. {\"key\": 1}"));
        setControl(m_edit);
        connect(m_edit, &QLineEdit::textChanged, this, [this] { changed(); });
        applyDefault();
    }

protected:
    json valueImpl(bool* present) const override
    {
        const QByteArray text = m_edit->text().trimmed().toUtf8();
        if (text.isEmpty()) {
            *present = false;
            return json();
        }
        json j = json::parse(text.constBegin(), text.constEnd(), nullptr, false);
        *present = !j.is_discarded();
        return *present ? j : json();
    }
    void setValueImpl(const json& v, bool present) override
    {
        m_edit->setText(present ? QString::fromUtf8(dumpJson(v)) : QString());
    }
    QString localErrorImpl() const override
    {
        bool present = false;
        valueImpl(&present);
        if (present || m_edit->text().trimmed().isEmpty())
            return QString();
        return tr("Not valid JSON. Strings need double quotes: \"text\".");
    }
    void setEditorEnabled(bool enabled) override { m_edit->setEnabled(enabled); }

private:
    QLineEdit* m_edit;
};

// ---- Array -------------------------------------------------------------------------------------

class ArrayField : public Field
{
public:
    ArrayField(Context* c, Spec s, QString p, int depth, bool required, QWidget* parent)
        : Field(c, std::move(s), std::move(p), parent)
        , m_depth(depth)
    {
        m_items = m_spec.schema.value("items", json::object());
        if (!m_items.is_object())
            m_items = json::object();
        m_box = new QWidget(this);
        m_rows = new QVBoxLayout(m_box);
        m_rows->setContentsMargins(0, 0, 0, 0);
        m_rows->setSpacing(4);
        m_add = new QPushButton(ui::icon(QStringLiteral("add")), tr("Add item"), m_box);
        m_add->setObjectName(QStringLiteral("add:") + m_pointer);
        m_add->setAccessibleName(tr("Add item"));
        m_rows->addWidget(m_add, 0, Qt::AlignLeft);
        m_max = numberOf(m_spec.schema, "maxItems").value_or(1e9);
        setControl(m_box);
        m_box->setObjectName(QStringLiteral("field:") + m_pointer);
        connect(m_add, &QPushButton::clicked, this, [this] {
            addRow(json(), false);
            changed();
        });
        if (m_spec.hasDefault) {
            applyDefault();
        } else if (required) {
            const int min = int(qBound(0.0, numberOf(m_spec.schema, "minItems").value_or(0), 20.0));
            for (int i = 0; i < min; ++i)
                addRow(json(), false);
        }
        m_present = required;
        updateButtons();
    }

    QList<Field*> childFields() const override { return m_fields; }

protected:
    json valueImpl(bool* present) const override
    {
        json out = json::array();
        for (Field* f : m_fields) {
            bool p = false;
            json v = f->value(&p);
            out.push_back(p ? v : json());
        }
        *present = m_present || !m_fields.isEmpty();
        return out;
    }
    void setValueImpl(const json& v, bool present) override
    {
        clearRows();
        m_present = present && v.is_array() ? true : m_required;
        if (present && v.is_array()) {
            for (const auto& item : v)
                addRow(item, true);
        }
        updateButtons();
    }
    QString localErrorImpl() const override
    {
        for (Field* f : m_fields) {
            bool p = false;
            f->value(&p);
            if (!p && f->localError().isEmpty())
                return tr("Item %1 is empty; fill it in or remove it.").arg(m_fields.indexOf(f) + 1);
        }
        return QString();
    }
    void setEditorEnabled(bool enabled) override { m_box->setEnabled(enabled); }

private:
    void addRow(const json& v, bool present)
    {
        const int index = int(m_fields.size());
        auto* row = new QWidget(m_box);
        auto* layout = new QHBoxLayout(row);
        layout->setContentsMargins(0, 0, 0, 0);
        const QString itemPointer = SchemaForm::pointerAppend(m_pointer, QString::number(index));
        Field* f = createField(m_context, m_items, itemPointer, m_depth + 1, row);
        f->setEmptyIsAbsent(false);
        f->setRequired(true);
        f->setAccessibleLabel(tr("%1, item %2").arg(label()).arg(index + 1));
        if (present)
            f->setValue(v, true);
        auto* remove = new QToolButton(row);
        remove->setIcon(ui::icon(QStringLiteral("remove")));
        remove->setObjectName(QStringLiteral("remove:") + itemPointer);
        remove->setToolTip(tr("Remove this item"));
        remove->setAccessibleName(tr("Remove item %1").arg(index + 1));
        layout->addWidget(f, 1);
        layout->addWidget(remove, 0, Qt::AlignTop);
        m_rows->insertWidget(m_rows->count() - 1, row);
        row->show();
        m_fields.append(f);
        m_rowWidgets.append(row);
        connect(remove, &QToolButton::clicked, this, [this, f] { removeRow(f); });
        updateButtons();
    }
    void removeRow(Field* which)
    {
        const int index = int(m_fields.indexOf(which));
        if (index < 0)
            return;
        // Rebuild the rows so that every item keeps a pointer matching its position.
        QList<QPair<json, bool>> values;
        for (Field* f : m_fields) {
            if (f == which)
                continue;
            bool p = false;
            json v = f->value(&p);
            values.append({ v, p });
        }
        m_context->suppress++;
        clearRows();
        for (const auto& [v, p] : values)
            addRow(v, p);
        m_context->suppress--;
        m_present = true;
        updateButtons();
        changed();
    }
    void clearRows()
    {
        for (QWidget* w : m_rowWidgets)
            delete w;
        m_rowWidgets.clear();
        m_fields.clear();
    }
    void updateButtons() { m_add->setEnabled(m_fields.size() < m_max); }

    int m_depth;
    json m_items;
    QWidget* m_box;
    QVBoxLayout* m_rows;
    QPushButton* m_add;
    QList<Field*> m_fields;
    QList<QWidget*> m_rowWidgets;
    double m_max = 1e9;
    bool m_present = false;
};

// ---- Object ------------------------------------------------------------------------------------

class ObjectField : public Field
{
public:
    ObjectField(Context* c, Spec s, QString p, int depth, bool isRoot, QWidget* parent)
        : Field(c, std::move(s), std::move(p), parent)
        , m_isRoot(isRoot)
    {
        QWidget* host = nullptr;
        if (isRoot) {
            host = new QWidget(this);
        } else {
            auto* group = new QGroupBox(m_spec.title, this);
            host = group;
        }
        auto* form = new QFormLayout(host);
        form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
        form->setRowWrapPolicy(QFormLayout::WrapLongRows);
        form->setLabelAlignment(Qt::AlignLeft | Qt::AlignTop);
        if (isRoot)
            form->setContentsMargins(0, 0, 0, 0);
        const json props = m_spec.schema.value("properties", json::object());
        QStringList requiredNames;
        if (m_spec.schema.contains("required") && m_spec.schema["required"].is_array()) {
            for (const auto& r : m_spec.schema["required"]) {
                if (r.is_string())
                    requiredNames << qstr(r.get<std::string>());
            }
        }
        // Required first, then the rest; both alphabetical (JSON objects keep no order here).
        QStringList names;
        for (auto it = props.begin(); it != props.end(); ++it)
            names << qstr(it.key());
        std::stable_sort(names.begin(), names.end(), [&requiredNames](const QString& a, const QString& b) {
            return requiredNames.contains(a) && !requiredNames.contains(b);
        });
        for (const QString& name : names) {
            const json& propSchema = props[name.toStdString()];
            const bool required = requiredNames.contains(name);
            const QString childPointer = SchemaForm::pointerAppend(m_pointer, name);
            Field* f = createFieldFor(propSchema, childPointer, depth, required, host);
            f->setRequired(required);
            f->setEmptyIsAbsent(true);
            const QString title = f->spec().title.isEmpty() ? name : f->spec().title;
            auto* label = new QLabel(required ? QStringLiteral("%1 *").arg(title) : title, host);
            label->setTextFormat(Qt::PlainText);
            label->setToolTip(required ? tr("%1 (required)").arg(name) : name);
            if (f->control())
                label->setBuddy(f->control());
            f->setAccessibleLabel(required ? tr("%1 (required)").arg(title) : title);
            QWidget* cell = f;
            if (!f->spec().description.isEmpty() && f->spec().kind != Kind::Object) {
                cell = new QWidget(host);
                auto* v = new QVBoxLayout(cell);
                v->setContentsMargins(0, 0, 0, 0);
                v->setSpacing(1);
                f->setParent(cell);
                v->addWidget(f);
                auto* d = new QLabel(f->spec().description.left(400), cell);
                d->setTextFormat(Qt::PlainText);
                d->setWordWrap(true);
                d->setObjectName(QStringLiteral("description:") + childPointer);
                QFont small = d->font();
                small.setPointSizeF(small.pointSizeF() * 0.9);
                d->setFont(small);
                d->setForegroundRole(QPalette::PlaceholderText);
                v->addWidget(d);
            }
            if (f->spec().kind == Kind::Object) {
                form->addRow(cell); // the group box carries the title
                if (auto* group = cell->findChild<QGroupBox*>())
                    group->setTitle(required ? QStringLiteral("%1 *").arg(title) : title);
                delete label;
            } else {
                form->addRow(label, cell);
            }
            m_children.append({ name, f });
        }
        setControl(host);
        if (!isRoot)
            host->setObjectName(QStringLiteral("field:") + m_pointer);
        applyDefault();
    }

    QList<Field*> childFields() const override
    {
        QList<Field*> out;
        for (const auto& child : m_children)
            out << child.second;
        return out;
    }

protected:
    json valueImpl(bool* present) const override
    {
        json out = m_extra.is_object() ? m_extra : json::object();
        bool any = false;
        for (const auto& [name, f] : m_children) {
            bool p = false;
            json v = f->value(&p);
            if (p) {
                out[name.toStdString()] = v;
                any = true;
            }
        }
        *present = m_isRoot || m_required || any || !m_extra.empty();
        return out;
    }
    void setValueImpl(const json& v, bool present) override
    {
        m_extra = json::object();
        const bool isObject = present && v.is_object();
        for (const auto& [name, f] : m_children) {
            const std::string key = name.toStdString();
            if (isObject && v.contains(key))
                f->setValue(v[key], true);
            else
                f->setValue(json(), false);
        }
        if (isObject) {
            for (auto it = v.begin(); it != v.end(); ++it) {
                bool known = false;
                for (const auto& child : m_children)
                    known = known || child.first.toStdString() == it.key();
                if (!known)
                    m_extra[it.key()] = it.value();
            }
        }
    }

private:
    Field* createFieldFor(const json& schema, const QString& pointer, int depth, bool required, QWidget* parent);

    bool m_isRoot;
    QList<QPair<QString, Field*>> m_children;
    json m_extra = json::object();
};

Field* makeField(Context* context, const Spec& spec, const QString& pointer, int depth, bool required, QWidget* parent)
{
    if (depth > kMaxDepth)
        return new JsonField(context, spec, pointer, parent);
    switch (spec.kind) {
    case Kind::String:
        return new StringField(context, spec, pointer, parent);
    case Kind::Integer:
        return new NumberField(context, spec, pointer, true, required, parent);
    case Kind::Number:
        return new NumberField(context, spec, pointer, false, required, parent);
    case Kind::Boolean:
        return new BooleanField(context, spec, pointer, required, parent);
    case Kind::Enum:
        return new EnumField(context, spec, pointer, parent);
    case Kind::Const:
        return new ConstField(context, spec, pointer, parent);
    case Kind::Array:
        return new ArrayField(context, spec, pointer, depth, required, parent);
    case Kind::Object:
        return new ObjectField(context, spec, pointer, depth + 1, false, parent);
    case Kind::Json:
        break;
    }
    return new JsonField(context, spec, pointer, parent);
}

Field* ObjectField::createFieldFor(
    const json& schema, const QString& pointer, int depth, bool required, QWidget* parent)
{
    return makeField(m_context, makeSpec(schema, m_context->root), pointer, depth, required, parent);
}

Field* createField(Context* context, const json& schema, const QString& pointer, int depth, QWidget* parent)
{
    // Array items: always "required" (an item has a value).
    return makeField(context, makeSpec(schema, context->root), pointer, depth, true, parent);
}

} // namespace schemaform

using namespace schemaform;

SchemaForm::SchemaForm(QWidget* parent)
    : QWidget(parent)
    , m_context(std::make_unique<Context>())
{
    m_layout = new QVBoxLayout(this);
    m_layout->setContentsMargins(0, 0, 0, 0);
    m_formProblems = new QLabel(this);
    m_formProblems->setObjectName(QStringLiteral("formProblems"));
    m_formProblems->setTextFormat(Qt::PlainText);
    m_formProblems->setWordWrap(true);
    m_formProblems->hide();
    m_emptyLabel = new QLabel(tr("This takes no arguments."), this);
    m_emptyLabel->setObjectName(QStringLiteral("formEmpty"));
    m_emptyLabel->setForegroundRole(QPalette::PlaceholderText);
    m_layout->addWidget(m_emptyLabel);
    m_layout->addWidget(m_formProblems);
    m_layout->addStretch(1);
    m_context->changed = [this] { onFieldChanged(); };
    rebuild();
}

SchemaForm::~SchemaForm()
{
    m_context->changed = nullptr;
    delete m_root;
    m_root = nullptr;
}

QString SchemaForm::pointerAppend(const QString& pointer, const QString& key)
{
    QString k = key;
    k.replace(QLatin1Char('~'), QStringLiteral("~0"));
    k.replace(QLatin1Char('/'), QStringLiteral("~1"));
    return pointer + QLatin1Char('/') + k;
}

void SchemaForm::setSchema(const json& schema)
{
    m_schema = schema.is_object() || schema.is_boolean() ? schema : json::object();
    rebuild();
}

void SchemaForm::rebuild()
{
    m_context->suppress++;
    delete m_root;
    m_root = nullptr;
    m_context->fields.clear();
    m_context->root = m_schema;
    m_rootValue = json::object();
    const Spec spec = makeSpec(m_schema, m_schema);
    const bool objectLike = spec.kind == Kind::Json && spec.schema.value("type", json()) == "object";
    if (spec.kind == Kind::Object) {
        m_root = new ObjectField(m_context.get(), spec, QString(), 0, true, this);
    } else if (!objectLike && !(spec.kind == Kind::Json && spec.schema.empty())) {
        m_root = makeField(m_context.get(), spec, QString(), 0, true, this);
        m_root->setAccessibleLabel(tr("Value"));
    }
    if (m_root) {
        m_layout->insertWidget(0, m_root);
        m_root->show(); // a child added to a visible parent stays hidden until shown
    }
    const json additional = spec.schema.value("additionalProperties", json());
    const bool open = (additional.is_object() && !additional.empty()) || additional == true
        || spec.schema.contains("patternProperties");
    m_emptyLabel->setText(open ? tr("The schema describes no fields; use the raw JSON editor to enter the value.")
                               : tr("This takes no arguments."));
    m_emptyLabel->setVisible(!m_root);
    m_context->suppress--;
    revalidate();
}

int SchemaForm::fieldCount() const
{
    int n = 0;
    for (auto it = m_context->fields.cbegin(); it != m_context->fields.cend(); ++it) {
        if (!it.key().isEmpty())
            ++n;
    }
    return n;
}

QWidget* SchemaForm::control(const QString& pointer) const
{
    Field* f = m_context->fields.value(pointer);
    return f ? f->control() : nullptr;
}

json SchemaForm::value() const
{
    if (!m_root)
        return m_rootValue;
    bool present = false;
    json v = m_root->value(&present);
    return present ? v : json::object();
}

void SchemaForm::setValue(const json& value)
{
    m_updating = true;
    m_context->suppress++;
    if (m_root)
        m_root->setValue(value, true);
    else
        m_rootValue = value.is_object() ? value : json::object();
    m_context->suppress--;
    m_updating = false;
    revalidate();
    emit valueChanged();
}

void SchemaForm::onFieldChanged()
{
    if (m_updating)
        return;
    revalidate();
    emit valueChanged();
}

QStringList SchemaForm::check(const json& schema, const json& value, bool* fullyChecked)
{
    schema::ValidationOptions options;
    options.assertFormats = true;
    const auto result = schema::validate(schema, value, options);
    if (fullyChecked)
        *fullyChecked = result.fullyChecked;
    QStringList out;
    for (const auto& issue : result.issues)
        out << QStringLiteral("%1: %2").arg(issue.path.isEmpty() ? QStringLiteral("/") : issue.path, issue.message);
    return out;
}

void SchemaForm::revalidate()
{
    const bool wasValid = m_problems.isEmpty();
    m_problems.clear();
    QHash<Field*, QStringList> shown;
    QStringList formLevel;

    // Required fields without a value, found by their (present) object.
    std::function<void(Field*)> markMissing = [&markMissing](Field* f) {
        const bool isObject = dynamic_cast<ObjectField*>(f) != nullptr;
        for (Field* child : f->childFields()) {
            bool present = false;
            child->value(&present);
            if (isObject)
                child->setMissing(child->isRequired() && !present);
            if (present)
                markMissing(child);
        }
    };
    for (Field* f : std::as_const(m_context->fields))
        f->setMissing(false);
    if (m_root)
        markMissing(m_root);

    for (Field* f : std::as_const(m_context->fields)) {
        const QString local = f->localError();
        if (local.isEmpty())
            continue;
        shown[f] << local;
        m_problems << QStringLiteral("%1: %2").arg(f->label(), local);
    }

    schema::ValidationOptions options;
    options.assertFormats = true;
    const auto result = schema::validate(m_schema, value(), options);
    m_fullyChecked = result.fullyChecked;
    static const QRegularExpression requiredRe(QStringLiteral("\"(.*)\""));
    for (const auto& issue : result.issues) {
        if (issue.keyword == QLatin1String("required")) {
            const auto m = requiredRe.match(issue.message);
            if (m.hasMatch() && m_context->fields.contains(pointerAppend(issue.path, m.captured(1))))
                continue; // shown as "Required." on the field itself
        }
        QString path = issue.path;
        Field* target = nullptr;
        while (true) {
            target = m_context->fields.value(path);
            if (target || path.isEmpty())
                break;
            path = path.left(path.lastIndexOf(QLatin1Char('/')));
        }
        if (target && !target->pointer().isEmpty()) {
            if (!shown[target].contains(issue.message))
                shown[target] << issue.message;
            m_problems << QStringLiteral("%1: %2").arg(target->label(), issue.message);
        } else {
            formLevel << issue.message;
            m_problems << issue.message;
        }
    }
    for (Field* f : std::as_const(m_context->fields))
        f->setIssues(shown.value(f));
    m_formProblems->setText(formLevel.join(QLatin1Char('\n')));
    m_formProblems->setVisible(!formLevel.isEmpty());
    QPalette pal = m_formProblems->palette();
    pal.setColor(QPalette::WindowText, ui::errorColor());
    m_formProblems->setPalette(pal);
    if (wasValid != m_problems.isEmpty())
        emit validityChanged(m_problems.isEmpty());
}

} // namespace lanyard
