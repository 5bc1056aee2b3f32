// SPDX-License-Identifier: MIT
// The form generated from a JSON Schema: which editors it builds, the JSON it produces, and the
// inline validation messages. Table-driven: a schema, what the user does, the expected value.
#include "Icons.h"
#include "SchemaForm.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTest>

using lanyard::json;
using lanyard::SchemaForm;

namespace {

json parse(const char* text)
{
    return json::parse(text);
}

// "pointer=value" fills a field; "+pointer" clicks "Add item"; "-pointer" clicks an item's remove
// button; "~pointer" ticks its null box.
bool apply(SchemaForm& form, const QString& action, QString* why)
{
    if (action.startsWith(QLatin1Char('+')) || action.startsWith(QLatin1Char('-'))
        || action.startsWith(QLatin1Char('~'))) {
        const QString pointer = action.mid(1);
        const QString prefix = action.startsWith(QLatin1Char('+')) ? QStringLiteral("add:")
            : action.startsWith(QLatin1Char('-'))                  ? QStringLiteral("remove:")
                                                                   : QStringLiteral("null:");
        QAbstractButton* b = form.findChild<QAbstractButton*>(prefix + pointer);
        if (!b) {
            *why = QStringLiteral("no button %1%2").arg(prefix, pointer);
            return false;
        }
        b->click();
        return true;
    }
    const qsizetype eq = action.indexOf(QLatin1Char('='));
    const QString pointer = action.left(eq);
    const QString value = action.mid(eq + 1);
    QWidget* w = form.control(pointer);
    if (!w) {
        *why = QStringLiteral("no field %1").arg(pointer);
        return false;
    }
    if (auto* e = qobject_cast<QLineEdit*>(w)) {
        e->setText(value);
    } else if (auto* s = qobject_cast<QSpinBox*>(w)) {
        s->setValue(value.toInt());
    } else if (auto* c = qobject_cast<QComboBox*>(w)) {
        const int i = c->findText(value);
        if (i < 0) {
            *why = QStringLiteral("no choice %1 in %2").arg(value, pointer);
            return false;
        }
        c->setCurrentIndex(i);
    } else if (auto* b = qobject_cast<QCheckBox*>(w)) {
        b->setChecked(value == QLatin1String("true"));
    } else {
        *why = QStringLiteral("cannot fill %1 (%2)").arg(pointer, QLatin1String(w->metaObject()->className()));
        return false;
    }
    return true;
}

} // namespace

class TestSchemaForm : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase() { lanyard::ui::initResources(); }
    void fill_data();
    void fill();
    void editorKinds_data();
    void editorKinds();
    void inlineMessagesSitUnderTheirField();
    void setValueRoundTripKeepsUnknownKeys();
    void arrayRowsRenumberAfterRemove();
    void validityChangedFires();
    void checkValidatesRawValues();
};

