// SPDX-License-Identifier: MIT
#include "ContentView.h"

#include "Icons.h"
#include "JsonTreeModel.h"

#include <QApplication>
#include <QClipboard>
#include <QFileDialog>
#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QImage>
#include <QLabel>
#include <QLocale>
#include <QMimeDatabase>
#include <QPixmap>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSaveFile>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>

namespace lanyard {

namespace {

QFont monospaceFont()
{
    QFont f(QStringLiteral("monospace"));
    f.setStyleHint(QFont::Monospace);
    f.setFixedPitch(true);
    return f;
}

QString sizeText(qint64 bytes)
{
    return QLocale().formattedDataSize(bytes, 1, QLocale::DataSizeTraditionalFormat);
}

QString hexPreview(const QByteArray& data, int maxBytes)
{
    QString out;
    const int n = int(qMin<qsizetype>(data.size(), maxBytes));
    for (int row = 0; row < n; row += 16) {
        out += QStringLiteral("%1  ").arg(row, 8, 16, QLatin1Char('0'));
        QString ascii;
        for (int i = 0; i < 16; ++i) {
            if (row + i < n) {
                const auto b = static_cast<unsigned char>(data[row + i]);
                out += QStringLiteral("%1 ").arg(b, 2, 16, QLatin1Char('0'));
                ascii += b >= 32 && b < 127 ? QChar(b) : QLatin1Char('.');
            } else {
                out += QStringLiteral("   ");
            }
            if (i == 7)
                out += QLatin1Char(' ');
        }
        out += QStringLiteral(" |") + ascii + QStringLiteral("|\n");
    }
    if (data.size() > n)
        out += QObject::tr("… %1 more bytes").arg(data.size() - n);
    return out;
}

QByteArray decodeBase64(const json& j, bool* ok)
{
    *ok = false;
    if (!j.is_string())
        return QByteArray();
    const QByteArray text = QByteArray::fromStdString(j.get<std::string>());
    auto result = QByteArray::fromBase64Encoding(text, QByteArray::AbortOnBase64DecodingErrors);
    if (!result)
        return QByteArray();
    *ok = true;
    return *result;
}

QString extensionFor(const QString& mimeType, const QString& fallback)
{
    const QMimeType mt = QMimeDatabase().mimeTypeForName(mimeType);
    const QString suffix = mt.isValid() ? mt.preferredSuffix() : QString();
    return suffix.isEmpty() ? fallback : suffix;
}

QString fileNameFromUri(const QString& uri, const QString& fallback)
{
    QString name = uri.section(QLatin1Char('/'), -1).section(QLatin1Char('?'), 0, 0);
    name.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9._-]")), QStringLiteral("_"));
    return name.isEmpty() ? fallback : name.left(80);
}

} // namespace

ContentView::ContentView(QWidget* parent)
    : QScrollArea(parent)
{
    setWidgetResizable(true);
    setFrameShape(QFrame::NoFrame);
    reset();
}

void ContentView::reset()
{
    m_shownText.clear();
    m_body = new QWidget();
    m_body->setObjectName(QStringLiteral("contentBody"));
    m_layout = new QVBoxLayout(m_body);
    m_layout->setContentsMargins(4, 4, 4, 4);
    m_layout->setSpacing(8);
    m_layout->addStretch(1);
    setWidget(m_body); // deletes the previous body
}

void ContentView::clear()
{
    reset();
}

QString ContentView::shownText() const
{
    return m_shownText.join(QLatin1Char('\n'));
}

void ContentView::showPlaceholder(const QString& text)
{
    reset();
    auto* label = new QLabel(text, m_body);
    label->setObjectName(QStringLiteral("contentPlaceholder"));
    label->setTextFormat(Qt::PlainText);
    label->setWordWrap(true);
    label->setAlignment(Qt::AlignCenter);
    label->setForegroundRole(QPalette::PlaceholderText);
    m_layout->insertWidget(m_layout->count() - 1, label);
    m_shownText << text;
}

void ContentView::showError(const QString& message)
{
    reset();
    addStatus(message, Tone::Bad, QStringLiteral("error"))->setObjectName(QStringLiteral("resultError"));
}

