// SPDX-License-Identifier: MIT
#include "schema/JsonSchema.h"

#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QtTest>

#include <nlohmann/json.hpp>

using namespace lanyard::schema;
using nlohmann::json;

namespace {

json parse(const QByteArray& text)
{
    json j = json::parse(text.constData(), text.constData() + text.size(), nullptr, false);
    if (j.is_discarded())
        qFatal("test JSON does not parse: %s", text.constData());
    return j;
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

const char* const kDraft7 = R"("$schema": "http://json-schema.org/draft-07/schema#", )";

QByteArray draft7(const char* rest)
{
    return QByteArray("{") + kDraft7 + rest;
}

QString describe(const ValidationResult& r)
{
    QStringList lines { QStringLiteral("valid=%1 fullyChecked=%2 unsupported=[%3]")
                            .arg(r.valid)
                            .arg(r.fullyChecked)
                            .arg(r.unsupportedKeywords.join(QLatin1Char(','))) };
    for (const auto& i : r.issues)
        lines << QStringLiteral("issue '%1' [%2] %3").arg(i.path, i.keyword, i.message);
    for (const auto& i : r.notChecked)
        lines << QStringLiteral("not checked '%1' [%2] %3").arg(i.path, i.keyword, i.message);
    return lines.join(QStringLiteral("\n  "));
}

// A random JSON value built from keyword-ish pieces, for the never-throws test.
json randomValue(QRandomGenerator& rng, int depth)
{
    static const char* const keys[] = { "type", "enum", "const", "properties", "required", "additionalProperties",
        "patternProperties", "propertyNames", "minProperties", "maxProperties", "items", "prefixItems",
        "additionalItems", "contains", "minContains", "maxContains", "minItems", "maxItems", "uniqueItems", "minimum",
        "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "pattern", "allOf",
        "anyOf", "oneOf", "not", "if", "then", "else", "$ref", "$defs", "definitions", "dependentRequired",
        "dependentSchemas", "dependencies", "format", "$id", "$anchor", "$schema", "a", "b", "unevaluatedItems" };
    static const char* const strings[] = { "#", "#/", "#/$defs/a", "#/definitions/a", "#/properties", "#a", "a",
        "string", "integer", "null", "object", "array", "number", "boolean", "(", "^a+$", "[^]", "\\u0041",
        "http://json-schema.org/draft-07/schema#", "https://json-schema.org/draft/2020-12/schema", "date-time", "email",
        "uri", "uuid", "https://x.example/a.json", "~", "%", "#/$defs/a/$ref", "" };
    const int pick = static_cast<int>(rng.bounded(depth > 4 ? 6 : 9));
    switch (pick) {
    case 0:
        return nullptr;
    case 1:
        return rng.bounded(2) == 1;
    case 2:
        return static_cast<int>(rng.bounded(7)) - 2;
    case 3:
        return rng.generateDouble() * 10 - 3;
    case 4:
    case 5:
        return strings[rng.bounded(static_cast<quint32>(std::size(strings)))];
    case 6: {
        json a = json::array();
        for (quint32 i = rng.bounded(4); i > 0; --i)
            a.push_back(randomValue(rng, depth + 1));
        return a;
    }
    default: {
        json o = json::object();
        for (quint32 i = rng.bounded(5); i > 0; --i)
            o[keys[rng.bounded(static_cast<quint32>(std::size(keys)))]] = randomValue(rng, depth + 1);
        return o;
    }
    }
}

// Rows for TestJsonSchema::keywords: schema, instance, expected valid, expected fullyChecked, and for
// invalid values the path and keyword of the first issue. Raw-string test data lives outside the class:
// moc 6.4 mis-reads raw string literals containing "//" or "#" inside a class body.
void addKeywordRows()
{
    QTest::addColumn<QByteArray>("schema");
    QTest::addColumn<QByteArray>("instance");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<bool>("fullyChecked");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("keyword");
    const QString none;
    auto row = [&](const char* name, const QByteArray& schema, const QByteArray& instance, bool valid,
                   bool fully = true, const QString& path = QString(), const QString& keyword = QString()) {
        QTest::newRow(name) << schema << instance << valid << fully << path << keyword;
    };
    const QString root; // "" is the JSON pointer of the whole value
    // type
    row("type string ok", R"({"type":"string"})", R"("a")", true);
    row("type string bad", R"({"type":"string"})", "1", false, true, root, "type");
    row("type integer 1.0", R"({"type":"integer"})", "1.0", true);
    row("type integer 1.5", R"({"type":"integer"})", "1.5", false, true, root, "type");
    row("type integer big", R"({"type":"integer"})", "18446744073709551615", true);
    row("type number int", R"({"type":"number"})", "3", true);
    row("type array of types ok", R"({"type":["string","null"]})", "null", true);
    row("type array of types bad", R"({"type":["string","null"]})", "3", false, true, root, "type");
    row("type boolean not number", R"({"type":"number"})", "true", false, true, root, "type");
    row("type unknown name", R"({"type":"text"})", R"("a")", true, false);
    row("type not a string", R"({"type":5})", R"("a")", true, false);
    // enum / const
    row("enum ok", R"({"enum":["a",1,null]})", "1.0", true);
    row("enum bad", R"({"enum":["a",1,null]})", R"("b")", false, true, root, "enum");
    row("enum bool is not number", R"({"enum":[0]})", "false", false, true, root, "enum");
    row("enum malformed", R"({"enum":"a"})", R"("a")", true, false);
    row("const deep ok", R"({"const":{"a":[1,2]}})", R"({"a":[1.0,2]})", true);
    row("const deep order", R"({"const":{"a":[1,2]}})", R"({"a":[2,1]})", false, true, root, "const");
    // objects
    row("properties nested", R"({"properties":{"a":{"type":"string"}}})", R"({"a":1})", false, true, "/a", "type");
    row("properties absent ok", R"({"properties":{"a":{"type":"string"}}})", R"({"b":1})", true);
    row("properties ignore non-object", R"({"properties":{"a":false}})", "[1]", true);
    row("required", R"({"required":["a","b"]})", R"({"a":1})", false, true, root, "required");
    row("required malformed", R"({"required":"a"})", "{}", true, false);
    row("additionalProperties false", R"({"properties":{"a":{}},"additionalProperties":false})", R"({"a":1,"b":2})",
        false, true, "/b", "additionalProperties");
    row("additionalProperties schema", R"({"additionalProperties":{"type":"integer"}})", R"({"x":"s"})", false, true,
        "/x", "type");
    row("patternProperties ok", R"({"patternProperties":{"^x-":{"type":"integer"}},"additionalProperties":false})",
        R"({"x-a":1})", true);
    row("patternProperties bad", R"({"patternProperties":{"^x-":{"type":"integer"}}})", R"({"x-a":"s"})", false, true,
        "/x-a", "type");
    row("patternProperties blocks additional", R"({"patternProperties":{"^x-":{}},"additionalProperties":false})",
        R"({"y":1})", false, true, "/y", "additionalProperties");
    row("patternProperties invalid regex", R"({"patternProperties":{"(":{}}})", R"({"a":1})", true, false);
    row("propertyNames", R"({"propertyNames":{"maxLength":3}})", R"({"abcd":1})", false, true, root, "propertyNames");
    row("propertyNames ok", R"({"propertyNames":{"pattern":"^[a-z]+$"}})", R"({"abc":1})", true);
    row("minProperties", R"({"minProperties":2})", R"({"a":1})", false, true, root, "minProperties");
    row("maxProperties", R"({"maxProperties":1})", R"({"a":1,"b":2})", false, true, root, "maxProperties");
    row("dependentRequired", R"({"dependentRequired":{"a":["b"]}})", R"({"a":1})", false, true, root,
        "dependentRequired");
    row("dependentRequired absent", R"({"dependentRequired":{"a":["b"]}})", R"({"c":1})", true);
    row("dependentSchemas", R"({"dependentSchemas":{"a":{"required":["b"]}}})", R"({"a":1})", false, true, root,
        "required");
    row("dependencies draft7 array", draft7(R"("dependencies":{"a":["b"]}})"), R"({"a":1})", false, true, root,
        "dependencies");
    row("dependencies draft7 schema", draft7(R"("dependencies":{"c":{"required":["d"]}}})"), R"({"c":1})", false, true,
        root, "required");
    row("dependencies honoured in 2020", R"({"dependencies":{"a":["b"]}})", R"({"a":1})", false, true, root,
        "dependencies");
    row("dependentRequired in draft7", draft7(R"("dependentRequired":{"a":["b"]}})"), R"({"a":1})", true, false);
    // arrays
    row("prefixItems + items", R"({"prefixItems":[{"type":"string"}],"items":{"type":"integer"}})", R"(["a",1,2])",
        true);
    row("prefixItems + items bad", R"({"prefixItems":[{"type":"string"}],"items":{"type":"integer"}})", R"(["a","b"])",
        false, true, "/1", "type");
    row("items false after prefix", R"({"prefixItems":[{}],"items":false})", "[1,2]", false, true, root, "items");
    row("items all", R"({"items":{"type":"integer"}})", R"([1,2,"x"])", false, true, "/2", "type");
    row("items draft7 tuple", draft7(R"("items":[{"type":"string"}],"additionalItems":false})"), R"(["a",1])", false,
        true, root, "additionalItems");
    row("items draft7 tuple ok", draft7(R"("items":[{"type":"string"}],"additionalItems":{"type":"integer"}})"),
        R"(["a",1])", true);
    row("items draft7 object ignores additionalItems", draft7(R"("items":{},"additionalItems":false})"), "[1,2,3]",
        true);
    row("items array form in 2020", R"({"items":[{"type":"string"}],"additionalItems":false})", R"(["a",1])", false,
        true, root, "additionalItems");
    row("prefixItems in draft7", draft7(R"("prefixItems":[{"type":"string"}]})"), "[1]", true, false);
    row("contains none", R"({"contains":{"type":"integer"}})", R"(["a"])", false, true, root, "contains");
    row("contains ok", R"({"contains":{"type":"integer"}})", R"(["a",1])", true);
    row("minContains", R"({"contains":{"type":"integer"},"minContains":2})", R"([1,"a"])", false, true, root,
        "minContains");
    row("maxContains", R"({"contains":{"type":"integer"},"maxContains":1})", "[1,2]", false, true, root, "maxContains");
    row("minContains 0", R"({"contains":{"type":"integer"},"minContains":0})", "[]", true);
    row("minContains in draft7", draft7(R"("contains":{},"minContains":2})"), "[1]", true, false);
    row("minItems", R"({"minItems":2})", "[1]", false, true, root, "minItems");
    row("maxItems", R"({"maxItems":1.0})", "[1,2]", false, true, root, "maxItems");
    row("maxItems malformed", R"({"maxItems":-1})", "[1,2]", true, false);
    row("uniqueItems numbers", R"({"uniqueItems":true})", "[1,1.0]", false, true, root, "uniqueItems");
    row("uniqueItems objects", R"({"uniqueItems":true})", R"([{"a":1},{"a":true}])", true);
    row("uniqueItems false", R"({"uniqueItems":false})", "[1,1]", true);
    // numbers
    row("minimum", R"({"minimum":5})", "4", false, true, root, "minimum");
    row("minimum equal", R"({"minimum":5})", "5.0", true);
    row("exclusiveMinimum", R"({"exclusiveMinimum":5})", "5", false, true, root, "exclusiveMinimum");
    row("maximum", R"({"maximum":5})", "5.5", false, true, root, "maximum");
    row("exclusiveMaximum", R"({"exclusiveMaximum":5})", "4.99", true);
    row("exclusiveMaximum draft-04 boolean", R"({"maximum":5,"exclusiveMaximum":true})", "5", true, false);
    row("minimum malformed", R"({"minimum":"5"})", "3", true, false);
    row("maximum big unsigned", R"({"maximum":18446744073709551615})", "18446744073709551614", true);
    row("minimum negative vs unsigned", R"({"minimum":-1})", "18446744073709551615", true);
    row("multipleOf int", R"({"multipleOf":3})", "9", true);
    row("multipleOf int bad", R"({"multipleOf":3})", "10", false, true, root, "multipleOf");
    row("multipleOf negative int", R"({"multipleOf":3})", "-9", true);
    row("multipleOf decimal", R"({"multipleOf":0.01})", "0.07", true);
    row("multipleOf decimal bad", R"({"multipleOf":0.01})", "0.075", false, true, root, "multipleOf");
    row("multipleOf zero", R"({"multipleOf":0})", "1", true, false);
    // strings
    row("maxLength code points", R"({"maxLength":2})", R"("日本")", true);
    row("maxLength code points bad", R"({"maxLength":2})", R"("日本語")", false, true, root, "maxLength");
    row("maxLength emoji is one", R"({"maxLength":1})", R"("😀")", true);
    row("minLength", R"({"minLength":2})", R"("a")", false, true, root, "minLength");
    row("pattern is a search", R"({"pattern":"b"})", R"("abc")", true);
    row("pattern anchored", R"({"pattern":"^b"})", R"("abc")", false, true, root, "pattern");
    row("pattern $ is end of input", R"({"pattern":"^a$"})", R"("a\n")", false, true, root, "pattern");
    row("pattern \\d ascii", R"({"pattern":"^\\d+$"})", R"("١٢")", false, true, root, "pattern");
    row("pattern \\u escape", R"({"pattern":"^\\u0041$"})", R"("A")", true);
    row("pattern [^] any", R"({"pattern":"^[^]$"})", R"("\n")", true);
    row("pattern invalid", R"({"pattern":"("})", R"("a")", true, false);
    row("pattern ignores non-strings", R"({"pattern":"^a$"})", "1", true);
    // applicators
    row("allOf", R"({"allOf":[{"type":"integer"},{"minimum":3}]})", "2", false, true, root, "minimum");
    row("anyOf ok", R"({"anyOf":[{"type":"string"},{"type":"integer"}]})", "2", true);
    row("anyOf bad", R"({"anyOf":[{"type":"string"},{"type":"integer"}]})", "2.5", false, true, root, "anyOf");
    row("oneOf ok", R"({"oneOf":[{"type":"integer"},{"minimum":3}]})", "2", true);
    row("oneOf both", R"({"oneOf":[{"type":"integer"},{"minimum":3}]})", "4", false, true, root, "oneOf");
    row("oneOf none", R"({"oneOf":[{"type":"integer"},{"minimum":3}]})", "2.5", false, true, root, "oneOf");
    row("not", R"({"not":{"type":"null"}})", "null", false, true, root, "not");
    row("allOf empty malformed", R"({"allOf":[]})", "1", true, false);
    row("if then", R"({"if":{"properties":{"k":{"const":"a"}}},"then":{"required":["x"]},"else":{"required":["y"]}})",
        R"({"k":"a"})", false, true, root, "required");
    row("if else ok",
        R"({"if":{"properties":{"k":{"const":"a"}}},"then":{"required":["x"]},"else":{"required":["y"]}})",
        R"({"k":"b","y":1})", true);
    row("then without if", R"({"then":false})", "1", true);
    // $ref
    row("ref $defs", R"({"$defs":{"n":{"type":"integer"}},"properties":{"a":{"$ref":"#/$defs/n"}}})", R"({"a":"x"})",
        false, true, "/a", "type");
    row("ref definitions", R"({"definitions":{"n":{"type":"integer"}},"$ref":"#/definitions/n"})", "1", true);
    row("ref escaped", R"({"$defs":{"a/b~c%d":{"type":"integer"}},"$ref":"#/$defs/a~1b~0c%25d"})", R"("x")", false,
        true, root, "type");
    row("ref recursive tree", R"({"type":"object","properties":{"kids":{"type":"array","items":{"$ref":"#"}}}})",
        R"({"kids":[{"kids":[{"kids":5}]}]})", false, true, "/kids/0/kids/0/kids", "type");
    row("ref anchor", R"({"$defs":{"n":{"$anchor":"num","type":"integer"}},"$ref":"#num"})", R"("x")", false, true,
        root, "type");
    row("ref $id resource",
        R"({"$id":"https://e.example/root.json","$defs":{"a":{"$id":"a.json","type":"integer"}},"$ref":"a.json"})",
        R"("x")", false, true, root, "type");
    row("ref $id resource ok",
        R"({"$id":"https://e.example/root.json","$defs":{"a":{"$id":"a.json","type":"integer"}},"$ref":"a.json"})", "5",
        true);
    row("ref remote", R"({"$ref":"https://e.example/other.json"})", "5", true, false);
    row("ref missing pointer", R"({"$ref":"#/$defs/missing"})", "5", true, false);
    row("ref siblings apply in 2020", R"({"$defs":{"s":{"type":"string"}},"$ref":"#/$defs/s","maxLength":2})",
        R"("abc")", false, true, root, "maxLength");
    row("ref siblings ignored in draft7",
        draft7(R"("definitions":{"s":{"type":"string"}},"$ref":"#/definitions/s","maxLength":2})"), R"("abc")", true);
    row("ref not a string", R"({"$ref":5})", "5", true, false);
    row("ref relative $id and inner pointer",
        R"({"$id":"http://e.example/a.json","properties":{"foo":{"$id":"b.json","$defs":{"in":{"properties":{"bar":{"type":"string"}}}},"$ref":"#/$defs/in"}},"$ref":"b.json"})",
        R"({"foo":{"bar":"a"},"bar":1})", false, true, "/bar", "type");
    row("ref relative $id and inner pointer ok",
        R"({"$id":"http://e.example/a.json","properties":{"foo":{"$id":"b.json","$defs":{"in":{"properties":{"bar":{"type":"string"}}}},"$ref":"#/$defs/in"}},"$ref":"b.json"})",
        R"({"foo":{"bar":"a"},"bar":"b"})", true);
    row("ref same anchor in two resources",
        R"({"$id":"http://e.example/root","$defs":{"A":{"$id":"child1","allOf":[{"$id":"child2","$anchor":"x","type":"number"},{"$anchor":"x","type":"string"}]}},"$ref":"child1#x"})",
        "1", false, true, root, "type");
    row("ref draft7 $id anchor", draft7(R"("definitions":{"a":{"$id":"#num","type":"integer"}},"$ref":"#num"})"),
        R"("x")", false, true, root, "type");
    row("enum holding a $ref object is data", R"({"$defs":{"s":{"type":"string"}},"enum":[{"$ref":"#/$defs/s"}]})",
        R"("text")", false, true, root, "enum");
    // boolean schemas, annotations, unsupported, dialects
    row("true schema", "true", "1", true);
    row("false schema", "false", "1", false, true, root, "false");
    row("false subschema", R"({"properties":{"a":false}})", R"({"a":1})", false, true, "/a", "false");
    row("annotations ignored",
        R"({"title":"t","description":"d","default":1,"examples":[1],"readOnly":true,"writeOnly":false,)"
        R"("deprecated":true,"$comment":"c","$id":"https://e.example/s","$anchor":"x","contentMediaType":"text/plain","type":"string"})",
        R"("a")", true);
    row("unknown keyword ignored", R"({"x-custom":{"type":"integer"},"type":"string"})", R"("a")", true);
    row("format is an annotation", R"({"format":"email"})", R"("not an email")", true);
    row("unevaluatedProperties", R"({"unevaluatedProperties":false})", R"({"a":1})", true, false);
    row("unsupported in failing branch", R"({"anyOf":[{"type":"string"},{"unevaluatedItems":false}]})", "[1]", true,
        false);
    row("$dynamicRef", R"({"$dynamicRef":"#meta"})", "1", true, false);
    row("draft-04 dialect", R"({"$schema":"http://json-schema.org/draft-04/schema#","type":"string"})", R"("a")", true,
        false);
    row("unknown dialect", R"({"$schema":"https://example.com/my-dialect","type":"string"})", R"("a")", true, false);
    row("2019-09 dialect", R"({"$schema":"https://json-schema.org/draft/2019-09/schema","type":"string"})", R"("a")",
        true);
    row("schema not an object", "5", "1", true, false);
    row("subschema not an object", R"({"properties":{"a":"string"}})", R"({"a":1})", true, false);
    row("properties not an object", R"({"properties":[]})", R"({"a":1})", true, false);
}

void addRefLoopRows()
{
    QTest::addColumn<QByteArray>("schema");
    QTest::addColumn<QByteArray>("instance");
    QTest::newRow("self") << QByteArray(R"({"$ref":"#"})") << QByteArray("1");
    QTest::newRow("pair") << QByteArray(
        R"({"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"})")
                          << QByteArray("1");
    QTest::newRow("anchor self") << QByteArray(R"({"$anchor":"me","allOf":[{"$ref":"#me"}]})") << QByteArray("1");
    QTest::newRow("oneOf self") << QByteArray(R"({"oneOf":[{"$ref":"#"},{"$ref":"#"}]})") << QByteArray("[]");
    QTest::newRow("draft7 self") << draft7(R"("$ref":"#"})") << QByteArray("1");
}

const QByteArray kRecursiveItems = R"({"items":{"$ref":"#"}})";

} // namespace

class TestJsonSchema : public QObject
{
    Q_OBJECT
private slots:
    void keywords_data() { addKeywordRows(); }

    void keywords()
    {
        QFETCH(QByteArray, schema);
        QFETCH(QByteArray, instance);
        QFETCH(bool, valid);
        QFETCH(bool, fullyChecked);
        QFETCH(QString, path);
        QFETCH(QString, keyword);
        const ValidationResult r = validate(parse(schema), parse(instance));
        const QByteArray info = describe(r).toUtf8();
        QVERIFY2(r.valid == valid, info.constData());
        QVERIFY2(r.fullyChecked == fullyChecked, info.constData());
        QVERIFY2(r.fullyChecked == r.unsupportedKeywords.isEmpty(), info.constData());
        QVERIFY2(r.valid == r.issues.isEmpty(), info.constData());
        if (!fullyChecked)
            QVERIFY2(!r.notChecked.isEmpty() && !r.notChecked.front().message.isEmpty(), info.constData());
        if (!valid) {
            QCOMPARE(r.issues.front().path, path);
            QCOMPARE(r.issues.front().keyword, keyword);
            QVERIFY(!r.issues.front().message.isEmpty());
        }
    }

    void issuePathsAndMessages()
    {
        const json schema = parse(R"({"type":"object","required":["items","count"],"properties":{
            "items":{"type":"array","items":{"type":"object","properties":{"name":{"type":"string"}}}},
            "a/b~c":{"type":"integer"}},"additionalProperties":false})");
        const ValidationResult r
            = validate(schema, parse(R"({"items":[{"name":"ok"},{"name":7}],"a/b~c":"x","zz":1})"));
        QVERIFY(!r.valid);
        QVERIFY(r.fullyChecked);
        QStringList got;
        for (const auto& i : r.issues)
            got << i.path + QLatin1Char(' ') + i.keyword;
        QCOMPARE(got,
            QStringList({ QStringLiteral("/zz additionalProperties"), QStringLiteral("/a~1b~0c type"),
                QStringLiteral("/items/1/name type"), QStringLiteral(" required") }));
        QCOMPARE(r.issues[0].message, QStringLiteral("The property \"zz\" is not allowed here."));
        QCOMPARE(r.issues[1].message, QStringLiteral("Expected integer, got string."));
        QCOMPARE(r.issues[3].message, QStringLiteral("The required property \"count\" is missing."));

        const ValidationResult len = validate(parse(R"({"minLength":3})"), parse(R"("ab")"));
        QCOMPARE(len.issues.front().message, QStringLiteral("The text has 2 characters; at least 3 are required."));
        const ValidationResult items = validate(parse(R"({"maxItems":1})"), parse("[1,2]"));
        QCOMPARE(items.issues.front().message, QStringLiteral("The array has 2 items; at most 1 is allowed."));
        const ValidationResult e = validate(parse(R"({"enum":["red","green"]})"), parse(R"("blue")"));
        QCOMPARE(e.issues.front().message, QStringLiteral("The value must be one of: \"red\", \"green\"."));
        const ValidationResult t = validate(parse(R"({"type":["string","null"]})"), parse("2.5"));
        QCOMPARE(t.issues.front().message, QStringLiteral("Expected one of string, null, got number."));
    }

    void unsupportedKeywordsAreNamed()
    {
        const ValidationResult r
            = validate(parse(R"({"type":"object","unevaluatedProperties":false,"properties":{"a":{"minimum":"1"}}})"),
                parse(R"({"a":0})"));
        QVERIFY(r.valid);
        QVERIFY(!r.fullyChecked);
        QCOMPARE(
            r.unsupportedKeywords, QStringList({ QStringLiteral("minimum"), QStringLiteral("unevaluatedProperties") }));
        QCOMPARE(r.notChecked.size(), 2);
        QCOMPARE(r.notChecked[0].path, QStringLiteral("/a"));
        QVERIFY(r.notChecked[0].message.contains(QStringLiteral("minimum")));
        QVERIFY(r.notChecked[1].message.contains(QStringLiteral("unevaluatedProperties")));

        // An invalid value is still reported as invalid when another part could not be checked.
        const ValidationResult both = validate(parse(R"({"type":"string","unevaluatedItems":false})"), parse("1"));
        QVERIFY(!both.valid);
        QVERIFY(!both.fullyChecked);

        // A remote reference says which reference could not be followed.
        const ValidationResult remote = validate(parse("{\"$ref\":\"https:/"
                                                       "/e.example/s.json#/x\"}"),
            parse("1"));
        QVERIFY(!remote.fullyChecked);
        QCOMPARE(remote.unsupportedKeywords, QStringList { QStringLiteral("$ref") });
        QVERIFY(remote.notChecked.front().message.contains(QStringLiteral("https://e.example/s.json#/x")));
        QVERIFY(remote.notChecked.front().message.contains(QStringLiteral("outside this schema")));
        const ValidationResult missing = validate(parse("{\"$ref\":\"#/$defs/nope\"}"), parse("1"));
        QVERIFY(missing.notChecked.front().message.contains(QStringLiteral("points to nothing in this schema")));
        const ValidationResult big = validate(parse("{\"const\":{\"a\":[1,[2]]}}"), parse("1"));
        QCOMPARE(big.issues.front().message,
            QStringLiteral("The value must equal the fixed value given in the schema (an object with 1 property)."));
    }

    void formatAssertion_data()
    {
        QTest::addColumn<QString>("format");
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::newRow("date-time") << "date-time"
                                   << "2026-11-05T08:30:06.5+01:00" << true;
        QTest::newRow("date-time leap second") << "date-time"
                                               << "1998-12-31T23:59:60Z" << true;
        QTest::newRow("date-time leap second not at end of day") << "date-time"
                                                                 << "1998-12-31T22:59:60Z" << false;
        QTest::newRow("date-time no offset") << "date-time"
                                             << "2026-11-05T08:30:06" << false;
        QTest::newRow("date-time Feb 29 non-leap") << "date-time"
                                                   << "2025-02-29T00:00:00Z" << false;
        QTest::newRow("date leap") << "date"
                                   << "2024-02-29" << true;
        QTest::newRow("date bad month") << "date"
                                        << "2024-13-01" << false;
        QTest::newRow("time") << "time"
                              << "23:59:59z" << true;
        QTest::newRow("email") << "email"
                               << "joe.bloggs@example.com" << true;
        QTest::newRow("email no at") << "email"
                                     << "joe.example.com" << false;
        QTest::newRow("email double dot") << "email"
                                          << "joe..b@example.com" << false;
        QTest::newRow("uri") << "uri"
                             << "https://example.com/a?b=c#d" << true;
        QTest::newRow("uri relative") << "uri"
                                      << "/a/b" << false;
        QTest::newRow("uri space") << "uri"
                                   << "https://exa mple.com" << false;
        QTest::newRow("uri bad escape") << "uri"
                                        << "https://example.com/%zz" << false;
        QTest::newRow("uuid") << "uuid"
                              << "123e4567-e89b-12d3-a456-426614174000" << true;
        QTest::newRow("uuid short") << "uuid"
                                    << "123e4567-e89b-12d3-a456-42661417400" << false;
    }

    void formatAssertion()
    {
        QFETCH(QString, format);
        QFETCH(QString, text);
        QFETCH(bool, valid);
        const json schema = { { "format", format.toStdString() } };
        ValidationOptions asserting;
        asserting.assertFormats = true;
        const ValidationResult r = validate(schema, json(text.toStdString()), asserting);
        QVERIFY2(r.valid == valid, qPrintable(describe(r)));
        QVERIFY(r.fullyChecked);
        if (!valid)
            QCOMPARE(r.issues.front().keyword, QStringLiteral("format"));
        // Without the option the format is only an annotation.
        QVERIFY(validate(schema, json(text.toStdString())).valid);
    }

    void unknownFormatIsNotFullyChecked()
    {
        ValidationOptions asserting;
        asserting.assertFormats = true;
        const ValidationResult r = validate(parse(R"({"format":"hostname"})"), parse(R"("example.com")"), asserting);
        QVERIFY(r.valid);
        QVERIFY(!r.fullyChecked);
        QCOMPARE(r.unsupportedKeywords, QStringList { QStringLiteral("format") });
        QVERIFY(validate(parse(R"({"format":"hostname"})"), parse("5"), asserting).fullyChecked); // not a string
        QCOMPARE(assertedFormats(),
            QStringList({ QStringLiteral("date-time"), QStringLiteral("date"), QStringLiteral("time"),
                QStringLiteral("email"), QStringLiteral("uri"), QStringLiteral("uuid") }));
    }

    void defaultDraftOption()
    {
        const json schema
            = parse(R"({"items":{"type":"integer"},"additionalItems":false,"prefixItems":[{"type":"string"}]})");
        // 2020-12: prefixItems then items.
        QVERIFY(validate(schema, parse(R"(["a",1,2])")).valid);
        // draft-07 by option: prefixItems is not a draft-07 keyword; items applies to every element.
        ValidationOptions d7;
        d7.defaultDraft = Draft::Draft7;
        const ValidationResult r = validate(schema, parse(R"(["a",1,2])"), d7);
        QVERIFY(!r.valid);
        QVERIFY(!r.fullyChecked);
        QCOMPARE(r.unsupportedKeywords, QStringList { QStringLiteral("prefixItems") });
        // An explicit $schema wins over the option.
        json declared = schema;
        declared["$schema"] = "https://json-schema.org/draft/2020-12/schema";
        QVERIFY(validate(declared, parse(R"(["a",1,2])"), d7).fullyChecked);
    }

    void refLoopsTerminate_data() { addRefLoopRows(); }

    void refLoopsTerminate()
    {
        QFETCH(QByteArray, schema);
        QFETCH(QByteArray, instance);
        const ValidationResult r = validate(parse(schema), parse(instance));
        QVERIFY2(!r.fullyChecked, qPrintable(describe(r)));
        QVERIFY(r.unsupportedKeywords.contains(QStringLiteral("$ref")));
    }

    void exponentialSchemaIsCutOff()
    {
        // d0 -> allOf [d1, d1] -> ... : 2^40 evaluations without a step budget.
        json defs = json::object();
        for (int i = 0; i < 40; ++i) {
            const std::string next = "#/$defs/d" + std::to_string(i + 1);
            defs["d" + std::to_string(i)]
                = { { "allOf", json::array({ { { "$ref", next } }, { { "$ref", next } } }) } };
        }
        defs["d40"] = { { "type", "integer" } };
        const json schema = { { "$defs", defs }, { "$ref", "#/$defs/d0" } };
        QElapsedTimer timer;
        timer.start();
        const ValidationResult r = validate(schema, json(1));
        QVERIFY2(timer.elapsed() < 20000, "the step budget did not stop the evaluation");
        QVERIFY(!r.fullyChecked);
        QVERIFY(r.valid);
    }

    void deepValuesDoNotCrash()
    {
        json deep = json::array();
        for (int i = 0; i < 1000; ++i) // deeper than every limit (300 schema levels, 512 for equality)
            deep = json::array({ std::move(deep) });
        const ValidationResult recursive = validate(parse(kRecursiveItems), deep);
        QVERIFY(!recursive.fullyChecked); // too deep to follow to the end
        QVERIFY(recursive.valid);
        const ValidationResult equal = validate(json { { "const", deep } }, deep);
        QVERIFY(!equal.fullyChecked);
        QVERIFY(validate(parse(R"({"uniqueItems":true})"), json::array({ deep, deep, 1 })).issues.size() <= 1);
        QVERIFY(validate(parse(R"({"type":"array"})"), deep).valid);
    }

    void uniqueItemsInLongArrays()
    {
        json values = json::array();
        for (int i = 0; i < 500; ++i)
            values.push_back({ { "id", i }, { "tags", json::array({ "a", i % 7 }) } });
        QVERIFY(validate(parse(R"({"uniqueItems":true})"), values).valid);
        values.push_back({ { "tags", json::array({ "a", 123 % 7 }) }, { "id", 123.0 } });
        const ValidationResult r = validate(parse(R"({"uniqueItems":true})"), values);
        QVERIFY(!r.valid);
        QCOMPARE(r.issues.front().message,
            QStringLiteral("Items 123 and 500 of the array are equal; items must be unique."));
    }

    void neverThrowsOnGarbage()
    {
        QRandomGenerator rng(20261105);
        int notFully = 0;
        for (int i = 0; i < 3000; ++i) {
            const json schema = randomValue(rng, 0);
            const json instance = randomValue(rng, 2);
            ValidationOptions options;
            options.assertFormats = (i % 2) == 0;
            options.defaultDraft = (i % 3) == 0 ? Draft::Draft7 : Draft::Draft2020_12;
            ValidationResult r;
            try {
                r = validate(schema, instance, options);
            } catch (...) {
                QFAIL(qPrintable(
                    QStringLiteral("validate threw for schema %1").arg(QString::fromStdString(schema.dump()))));
            }
            QCOMPARE(r.fullyChecked, r.unsupportedKeywords.isEmpty());
            QCOMPARE(r.valid, r.issues.isEmpty());
            notFully += r.fullyChecked ? 0 : 1;
        }
        QVERIFY(notFully > 100); // the generator does produce malformed schemas
    }

    void patternsAreCompiledOnce()
    {
        const json schema = parse(R"({"properties":{"id":{"pattern":"^[a-z]{3}-\\d+$"}},
                                     "patternProperties":{"^x-[a-z]+$":{"type":"string"}}})");
        const json instance = parse(R"({"id":"abc-12","x-note":"n"})");
        QVERIFY(validate(schema, instance).valid);
        const std::size_t before = detail::patternCompileCount();
        for (int i = 0; i < 100; ++i)
            QVERIFY(validate(schema, instance).valid);
        QCOMPARE(detail::patternCompileCount(), before);
    }

    void typicalToolResultIsFast()
    {
        const json schema = parse(R"({"type":"object","required":["results","total"],"additionalProperties":false,
            "properties":{"total":{"type":"integer","minimum":0},"next":{"type":["string","null"]},
            "results":{"type":"array","maxItems":100,"items":{"type":"object","required":["id","title"],
              "properties":{"id":{"type":"string","pattern":"^[A-Z]+-\\d+$"},"title":{"type":"string","maxLength":200},
                "state":{"enum":["open","closed"]},"labels":{"type":"array","items":{"type":"string"},"uniqueItems":true},
                "score":{"type":"number","exclusiveMinimum":0}}}}}})");
        json results = json::array();
        for (int i = 0; i < 20; ++i)
            results.push_back({ { "id", "LAN-" + std::to_string(i) }, { "title", "Issue number " + std::to_string(i) },
                { "state", i % 2 ? "open" : "closed" }, { "labels", { "bug", "ui" } }, { "score", 0.5 + i } });
        const json instance = { { "results", results }, { "total", 20 }, { "next", nullptr } };
        QVERIFY(validate(schema, instance).valid);
        constexpr int kRuns = 500;
        QElapsedTimer timer;
        timer.start();
        for (int i = 0; i < kRuns; ++i)
            QVERIFY(validate(schema, instance).valid);
        const double microseconds = static_cast<double>(timer.nsecsElapsed()) / 1000.0 / kRuns;
        qInfo("typical tool result (20 items): %.1f us per validation", microseconds);
        if (kSanitized)
            QSKIP("timing is meaningless under sanitizers");
        QVERIFY2(microseconds < 1000, "validation of a typical tool result should take microseconds");
    }

    void supportedKeywordList()
    {
        const QStringList keywords = supportedKeywords();
        for (const char* k : { "type", "enum", "const", "properties", "required", "additionalProperties",
                 "patternProperties", "propertyNames", "minProperties", "maxProperties", "items", "prefixItems",
                 "additionalItems", "contains", "minContains", "maxContains", "minItems", "maxItems", "uniqueItems",
                 "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength", "maxLength",
                 "pattern", "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "$ref", "$defs", "definitions",
                 "dependentRequired", "dependentSchemas", "dependencies", "format", "$id", "$anchor", "$schema" })
            QVERIFY2(keywords.contains(QLatin1String(k)), k);
        QVERIFY(!keywords.contains(QStringLiteral("unevaluatedProperties")));
        QVERIFY(!keywords.contains(QStringLiteral("title")));
    }
};

QTEST_GUILESS_MAIN(TestJsonSchema)
#include "TestJsonSchema.moc"
