// SPDX-License-Identifier: MIT
// Runs the official JSON Schema Test Suite (Debian package json-schema-test-suite) against
// lanyard::schema::validate: one row per test case of every file whose keyword we claim.
#include "schema/JsonSchema.h"

#include <QDir>
#include <QFile>
#include <QMap>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <vector>

using namespace lanyard::schema;
using nlohmann::json;

namespace {

struct ClaimedFile
{
    const char* path; // relative to <suite>/tests
    bool assertFormats;
};

// Claimed: every keyword file of draft-07 (the newest draft the Debian 12 package ships), plus the
// optional files listed here. Not claimed: optional/ecmascript-regex.json (it tests format "regex",
// which we do not assert), optional/content.json (content* are annotations), and the format files
// for formats we do not assert.
const ClaimedFile kClaimed[] = {
    { "draft7/additionalItems.json", false },
    { "draft7/additionalProperties.json", false },
    { "draft7/allOf.json", false },
    { "draft7/anyOf.json", false },
    { "draft7/boolean_schema.json", false },
    { "draft7/const.json", false },
    { "draft7/contains.json", false },
    { "draft7/default.json", false },
    { "draft7/definitions.json", false },
    { "draft7/dependencies.json", false },
    { "draft7/enum.json", false },
    { "draft7/exclusiveMaximum.json", false },
    { "draft7/exclusiveMinimum.json", false },
    { "draft7/if-then-else.json", false },
    { "draft7/items.json", false },
    { "draft7/maxItems.json", false },
    { "draft7/maxLength.json", false },
    { "draft7/maxProperties.json", false },
    { "draft7/maximum.json", false },
    { "draft7/minItems.json", false },
    { "draft7/minLength.json", false },
    { "draft7/minProperties.json", false },
    { "draft7/minimum.json", false },
    { "draft7/multipleOf.json", false },
    { "draft7/not.json", false },
    { "draft7/oneOf.json", false },
    { "draft7/pattern.json", false },
    { "draft7/patternProperties.json", false },
    { "draft7/properties.json", false },
    { "draft7/propertyNames.json", false },
    { "draft7/ref.json", false },
    { "draft7/refRemote.json", false },
    { "draft7/required.json", false },
    { "draft7/type.json", false },
    { "draft7/uniqueItems.json", false },
    { "draft7/optional/bignum.json", false },
    { "draft7/optional/zeroTerminatedFloats.json", false },
    { "draft7/optional/format/date-time.json", true },
    { "draft7/optional/format/date.json", true },
    { "draft7/optional/format/time.json", true },
    { "draft7/optional/format/email.json", true },
    { "draft7/optional/format/uri.json", true },
};

struct Expectation
{
    QString key; // "file|group description|test description"; "*" matches any group or test
    QString reason;
};

// Cases that need a remote $ref: they must come back "not fully checked", never as a confident answer
// (and never with an invalid verdict for a valid value).
const std::vector<Expectation>& expectedUnsupported()
{
    static const std::vector<Expectation> list = {
        { QStringLiteral("draft7/definitions.json|*|*"),
            QStringLiteral("validates against the draft-07 meta-schema, a remote $ref (not fetched)") },
        { QStringLiteral("draft7/ref.json|remote ref, containing refs itself|*"),
            QStringLiteral("validates against the draft-07 meta-schema, a remote $ref (not fetched)") },
        { QStringLiteral("draft7/refRemote.json|*|*"),
            QStringLiteral("remote references to http://localhost:1234/ are not fetched") },
    };
    return list;
}

// Claimed cases we knowingly get wrong. A listed case that starts passing fails the run (XPASS).
const std::vector<Expectation>& expectedFailures()
{
    static const std::vector<Expectation> list = {};
    return list;
}

struct Case
{
    QString file;
    QString group;
    QString test;
    json schema;
    json data;
    bool valid = false;
    bool assertFormats = false;
};

struct Tally
{
    int total = 0;
    int pass = 0;
    int unsupported = 0;
    int expectedFailure = 0;
    int failed = 0;
};

QString suiteRoot()
{
    const QByteArray fromEnv = qgetenv("LANYARD_JSON_SCHEMA_TEST_SUITE");
    return fromEnv.isEmpty() ? QStringLiteral("/usr/share/json-schema-test-suite") : QString::fromLocal8Bit(fromEnv);
}

const Expectation* findExpectation(const std::vector<Expectation>& list, const Case& c)
{
    const QString candidates[] = {
        c.file + QLatin1Char('|') + c.group + QLatin1Char('|') + c.test,
        c.file + QLatin1Char('|') + c.group + QStringLiteral("|*"),
        c.file + QStringLiteral("|*|*"),
    };
    for (const auto& expectation : list) {
        for (const auto& key : candidates) {
            if (expectation.key == key)
                return &expectation;
        }
    }
    return nullptr;
}

QString summarize(const ValidationResult& r)
{
    QStringList lines;
    lines << QStringLiteral("valid=%1 fullyChecked=%2").arg(r.valid).arg(r.fullyChecked);
    for (const auto& issue : r.issues)
        lines << QStringLiteral("  issue %1 [%2] %3").arg(issue.path, issue.keyword, issue.message);
    for (const auto& note : r.notChecked)
        lines << QStringLiteral("  not checked %1 [%2] %3").arg(note.path, note.keyword, note.message);
    return lines.join(QLatin1Char('\n'));
}

} // namespace