QLabel* ContentView::addStatus(const QString& text, Tone tone, const QString& iconName)
{
    auto* row = new QWidget(m_body);
    auto* h = new QHBoxLayout(row);
    h->setContentsMargins(0, 0, 0, 0);
    QColor color;
    switch (tone) {
    case Tone::Good:
        color = ui::successColor();
        break;
    case Tone::Bad:
        color = ui::errorColor();
        break;
    case Tone::Warn:
        color = ui::warningColor();
        break;
    case Tone::Neutral:
        color = QApplication::palette().color(QPalette::WindowText);
        break;
    }
    if (!iconName.isEmpty()) {
        auto* icon = new QLabel(row);
        icon->setPixmap(ui::icon(iconName, color).pixmap(18, 18));
        h->addWidget(icon, 0, Qt::AlignTop);
    }
    auto* label = new QLabel(text, row);
    label->setTextFormat(Qt::PlainText);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QPalette pal = label->palette();
    pal.setColor(QPalette::WindowText, color);
    label->setPalette(pal);
    h->addWidget(label, 1);
    m_layout->insertWidget(m_layout->count() - 1, row);
    m_shownText << text;
    return label;
}

QWidget* ContentView::blockFrame(
    const QString& title, const QString& iconName, QVBoxLayout** inner, QVBoxLayout* into, QWidget* headerExtra)
{
    auto* frame = new QFrame(m_body);
    frame->setFrameShape(QFrame::StyledPanel);
    auto* v = new QVBoxLayout(frame);
    v->setContentsMargins(8, 6, 8, 8);
    v->setSpacing(4);
    auto* header = new QHBoxLayout();
    if (!iconName.isEmpty()) {
        auto* icon = new QLabel(frame);
        icon->setPixmap(ui::icon(iconName).pixmap(16, 16));
        header->addWidget(icon);
    }
    auto* label = new QLabel(title, frame);
    label->setTextFormat(Qt::PlainText);
    QFont bold = label->font();
    bold.setBold(true);
    label->setFont(bold);
    label->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    header->addWidget(label, 1);
    if (headerExtra) {
        headerExtra->setParent(frame);
        header->addWidget(headerExtra);
    }
    v->addLayout(header);
    *inner = v;
    if (into == m_layout)
        m_layout->insertWidget(m_layout->count() - 1, frame);
    else
        into->addWidget(frame);
    return frame;
}

void ContentView::saveBytes(const QByteArray& data, const QString& suggestedName)
{
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Save"), suggestedName, QString(), nullptr, QFileDialog::DontUseNativeDialog);
    if (path.isEmpty())
        return;
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(data) != data.size() || !file.commit()) {
        addStatus(tr("Could not save %1: %2").arg(path, file.errorString()), Tone::Bad, QStringLiteral("error"));
        return;
    }
    addStatus(tr("Saved %1 to %2.").arg(sizeText(data.size()), path), Tone::Good, QStringLiteral("check"));
}

