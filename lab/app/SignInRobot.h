// SPDX-License-Identifier: MIT
#pragma once

#include <QNetworkAccessManager>
#include <QString>
#include <QUrl>

namespace lanyard::lab {

// A scripted browser for the lab's own sign-in pages: opens an authorization URL of the lab
// identity provider, picks a user, answers the MFA and consent pages like a person clicking, and
// follows the final redirect to the app's loopback address. No shortcut past the pages: it reads
// the same HTML forms a browser shows. Used by `lanyard-lab --sign-in-as USER URL`, which an app
// can run as its "browser" (e.g. `lanyard-cli login --open-with "lanyard-lab --sign-in-as ada@…"`)
// on machines without one (headless demos, CI).
class SignInRobot
{
public:
    struct Choices
    {
        QString username;
        QString mfa = QStringLiteral("approve"); // or "deny"
        QString consent = QStringLiteral("accept"); // or "decline"
    };

    // Walks the pages. True when the identity provider redirected back to a loopback address and
    // that address answered; *message says what happened (never the code or other URL secrets).
    bool run(const QUrl& authorizationUrl, const Choices& choices, QString* message);

private:
    struct Page
    {
        int status = 0;
        QByteArray body;
        QUrl location;
        QString error;
    };
    Page send(const QByteArray& method, const QUrl& url, const QByteArray& form = {});

    QNetworkAccessManager m_network;
};

} // namespace lanyard::lab