class TestJsonSchemaSuite : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase()
    {
        const QString root = suiteRoot() + QStringLiteral("/tests");
        QVERIFY2(QDir(root + QStringLiteral("/draft7")).exists(),
            qPrintable(QStringLiteral("The JSON Schema Test Suite was not found at %1. Install the Debian package "
                                      "json-schema-test-suite (scripts/install-deps.sh does), or point "
                                      "LANYARD_JSON_SCHEMA_TEST_SUITE at a copy.")
                           .arg(root)));
        for (const auto& claimed : kClaimed) {
            const QString file = QString::fromLatin1(claimed.path);
            QFile f(root + QLatin1Char('/') + file);
            QVERIFY2(
                f.open(QIODevice::ReadOnly), qPrintable(QStringLiteral("Claimed suite file missing: %1").arg(file)));
            const QByteArray bytes = f.readAll();
            const json groups = json::parse(bytes.constData(), bytes.constData() + bytes.size(), nullptr, false);
            QVERIFY2(groups.is_array(), qPrintable(QStringLiteral("Suite file is not a JSON array: %1").arg(file)));
            for (const auto& group : groups) {
                QVERIFY2(group.is_object() && group.contains("tests") && group["tests"].is_array(), qPrintable(file));
                for (const auto& test : group["tests"]) {
                    Case c;
                    c.file = file;
                    c.group = QString::fromStdString(group.value("description", std::string()));
                    c.test = QString::fromStdString(test.value("description", std::string()));
                    c.schema = group.value("schema", json());
                    c.data = test.value("data", json());
                    c.valid = test.value("valid", false);
                    c.assertFormats = claimed.assertFormats;
                    m_cases.push_back(std::move(c));
                }
            }
        }
        QVERIFY(m_cases.size() > 400);
    }

    void suiteCase_data()
    {
        QTest::addColumn<int>("index");
        QMap<QString, int> perFile;
        for (std::size_t i = 0; i < m_cases.size(); ++i) {
            const Case& c = m_cases[i];
            const int n = ++perFile[c.file];
            const QString tag = QStringLiteral("%1 #%2: %3 / %4").arg(c.file).arg(n).arg(c.group, c.test);
            QTest::newRow(tag.toUtf8().constData()) << static_cast<int>(i);
        }
    }

    void suiteCase()
    {
        QFETCH(int, index);
        const Case& c = m_cases[static_cast<std::size_t>(index)];
        ValidationOptions options;
        options.defaultDraft = Draft::Draft7;
        options.assertFormats = c.assertFormats;
        const ValidationResult r = validate(c.schema, c.data, options);
        ++m_ran;

        enum class Outcome { Pass, Unsupported, Wrong };
        Outcome outcome = Outcome::Pass;
        if (!r.fullyChecked)
            outcome = (c.valid && !r.valid) ? Outcome::Wrong : Outcome::Unsupported;
        else if (r.valid != c.valid)
            outcome = Outcome::Wrong;

        Tally& tally = m_tally[c.file];
        ++tally.total;
        const QString detail = QStringLiteral("expected valid=%1; got %2").arg(c.valid).arg(summarize(r));
        if (const Expectation* e = findExpectation(expectedUnsupported(), c)) {
            m_used.insert(e->key);
            ++(outcome == Outcome::Unsupported ? tally.unsupported : tally.failed);
            QVERIFY2(outcome == Outcome::Unsupported,
                qPrintable(QStringLiteral("Listed as needing an unsupported feature (%1), but the result is not a "
                                          "plain \"not fully checked\"; update the list. %2")
                               .arg(e->reason, detail)));
            return;
        }
        if (const Expectation* e = findExpectation(expectedFailures(), c)) {
            m_used.insert(e->key);
            ++(outcome == Outcome::Pass ? tally.failed : tally.expectedFailure);
            QEXPECT_FAIL("", qPrintable(e->reason), Continue);
            QVERIFY2(outcome == Outcome::Pass, qPrintable(detail));
            return;
        }
        ++(outcome == Outcome::Pass ? tally.pass : tally.failed);
        QVERIFY2(outcome == Outcome::Pass, qPrintable(detail));
    }

    void cleanupTestCase()
    {
        int total = 0, pass = 0;
        for (auto it = m_tally.cbegin(); it != m_tally.cend(); ++it) {
            const Tally& t = it.value();
            total += t.total;
            pass += t.pass;
            qInfo("%s: %d cases, %d pass, %d not fully checked (expected), %d expected failures, %d failed",
                qPrintable(it.key()), t.total, t.pass, t.unsupported, t.expectedFailure, t.failed);
        }
        qInfo("total: %d cases, %d pass", total, pass);
        if (m_cases.empty() || m_ran != m_cases.size())
            return; // a filtered run: stale-entry check needs every row
        for (const auto* list : { &expectedUnsupported(), &expectedFailures() }) {
            for (const auto& e : *list)
                QVERIFY2(m_used.contains(e.key),
                    qPrintable(QStringLiteral("Stale expectation, matches no case: %1").arg(e.key)));
        }
    }

private:
    std::vector<Case> m_cases;
    std::size_t m_ran = 0;
    QMap<QString, Tally> m_tally;
    QSet<QString> m_used;
};

QTEST_GUILESS_MAIN(TestJsonSchemaSuite)
#include "TestJsonSchemaSuite.moc"