void ContentView::addTextBlock(
    const QString& title, const QString& text, const QString& suggestedName, QVBoxLayout* into)
{
    auto* buttons = new QWidget();
    auto* bh = new QHBoxLayout(buttons);
    bh->setContentsMargins(0, 0, 0, 0);
    bh->setSpacing(2);
    auto* copy = new QToolButton(buttons);
    copy->setObjectName(QStringLiteral("copyButton"));
    copy->setIcon(ui::icon(QStringLiteral("copy")));
    copy->setToolTip(tr("Copy the text"));
    copy->setAccessibleName(tr("Copy"));
    copy->setAutoRaise(true);
    auto* save = new QToolButton(buttons);
    save->setObjectName(QStringLiteral("saveButton"));
    save->setIcon(ui::icon(QStringLiteral("save")));
    save->setToolTip(tr("Save the text to a file…"));
    save->setAccessibleName(tr("Save…"));
    save->setAutoRaise(true);
    bh->addWidget(copy);
    bh->addWidget(save);

    QVBoxLayout* v = nullptr;
    blockFrame(title, QString(), &v, into, buttons);
    auto* edit = new QPlainTextEdit(v->parentWidget());
    edit->setObjectName(QStringLiteral("textContent"));
    edit->setReadOnly(true);
    edit->setFont(monospaceFont());
    edit->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    edit->setAccessibleName(title);
    const bool truncated = text.size() > m_textLimit;
    const QString shown = truncated ? text.left(m_textLimit) : text;
    edit->setPlainText(shown);
    const int lines = int(qMin<qsizetype>(shown.count(QLatin1Char('\n')) + 1 + shown.size() / 100, 24));
    const QFontMetrics fm(edit->font());
    edit->setFixedHeight(qMax(3, lines) * fm.lineSpacing() + 16);
    m_shownText << shown;

    if (truncated) {
        auto* row = new QWidget(v->parentWidget());
        auto* h = new QHBoxLayout(row);
        h->setContentsMargins(0, 0, 0, 0);
        auto* note = new QLabel(tr("Showing the first %L1 of %L2 characters.").arg(m_textLimit).arg(text.size()), row);
        note->setObjectName(QStringLiteral("truncatedNote"));
        QPalette pal = note->palette();
        pal.setColor(QPalette::WindowText, ui::warningColor());
        note->setPalette(pal);
        auto* showAll = new QPushButton(tr("Show all"), row);
        showAll->setObjectName(QStringLiteral("showAllButton"));
        auto* saveAll = new QPushButton(ui::icon(QStringLiteral("save")), tr("Save…"), row);
        saveAll->setObjectName(QStringLiteral("saveAllButton"));
        h->addWidget(note, 1);
        h->addWidget(showAll);
        h->addWidget(saveAll);
        v->addWidget(row); // above the text, so it is seen first
        connect(showAll, &QPushButton::clicked, edit, [edit, text, note, showAll, fm] {
            edit->setPlainText(text);
            edit->setFixedHeight(24 * fm.lineSpacing() + 16);
            note->setText(tr("Showing all %L1 characters.").arg(text.size()));
            showAll->setEnabled(false);
        });
        connect(saveAll, &QPushButton::clicked, this,
            [this, text, suggestedName] { saveBytes(text.toUtf8(), suggestedName); });
    }
    v->addWidget(edit);
    connect(copy, &QToolButton::clicked, this, [text] { QApplication::clipboard()->setText(text); });
    connect(
        save, &QToolButton::clicked, this, [this, text, suggestedName] { saveBytes(text.toUtf8(), suggestedName); });
}

void ContentView::addJsonTree(const QString& title, const json& value, QVBoxLayout* into)
{
    QVBoxLayout* v = nullptr;
    blockFrame(title, QStringLiteral("braces"), &v, into);
    auto* tree = new QTreeView(v->parentWidget());
    tree->setObjectName(QStringLiteral("jsonTree"));
    tree->setAccessibleName(title);
    auto* model = new JsonTreeModel(tree);
    model->setJson(value);
    tree->setModel(model);
    tree->setUniformRowHeights(true);
    tree->setAlternatingRowColors(true);
    tree->expandToDepth(2);
    tree->header()->setSectionResizeMode(0, QHeaderView::Interactive);
    tree->header()->resizeSection(0, 180);
    tree->header()->setStretchLastSection(false);
    tree->header()->setSectionResizeMode(1, QHeaderView::Stretch);
    tree->setMinimumHeight(160);
    tree->setMaximumHeight(320);
    v->addWidget(tree);
    m_shownText << QString::fromUtf8(dumpJson(value, 2)).left(int(m_textLimit));
}

