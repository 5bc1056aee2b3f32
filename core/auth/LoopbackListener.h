// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QObject>
#include <QPair>
#include <QString>
#include <QUrl>

class QTcpServer;
class QTcpSocket;
class QTimer;

namespace lanyard::auth {

// The loopback redirect receiver of one browser sign-in (RFC 8252 §7.3), replacing Qt's
// QOAuthHttpServerReplyHandler listener (see docs/decisions/0004-sign-in-over-qt-networkauth.md):
// - binds 127.0.0.1 only (never all interfaces), on a random port unless one is configured;
// - answers only GET on the exact redirect path (no prefix match), everything else gets 404;
// - percent-decodes the parameters once and refuses repeated parameters;
// - shows a small result page in which every text is HTML-escaped;
// - gives up after a timeout and can be cancelled;
// - logs only the path, never the query (which carries the code and state).
// One listener per sign-in attempt: two attempts never share one.
class LoopbackListener : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        QString host = QStringLiteral("127.0.0.1"); // shown in the redirect URI; "localhost" also binds 127.0.0.1
        quint16 port = 0; // 0 = a free port
        QString path = QStringLiteral("/callback");
        int timeoutMs = 5 * 60 * 1000;
        QString applicationName = QStringLiteral("Lanyard");
    };

    explicit LoopbackListener(QObject* parent = nullptr);
    ~LoopbackListener() override;

    bool listen(const Options& options, QString* error = nullptr);
    void close();
    bool isListening() const;
    // Stay valid after close(): the redirect URI is needed again to redeem the code.
    QUrl redirectUri() const;
    quint16 port() const;

    // The result page shown to the browser after the callback (set before the callback is handled
    // by connecting to callbackReceived: the page goes out after the signal returns).
    void setResultPage(bool success, const QString& message);

    // One HTTP request as a browser sends it to the redirect URI, read without any I/O (so tests
    // and the fuzz target reach it directly).
    struct CallbackRequest
    {
        enum class Outcome {
            Incomplete, // no end of the header block yet: wait for more bytes
            TooLarge, // more than kMaxRequestBytes (431)
            Malformed, // the request line is not "METHOD TARGET HTTP/1.x" (400)
            WrongPath, // another path than the redirect path (404)
            WrongMethod, // the redirect path, but not GET (405)
            Callback, // GET on the redirect path: parameters and duplicate are filled
        };
        Outcome outcome = Outcome::Incomplete;
        QByteArray method;
        QString path; // percent-decoded once
        // Query parameters, percent-decoded once ('+' is a space). `duplicate` names the first
        // parameter that appeared more than once (then the callback must be refused).
        QMap<QString, QString> parameters;
        QString duplicate;
    };
    static constexpr qsizetype kMaxRequestBytes = 16 * 1024;
    // Reads the bytes received so far on one connection. `redirectPath` starts with '/'.
    static CallbackRequest parseCallbackRequest(const QByteArray& bytes, const QString& redirectPath);

    static QString escapeHtml(const QString& text);
    // The page Lanyard shows; every argument is escaped.
    static QByteArray page(const QString& applicationName, bool success, const QString& message);

signals:
    // The exact redirect path was called. Values are percent-decoded once. `duplicate` names a
    // parameter that appeared more than once (then the callback must be refused).
    void callbackReceived(const QMap<QString, QString>& parameters, const QString& duplicate);
    void timedOut();

private:
    struct Connection;
    void onNewConnection();
    void onReadyRead(QTcpSocket* socket);
    void respond(QTcpSocket* socket, int status, const QByteArray& body);

    Options m_options;
    QTcpServer* m_server = nullptr;
    QTimer* m_timeout = nullptr;
    QMap<QTcpSocket*, QByteArray> m_buffers;
    quint16 m_port = 0;
    bool m_handled = false;
    bool m_resultSuccess = true;
    QString m_resultMessage;
};

} // namespace lanyard::auth