void TestSchemaForm::fill_data()
{
    QTest::addColumn<QString>("schema");
    QTest::addColumn<QStringList>("actions");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<QString>("problem"); // substring of one problem; empty = valid

    const QString q = QStringLiteral(R"({"type":"object","properties":{"q":{"type":"string"}},"required":["q"]})");
    QTest::newRow("required string left empty") << q << QStringList {} << "{}"
                                                << "Required";
    QTest::newRow("required string filled") << q << QStringList { "/q=hello" } << R"({"q":"hello"})"
                                            << "";
    QTest::newRow("optional string empty is omitted")
        << R"({"type":"object","properties":{"q":{"type":"string"}}})" << QStringList {} << "{}"
        << "";
    QTest::newRow("string default") << R"({"type":"object","properties":{"s":{"type":"string","default":"hi"}}})"
                                    << QStringList {} << R"({"s":"hi"})"
                                    << "";
    QTest::newRow("pattern mismatch")
        << R"({"type":"object","properties":{"s":{"type":"string","pattern":"^[a-z]+$"}}})" << QStringList { "/s=ABC" }
        << R"({"s":"ABC"})"
        << "pattern";
    QTest::newRow("email format asserted")
        << R"({"type":"object","properties":{"m":{"type":"string","format":"email"}}})"
        << QStringList { "/m=not-an-address" } << R"({"m":"not-an-address"})"
        << "email";
    QTest::newRow("maxLength") << R"({"type":"object","properties":{"s":{"type":"string","maxLength":3}}})"
                               << QStringList { "/s=abcd" } << R"({"s":"abcd"})"
                               << "3";

    const QString n
        = QStringLiteral(R"({"type":"object","properties":{"n":{"type":"integer","minimum":1,"maximum":100}}})");
    QTest::newRow("optional integer") << n << QStringList { "/n=42" } << R"({"n":42})"
                                      << "";
    QTest::newRow("integer above maximum") << n << QStringList { "/n=500" } << R"({"n":500})"
                                           << "100";
    QTest::newRow("integer not a number") << n << QStringList { "/n=abc" } << "{}"
                                          << "whole number";
    QTest::newRow("integer with a fraction") << n << QStringList { "/n=2.5" } << "{}"
                                             << "whole number";
    QTest::newRow("required bounded integer starts at its minimum")
        << R"({"type":"object","properties":{"n":{"type":"integer","minimum":3,"maximum":9}},"required":["n"]})"
        << QStringList {} << R"({"n":3})"
        << "";
    QTest::newRow("number") << R"({"type":"object","properties":{"x":{"type":"number"}}})" << QStringList { "/x=3.5" }
                            << R"({"x":3.5})"
                            << "";
    QTest::newRow("exclusiveMinimum")
        << R"({"type":"object","properties":{"x":{"type":"number","exclusiveMinimum":0}}})" << QStringList { "/x=0" }
        << R"({"x":0.0})"
        << "0";

    QTest::newRow("required boolean is a check box")
        << R"({"type":"object","properties":{"b":{"type":"boolean"}},"required":["b"]})" << QStringList { "/b=true" }
        << R"({"b":true})"
        << "";
    QTest::newRow("optional boolean not set")
        << R"({"type":"object","properties":{"b":{"type":"boolean"}}})" << QStringList {} << "{}"
        << "";
    QTest::newRow("optional boolean false") << R"({"type":"object","properties":{"b":{"type":"boolean"}}})"
                                            << QStringList { "/b=false" } << R"({"b":false})"
                                            << "";
    QTest::newRow("enum") << R"({"type":"object","properties":{"e":{"type":"string","enum":["alpha","beta"]}}})"
                          << QStringList { "/e=beta" } << R"({"e":"beta"})"
                          << "";
    QTest::newRow("enum with default") << R"({"type":"object","properties":{"e":{"enum":["a","b","c"],"default":"c"}}})"
                                       << QStringList {} << R"({"e":"c"})"
                                       << "";
    QTest::newRow("const") << R"({"type":"object","properties":{"k":{"const":"fixed"}},"required":["k"]})"
                           << QStringList {} << R"({"k":"fixed"})"
                           << "";

    const QString tags = QStringLiteral(
        R"({"type":"object","properties":{"tags":{"type":"array","items":{"type":"string"},"maxItems":3}}})");
    QTest::newRow("array rows") << tags << QStringList { "+/tags", "+/tags", "/tags/0=a", "/tags/1=b" }
                                << R"({"tags":["a","b"]})"
                                << "";
    QTest::newRow("array row removed") << tags
                                       << QStringList { "+/tags", "+/tags", "/tags/0=a", "/tags/1=b", "-/tags/0" }
                                       << R"({"tags":["b"]})"
                                       << "";
    QTest::newRow("array of integers")
        << R"({"type":"object","properties":{"ids":{"type":"array","items":{"type":"integer"}}}})"
        << QStringList { "+/ids", "/ids/0=7" } << R"({"ids":[7]})"
        << "";
    QTest::newRow("array minItems")
        << R"({"type":"object","properties":{"xs":{"type":"array","items":{"type":"string"},"minItems":2}}})"
        << QStringList { "+/xs", "/xs/0=a" } << R"({"xs":["a"]})"
        << "2";

    const QString nested = QStringLiteral(
        R"({"type":"object","properties":{"address":{"type":"object","properties":{"city":{"type":"string"},"zip":{"type":"string"}},"required":["city"]}},"required":["address"]})");
    QTest::newRow("nested object") << nested << QStringList { "/address/city=Oslo" } << R"({"address":{"city":"Oslo"}})"
                                   << "";
    QTest::newRow("nested required missing") << nested << QStringList {} << R"({"address":{}})"
                                             << "Required";
    QTest::newRow("optional nested object left empty is omitted")
        << R"({"type":"object","properties":{"o":{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}}})"
        << QStringList {} << "{}"
        << "";
    QTest::newRow("array of objects")
        << R"({"type":"object","properties":{"people":{"type":"array","items":{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}}}})"
        << QStringList { "+/people", "/people/0/name=Ada" } << R"({"people":[{"name":"Ada"}]})"
        << "";

    QTest::newRow("nullable type list") << R"({"type":"object","properties":{"s":{"type":["string","null"]}}})"
                                        << QStringList { "~/s" } << R"({"s":null})"
                                        << "";
    QTest::newRow("nullable anyOf")
        << R"({"type":"object","properties":{"s":{"anyOf":[{"type":"integer"},{"type":"null"}]}}})"
        << QStringList { "/s=4" } << R"({"s":4})"
        << "";
    QTest::newRow("local $ref")
        << R"({"type":"object","$defs":{"id":{"type":"string","minLength":2}},"properties":{"id":{"$ref":"#/$defs/id"}}})"
        << QStringList { "/id=x" } << R"({"id":"x"})"
        << "2";
    QTest::newRow("allOf folded")
        << R"({"allOf":[{"type":"object","properties":{"a":{"type":"string"}}},{"properties":{"b":{"type":"integer"}},"required":["b"]}]})"
        << QStringList { "/a=x", "/b=2" } << R"({"a":"x","b":2})"
        << "";
    QTest::newRow("untyped property takes JSON") << R"({"type":"object","properties":{"any":{}}})"
                                                 << QStringList { R"(/any={"k":[1,2]})" } << R"({"any":{"k":[1,2]}})"
                                                 << "";
    QTest::newRow("untyped property bad JSON")
        << R"({"type":"object","properties":{"any":{}}})" << QStringList { "/any={oops" } << "{}"
        << "JSON";
    QTest::newRow("no properties") << R"({"type":"object"})" << QStringList {} << "{}"
                                   << "";
}

