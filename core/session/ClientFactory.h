// SPDX-License-Identifier: MIT
#pragma once

#include "config/Config.h"
#include "protocol/McpClient.h"
#include "util/Error.h"

#include <QObject>

#include <functional>

class QNetworkAccessManager;

namespace lanyard {

class TokenProvider;

// Builds the transport and the McpClient for one configured server. Identity strategies plug in
// through `tokenProviderFactory` (none/bearer are handled here).
class ClientFactory
{
public:
    using TokenProviderFactory = std::function<TokenProvider*(const ServerConfig&, QObject* parent, Error* error)>;

    static ClientFactory& instance();

    // Registers who builds providers for auth types other than none/bearer (core/auth does this).
    void setTokenProviderFactory(TokenProviderFactory factory) { m_providerFactory = std::move(factory); }

    // Returns nullptr with *error set when the server cannot be used (e.g. bearer env missing).
    McpClient* create(const ServerConfig& server, const ClientOptions& options, Error* error,
                      QNetworkAccessManager* network = nullptr, QObject* parent = nullptr);

    // A server given inline on the command line: an http(s) URL or a stdio command.
    static ServerConfig inlineHttp(const QUrl& url);
    static ServerConfig inlineStdio(const QStringList& commandLine);

private:
    TokenProvider* createProvider(const ServerConfig& server, QObject* parent, Error* error);
    TokenProviderFactory m_providerFactory;
};

} // namespace lanyard
