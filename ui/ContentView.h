// SPDX-License-Identifier: MIT
#pragma once

#include "protocol/McpClient.h"
#include "util/Json.h"

#include <QScrollArea>

class QVBoxLayout;
class QLabel;

namespace lanyard {

// Renders MCP content: tool results (text, images, audio, resource links, embedded resources,
// structuredContent with the outputSchema check, isError), resources/read contents (text, JSON,
// images, binary with a hex preview) and prompts/get messages. Text longer than textLimit() is cut
// with "Show all" and "Save…"; server text is always shown as plain text.
class ContentView : public QScrollArea
{
    Q_OBJECT
public:
    explicit ContentView(QWidget* parent = nullptr);

    void clear();
    void showPlaceholder(const QString& text);
    // A failure before any result: `message` must already be plain language (Error::message).
    void showError(const QString& message);
    void showToolResult(const json& result, const ToolResultCheck& check, qint64 elapsedMs);
    void showResourceContents(const json& readResult, qint64 elapsedMs);
    void showPromptMessages(const json& getResult, qint64 elapsedMs);

    void setTextLimit(qint64 characters) { m_textLimit = characters; }
    qint64 textLimit() const { return m_textLimit; }
    void setBlockLimit(int blocks) { m_blockLimit = blocks; }
    // Plain text of everything shown (for copy and for tests).
    QString shownText() const;

signals:
    void resourceLinkActivated(const QString& uri);

private:
    enum class Tone { Neutral, Good, Bad, Warn };
    void reset();
    QLabel* addStatus(const QString& text, Tone tone, const QString& iconName = QString());
    void addBlocks(const json& blocks, int limit);
    void addContentBlock(const json& block, QVBoxLayout* into);
    void addTextBlock(const QString& title, const QString& text, const QString& suggestedName, QVBoxLayout* into);
    void addJsonTree(const QString& title, const json& value, QVBoxLayout* into);
    void addBinaryBlock(const QString& title, const QByteArray& data, const QString& mimeType,
        const QString& suggestedName, QVBoxLayout* into);
    void addImageBlock(const QString& title, const QByteArray& data, const QString& mimeType, QVBoxLayout* into);
    void addAudioBlock(const QByteArray& data, const QString& mimeType, QVBoxLayout* into);
    void addResourceLink(const json& block, QVBoxLayout* into);
    void addResourceContent(const json& content, QVBoxLayout* into);
    QWidget* blockFrame(const QString& title, const QString& iconName, QVBoxLayout** inner, QVBoxLayout* into,
        QWidget* headerExtra = nullptr);
    void saveBytes(const QByteArray& data, const QString& suggestedName);

    QWidget* m_body = nullptr;
    QVBoxLayout* m_layout = nullptr;
    qint64 m_textLimit = 100000;
    int m_blockLimit = 50;
    json m_lastBlocks;
    QStringList m_shownText;
};

} // namespace lanyard