void TestSchemaForm::fill()
{
    QFETCH(QString, schema);
    QFETCH(QStringList, actions);
    QFETCH(QString, expected);
    QFETCH(QString, problem);

    SchemaForm form;
    form.setSchema(json::parse(schema.toStdString()));
    for (const QString& a : std::as_const(actions)) {
        QString why;
        QVERIFY2(apply(form, a, &why), qPrintable(why));
    }
    const json value = form.value();
    QCOMPARE(QString::fromStdString(value.dump()), QString::fromStdString(json::parse(expected.toStdString()).dump()));
    const QStringList problems = form.problems();
    if (problem.isEmpty()) {
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('|'))));
        QVERIFY(form.isValid());
    } else {
        QVERIFY2(problems.join(QLatin1Char('|')).contains(problem, Qt::CaseInsensitive),
            qPrintable(QStringLiteral("expected a problem with \"%1\", got: %2")
                           .arg(problem, problems.join(QLatin1Char('|')))));
        QVERIFY(!form.isValid());
    }
}

void TestSchemaForm::editorKinds_data()
{
    QTest::addColumn<QString>("schema");
    QTest::addColumn<QString>("pointer");
    QTest::addColumn<QString>("className");

    QTest::newRow("string") << R"({"type":"object","properties":{"a":{"type":"string"}}})"
                            << "/a"
                            << "QLineEdit";
    QTest::newRow("enum") << R"({"type":"object","properties":{"a":{"enum":["x","y"]}}})"
                          << "/a"
                          << "QComboBox";
    QTest::newRow("bounded required integer")
        << R"({"type":"object","properties":{"a":{"type":"integer","minimum":0,"maximum":9}},"required":["a"]})"
        << "/a"
        << "QSpinBox";
    QTest::newRow("unbounded integer") << R"({"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]})"
                                       << "/a"
                                       << "QLineEdit";
    QTest::newRow("required boolean") << R"({"type":"object","properties":{"a":{"type":"boolean"}},"required":["a"]})"
                                      << "/a"
                                      << "QCheckBox";
    QTest::newRow("optional boolean") << R"({"type":"object","properties":{"a":{"type":"boolean"}}})"
                                      << "/a"
                                      << "QComboBox";
    QTest::newRow("nested object")
        << R"({"type":"object","properties":{"a":{"type":"object","properties":{"b":{"type":"string"}}}}})"
        << "/a"
        << "QGroupBox";
}

void TestSchemaForm::editorKinds()
{
    QFETCH(QString, schema);
    QFETCH(QString, pointer);
    QFETCH(QString, className);
    SchemaForm form;
    form.setSchema(json::parse(schema.toStdString()));
    QWidget* w = form.control(pointer);
    QVERIFY(w);
    QCOMPARE(QString::fromLatin1(w->metaObject()->className()), className);
    QVERIFY(!w->accessibleName().isEmpty());
}

