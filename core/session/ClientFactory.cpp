// SPDX-License-Identifier: MIT
#include "session/ClientFactory.h"

#include "protocol/TokenProvider.h"
#include "transport/StdioTransport.h"
#include "transport/StreamableHttpTransport.h"

namespace lanyard {

ClientFactory& ClientFactory::instance()
{
    static ClientFactory factory;
    return factory;
}

ServerConfig ClientFactory::inlineHttp(const QUrl& url)
{
    ServerConfig s;
    s.name = url.host().isEmpty() ? QStringLiteral("inline") : url.host();
    s.url = url;
    return s;
}

ServerConfig ClientFactory::inlineStdio(const QStringList& commandLine)
{
    ServerConfig s;
    s.name = QStringLiteral("stdio");
    if (!commandLine.isEmpty()) {
        s.command = commandLine.first();
        s.args = commandLine.mid(1);
    }
    return s;
}

TokenProvider* ClientFactory::createProvider(const ServerConfig& server, QObject* parent, Error* error)
{
    const QString type = server.auth.type;
    if (type == QLatin1String("none"))
        return nullptr;
    if (type == QLatin1String("bearer")) {
        QByteArray token;
        if (!server.auth.env.isEmpty()) {
            token = qgetenv(server.auth.env.toLocal8Bit().constData());
            if (token.isEmpty()) {
                *error = Error(Error::Kind::Auth,
                               QObject::tr("Server \"%1\" takes its bearer token from the environment variable %2, "
                                           "which is not set. Set it and try again.")
                                   .arg(server.name, server.auth.env));
                return nullptr;
            }
        } else if (m_providerFactory) {
            return m_providerFactory(server, parent, error); // keychain-backed bearer lives in core/auth
        } else {
            *error = Error(Error::Kind::Auth,
                           QObject::tr("Server \"%1\" takes its bearer token from the keychain entry \"%2\", but this "
                                       "build has no keychain support. Use \"env\" instead.")
                               .arg(server.name, server.auth.keychain));
            return nullptr;
        }
        const QByteArray header = server.auth.header.isEmpty() ? QByteArrayLiteral("Authorization") : server.auth.header.toUtf8();
        const QByteArray value = header.compare("Authorization", Qt::CaseInsensitive) == 0 ? QByteArrayLiteral("Bearer ") + token : token;
        return new StaticHeadersProvider({{header, value}}, QStringLiteral("bearer"), parent);
    }
    if (m_providerFactory)
        return m_providerFactory(server, parent, error);
    *error = Error(Error::Kind::Auth,
                   QObject::tr("Server \"%1\" uses the identity mode \"%2\", which this build of Lanyard cannot do yet. "
                               "Use \"none\" or \"bearer\".")
                       .arg(server.name, type));
    return nullptr;
}

McpClient* ClientFactory::create(const ServerConfig& server, const ClientOptions& options, Error* error,
                                 QNetworkAccessManager* network, QObject* parent)
{
    Error local;
    Error* err = error ? error : &local;
    Transport* transport = nullptr;
    if (server.isStdio()) {
        auto* stdio = new StdioTransport(server.command, server.args);
        QList<QPair<QString, QString>> env;
        for (auto it = server.env.cbegin(); it != server.env.cend(); ++it)
            env.append({it.key(), it.value()});
        stdio->setEnvironmentAdditions(env);
        if (!server.workingDirectory.isEmpty())
            stdio->setWorkingDirectory(server.workingDirectory);
        transport = stdio;
    } else {
        auto* http = network ? new StreamableHttpTransport(server.url, network) : new StreamableHttpTransport(server.url);
        http->setExtraHeaders(server.headers);
        TokenProvider* provider = createProvider(server, http, err);
        if (err->isError()) {
            delete http;
            return nullptr;
        }
        if (provider)
            http->setTokenProvider(provider);
        transport = http;
    }
    transport->setMaxMessageBytes(server.maxMessageBytes);
    ClientOptions o = options;
    if (!server.roots.empty())
        o.roots = server.roots;
    o.requestDefaults.timeoutMs = static_cast<int>(server.timeoutSeconds * 1000);
    if (server.maxTotalSeconds > 0)
        o.requestDefaults.maxTotalTimeoutMs = static_cast<int>(server.maxTotalSeconds * 1000);
    return new McpClient(transport, o, parent);
}

} // namespace lanyard