void ContentView::addBinaryBlock(const QString& title, const QByteArray& data, const QString& mimeType,
    const QString& suggestedName, QVBoxLayout* into)
{
    auto* save = new QPushButton(ui::icon(QStringLiteral("save")), tr("Save…"));
    save->setObjectName(QStringLiteral("saveBinaryButton"));
    QVBoxLayout* v = nullptr;
    blockFrame(title, QStringLiteral("resource"), &v, into, save);
    auto* info = new QLabel(
        tr("%1, %2").arg(mimeType.isEmpty() ? tr("binary data") : mimeType, sizeText(data.size())), v->parentWidget());
    info->setObjectName(QStringLiteral("binaryInfo"));
    info->setTextFormat(Qt::PlainText);
    v->addWidget(info);
    auto* hex = new QPlainTextEdit(v->parentWidget());
    hex->setObjectName(QStringLiteral("hexPreview"));
    hex->setReadOnly(true);
    hex->setFont(monospaceFont());
    hex->setLineWrapMode(QPlainTextEdit::NoWrap);
    hex->setAccessibleName(tr("Hex preview"));
    const QString preview = hexPreview(data, 512);
    hex->setPlainText(preview);
    const QFontMetrics fm(hex->font());
    hex->setFixedHeight(qMin(int(preview.count(QLatin1Char('\n'))) + 1, 14) * fm.lineSpacing() + 16);
    v->addWidget(hex);
    m_shownText << info->text();
    connect(save, &QPushButton::clicked, this, [this, data, suggestedName] { saveBytes(data, suggestedName); });
}

void ContentView::addImageBlock(
    const QString& title, const QByteArray& data, const QString& mimeType, QVBoxLayout* into)
{
    auto* save = new QPushButton(ui::icon(QStringLiteral("save")), tr("Save…"));
    save->setObjectName(QStringLiteral("saveImageButton"));
    QVBoxLayout* v = nullptr;
    blockFrame(title, QStringLiteral("image"), &v, into, save);
    QImage image;
    if (!image.loadFromData(data)) {
        auto* bad = new QLabel(
            tr("The image (%1, %2) could not be decoded.").arg(mimeType, sizeText(data.size())), v->parentWidget());
        bad->setTextFormat(Qt::PlainText);
        v->addWidget(bad);
        m_shownText << bad->text();
    } else {
        auto* label = new QLabel(v->parentWidget());
        label->setObjectName(QStringLiteral("imageContent"));
        QPixmap pm = QPixmap::fromImage(image);
        if (pm.width() > 640 || pm.height() > 480) {
            pm = pm.scaled(640, 480, Qt::KeepAspectRatio, Qt::SmoothTransformation);
        } else if (pm.width() < 96 && pm.height() < 96 && pm.width() > 0 && pm.height() > 0) {
            // Tiny images (icons, samples): show them larger, pixels kept sharp; the size is printed below.
            const int factor = qMax(1, 96 / qMax(pm.width(), pm.height()));
            pm = pm.scaled(pm.size() * factor, Qt::KeepAspectRatio, Qt::FastTransformation);
        }
        label->setPixmap(pm);
        label->setAccessibleName(tr("Image, %1 by %2 pixels").arg(image.width()).arg(image.height()));
        v->addWidget(label, 0, Qt::AlignLeft);
        auto* info = new QLabel(
            tr("%1 × %2 px, %3, %4").arg(image.width()).arg(image.height()).arg(mimeType, sizeText(data.size())),
            v->parentWidget());
        info->setTextFormat(Qt::PlainText);
        v->addWidget(info);
        m_shownText << info->text();
    }
    const QString name = QStringLiteral("image.") + extensionFor(mimeType, QStringLiteral("bin"));
    connect(save, &QPushButton::clicked, this, [this, data, name] { saveBytes(data, name); });
}

void ContentView::addAudioBlock(const QByteArray& data, const QString& mimeType, QVBoxLayout* into)
{
    auto* save = new QPushButton(ui::icon(QStringLiteral("save")), tr("Save…"));
    save->setObjectName(QStringLiteral("saveAudioButton"));
    QVBoxLayout* v = nullptr;
    blockFrame(tr("Audio"), QStringLiteral("audio"), &v, into, save);
    auto* info
        = new QLabel(tr("%1, %2. Save it to play it with your audio player.").arg(mimeType, sizeText(data.size())),
            v->parentWidget());
    info->setObjectName(QStringLiteral("audioInfo"));
    info->setTextFormat(Qt::PlainText);
    v->addWidget(info);
    m_shownText << info->text();
    const QString name = QStringLiteral("audio.") + extensionFor(mimeType, QStringLiteral("bin"));
    connect(save, &QPushButton::clicked, this, [this, data, name] { saveBytes(data, name); });
}