void TestSchemaForm::inlineMessagesSitUnderTheirField()
{
    SchemaForm form;
    form.setSchema(parse(
        R"({"type":"object","properties":{"q":{"type":"string","minLength":3},"n":{"type":"integer"}},"required":["q"]})"));
    form.show();
    auto* qError = form.findChild<QLabel*>(QStringLiteral("error:/q"));
    auto* nError = form.findChild<QLabel*>(QStringLiteral("error:/n"));
    QVERIFY(qError && nError);
    QVERIFY(qError->isVisible());
    QVERIFY(qError->text().contains(QLatin1String("Required")));
    QVERIFY(!nError->isVisible());
    qobject_cast<QLineEdit*>(form.control(QStringLiteral("/q")))->setText(QStringLiteral("ab"));
    QVERIFY(qError->isVisible());
    QVERIFY2(qError->text().contains(QLatin1String("3")), qPrintable(qError->text()));
    qobject_cast<QLineEdit*>(form.control(QStringLiteral("/q")))->setText(QStringLiteral("abc"));
    QVERIFY(!qError->isVisible());
    qobject_cast<QLineEdit*>(form.control(QStringLiteral("/n")))->setText(QStringLiteral("x"));
    QVERIFY(nError->isVisible());
    QVERIFY(form.problems().size() == 1);
}

void TestSchemaForm::setValueRoundTripKeepsUnknownKeys()
{
    SchemaForm form;
    form.setSchema(parse(
        R"({"type":"object","properties":{"q":{"type":"string"},"tags":{"type":"array","items":{"type":"string"}},"b":{"type":"boolean"}}})"));
    const json in = parse(R"({"q":"x","tags":["a","b"],"b":true,"unknown":{"k":1}})");
    form.setValue(in);
    QCOMPARE(QString::fromStdString(form.value().dump()), QString::fromStdString(in.dump()));
    QCOMPARE(qobject_cast<QLineEdit*>(form.control(QStringLiteral("/tags/1")))->text(), QStringLiteral("b"));
    // Clearing: keys not given are emptied, not kept.
    form.setValue(json::object());
    QCOMPARE(QString::fromStdString(form.value().dump()), QStringLiteral("{}"));
}

void TestSchemaForm::arrayRowsRenumberAfterRemove()
{
    SchemaForm form;
    form.setSchema(parse(R"({"type":"object","properties":{"t":{"type":"array","items":{"type":"string"}}}})"));
    form.setValue(parse(R"({"t":["a","b","c"]})"));
    form.findChild<QAbstractButton*>(QStringLiteral("remove:/t/0"))->click();
    QCOMPARE(QString::fromStdString(form.value().dump()), QStringLiteral(R"({"t":["b","c"]})"));
    QVERIFY(form.control(QStringLiteral("/t/1")));
    QVERIFY(!form.control(QStringLiteral("/t/2")));
    QCOMPARE(qobject_cast<QLineEdit*>(form.control(QStringLiteral("/t/0")))->text(), QStringLiteral("b"));
}

void TestSchemaForm::validityChangedFires()
{
    SchemaForm form;
    form.setSchema(parse(R"({"type":"object","properties":{"q":{"type":"string"}},"required":["q"]})"));
    QVERIFY(!form.isValid());
    int valid = 0;
    int invalid = 0;
    connect(&form, &SchemaForm::validityChanged, this, [&](bool v) { v ? ++valid : ++invalid; });
    int changes = 0;
    connect(&form, &SchemaForm::valueChanged, this, [&] { ++changes; });
    qobject_cast<QLineEdit*>(form.control(QStringLiteral("/q")))->setText(QStringLiteral("x"));
    QCOMPARE(valid, 1);
    QVERIFY(changes >= 1);
    qobject_cast<QLineEdit*>(form.control(QStringLiteral("/q")))->clear();
    QCOMPARE(invalid, 1);
}

void TestSchemaForm::checkValidatesRawValues()
{
    const json schema = parse(
        R"({"type":"object","properties":{"n":{"type":"integer"}},"required":["n"],"additionalProperties":false})");
    QVERIFY(SchemaForm::check(schema, parse(R"({"n":1})")).isEmpty());
    const QStringList problems = SchemaForm::check(schema, parse(R"({"n":"one","x":1})"));
    QVERIFY(problems.size() >= 2);
    QVERIFY(problems.join(QLatin1Char(' ')).contains(QLatin1String("/n")));
}

QTEST_MAIN(TestSchemaForm)
#include "TestSchemaForm.moc"