void ContentView::addResourceLink(const json& block, QVBoxLayout* into)
{
    const QString uri = qs(block, "uri");
    QString name = qs(block, "title", qs(block, "name"));
    auto* open = new QPushButton(ui::icon(QStringLiteral("open")), tr("Open"));
    open->setObjectName(QStringLiteral("openLinkButton"));
    open->setToolTip(tr("Read this resource on the Resources page"));
    QVBoxLayout* v = nullptr;
    blockFrame(name.isEmpty() ? tr("Resource link") : tr("Resource link: %1").arg(name), QStringLiteral("link"), &v,
        into, open);
    auto* label = new QLabel(uri, v->parentWidget());
    label->setObjectName(QStringLiteral("linkUri"));
    label->setTextFormat(Qt::PlainText);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    v->addWidget(label);
    const QString description = qs(block, "description");
    if (!description.isEmpty()) {
        auto* d = new QLabel(description.left(500), v->parentWidget());
        d->setTextFormat(Qt::PlainText);
        d->setWordWrap(true);
        v->addWidget(d);
    }
    m_shownText << uri;
    connect(open, &QPushButton::clicked, this, [this, uri] { emit resourceLinkActivated(uri); });
}

void ContentView::addResourceContent(const json& content, QVBoxLayout* into)
{
    const QString uri = qs(content, "uri");
    const QString mime = qs(content, "mimeType");
    const QString title = mime.isEmpty() ? uri : QStringLiteral("%1 (%2)").arg(uri, mime);
    if (content.contains("text") && content["text"].is_string()) {
        const QString text = qstr(content["text"].get<std::string>());
        const bool looksJson = mime.contains(QLatin1String("json"));
        if (looksJson) {
            const QByteArray bytes = text.toUtf8();
            json parsed = json::parse(bytes.constBegin(), bytes.constEnd(), nullptr, false);
            if (!parsed.is_discarded() && (parsed.is_object() || parsed.is_array()) && text.size() <= m_textLimit) {
                addJsonTree(title, parsed, into);
                return;
            }
        }
        addTextBlock(title, text, fileNameFromUri(uri, QStringLiteral("resource.txt")), into);
        return;
    }
    if (content.contains("blob")) {
        bool ok = false;
        const QByteArray data = decodeBase64(content["blob"], &ok);
        if (!ok) {
            addStatus(tr("The content of %1 is not valid base64.").arg(uri), Tone::Bad, QStringLiteral("error"));
            return;
        }
        if (mime.startsWith(QLatin1String("image/")))
            addImageBlock(title, data, mime, into);
        else if (mime.startsWith(QLatin1String("audio/")))
            addAudioBlock(data, mime, into);
        else
            addBinaryBlock(title, data, mime, fileNameFromUri(uri, QStringLiteral("resource.bin")), into);
        return;
    }
    addStatus(tr("%1 has neither text nor binary content.").arg(uri), Tone::Warn, QStringLiteral("warning"));
}

void ContentView::addContentBlock(const json& block, QVBoxLayout* into)
{
    const QString type = qs(block, "type");
    if (type == QLatin1String("text")) {
        addTextBlock(tr("Text"), qs(block, "text"), QStringLiteral("result.txt"), into);
    } else if (type == QLatin1String("image") || type == QLatin1String("audio")) {
        bool ok = false;
        const QByteArray data = decodeBase64(block.value("data", json()), &ok);
        const QString mime = qs(block, "mimeType");
        if (!ok)
            addStatus(tr("The %1 content is not valid base64.").arg(type), Tone::Bad, QStringLiteral("error"));
        else if (type == QLatin1String("image"))
            addImageBlock(tr("Image"), data, mime, into);
        else
            addAudioBlock(data, mime, into);
    } else if (type == QLatin1String("resource_link")) {
        addResourceLink(block, into);
    } else if (type == QLatin1String("resource")) {
        addResourceContent(block.value("resource", json::object()), into);
    } else {
        addTextBlock(tr("Content of type \"%1\"").arg(type.left(40)), QString::fromUtf8(dumpJson(block, 2)),
            QStringLiteral("content.json"), into);
    }
}

void ContentView::addBlocks(const json& blocks, int limit)
{
    if (!blocks.is_array())
        return;
    const int total = int(blocks.size());
    const int shown = limit > 0 ? qMin(total, limit) : total;
    for (int i = 0; i < shown; ++i)
        addContentBlock(blocks[size_t(i)], m_layout);
    if (shown < total) {
        auto* more = new QPushButton(tr("Show all %1 content blocks").arg(total), m_body);
        more->setObjectName(QStringLiteral("showAllBlocksButton"));
        m_layout->insertWidget(m_layout->count() - 1, more, 0, Qt::AlignLeft);
        connect(more, &QPushButton::clicked, this, [this, blocks, shown, more] {
            more->hide();
            for (size_t i = size_t(shown); i < blocks.size(); ++i)
                addContentBlock(blocks[i], m_layout);
        });
    }
}

void ContentView::showToolResult(const json& result, const ToolResultCheck& check, qint64 elapsedMs)
{
    reset();
    if (check.isError) {
        addStatus(tr("The tool reported an error (after %1 ms). Its message:").arg(elapsedMs), Tone::Bad,
            QStringLiteral("error"))
            ->setObjectName(QStringLiteral("resultStatus"));
    } else {
        addStatus(tr("Succeeded in %1 ms.").arg(elapsedMs), Tone::Good, QStringLiteral("check"))
            ->setObjectName(QStringLiteral("resultStatus"));
    }
    const json content = result.is_object() ? result.value("content", json::array()) : json::array();
    addBlocks(content, m_blockLimit);
    if (content.empty() && !(result.is_object() && result.contains("structuredContent")))
        addStatus(tr("The result has no content."), Tone::Neutral);
    if (result.is_object() && result.contains("structuredContent"))
        addJsonTree(tr("Structured content"), result["structuredContent"], m_layout);
    if (check.schema != ToolResultCheck::Schema::NoSchema) {
        Tone tone = Tone::Good;
        QString iconName = QStringLiteral("check");
        if (check.schema == ToolResultCheck::Schema::Invalid
            || check.schema == ToolResultCheck::Schema::MissingStructuredContent) {
            tone = Tone::Bad;
            iconName = QStringLiteral("error");
        } else if (check.schema == ToolResultCheck::Schema::NotFullyChecked) {
            tone = Tone::Warn;
            iconName = QStringLiteral("warning");
        }
        addStatus(tr("Output schema: %1").arg(check.summary()), tone, iconName)
            ->setObjectName(QStringLiteral("schemaCheck"));
    }
}

void ContentView::showResourceContents(const json& readResult, qint64 elapsedMs)
{
    reset();
    const json contents = readResult.is_object() ? readResult.value("contents", json::array()) : json::array();
    addStatus(contents.size() == 1 ? tr("Read in %1 ms: 1 item.").arg(elapsedMs)
                                   : tr("Read in %1 ms: %2 items.").arg(elapsedMs).arg(contents.size()),
        Tone::Neutral)
        ->setObjectName(QStringLiteral("resultStatus"));
    int shown = 0;
    for (const auto& c : contents) {
        if (shown++ >= m_blockLimit * 4)
            break;
        addResourceContent(c, m_layout);
    }
}

void ContentView::showPromptMessages(const json& getResult, qint64 elapsedMs)
{
    reset();
    const json messages = getResult.is_object() ? getResult.value("messages", json::array()) : json::array();
    const QString description = qs(getResult, "description");
    addStatus(description.isEmpty() ? tr("%1 messages, in %2 ms.").arg(messages.size()).arg(elapsedMs)
                                    : description.left(1000),
        Tone::Neutral)
        ->setObjectName(QStringLiteral("resultStatus"));
    for (const auto& m : messages) {
        const QString role = qs(m, "role");
        QVBoxLayout* v = nullptr;
        blockFrame(role == QLatin1String("assistant") ? tr("assistant")
                : role == QLatin1String("user")       ? tr("user")
                                                      : role,
            role == QLatin1String("assistant") ? QStringLiteral("server") : QStringLiteral("account"), &v, m_layout);
        const json content = m.value("content", json::object());
        if (content.is_array()) {
            for (const auto& block : content)
                addContentBlock(block, v);
        } else {
            addContentBlock(content, v);
        }
    }
}

} // namespace lanyard
