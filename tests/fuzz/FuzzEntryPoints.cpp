// SPDX-License-Identifier: MIT
#include "FuzzEntryPoints.h"

#include "auth/Discovery.h"
#include "auth/Identity.h"
#include "auth/LoopbackListener.h"
#include "config/Config.h"
#include "crypto/Jwks.h"
#include "crypto/Jwt.h"
#include "protocol/JsonRpcConnection.h"
#include "protocol/McpClient.h"
#include "protocol/Transport.h"
#include "transport/HttpResponseParser.h"
#include "transport/MessageParser.h"
#include "transport/SseParser.h"
#include "transport/WwwAuthenticate.h"
#include "util/Error.h"
#include "util/Json.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QLoggingCategory>
#include <QUrl>

#include <algorithm>
#include <array>
#include <memory>
#include <new>
#include <optional>
#include <utility>
#include <vector>

namespace lanyard::fuzz {

namespace {

QByteArray bytesOf(const std::uint8_t* data, std::size_t size)
{
    return QByteArray(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
}

void dropMessage(QtMsgType, const QMessageLogContext&, const QString&) { }

// ---- fixed keys (public halves only; the seeds in tests/fuzz/corpus/jwt were signed with the
// matching throw-away private keys, which are not kept) ------------------------------------------

constexpr const char* kRsaPublicPem = "-----BEGIN PUBLIC KEY-----\n"
                                      "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr+7gs4PGpILv3vg9bxC4\n"
                                      "vUdAUp+73Wk3uJ035xeRHU6gtN7Q8KNyhWoPBtOnMPPhA63gS9xW2/5thNAi6OVZ\n"
                                      "7s7GItJRtZkbQeLZuPOw9NkpoALodXsloQBB233Cjjj9xl9VSI9o+i+6eoG9ij2S\n"
                                      "2ulIJy9rtU/1DbYd0hdA+Y/KMJl5Dyw89+t6dzFlFZJ/InatpZKwrYbMyeUKicbO\n"
                                      "PtcURkHk1xUQHQS+DNhQ5ttAkjPbCLgZM4tRXSO2cJPy7vs+czg4qDPjvb2SvCFE\n"
                                      "hANYv3nsJ2D3NjUtoqj+iEHoyMfHIh9hltdM5JjVMGi0DK73AdbVP+jn16XdD1BC\n"
                                      "UQIDAQAB\n"
                                      "-----END PUBLIC KEY-----\n";
constexpr const char* kEcPublicPem = "-----BEGIN PUBLIC KEY-----\n"
                                     "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEQtzMaYLwwiFTT7/A8QV/jEh7uthw\n"
                                     "CGf/Wa0jMIXDtJQsTbMmg4zWGz1+xa6OL7NoTFSlhaSo3ZXlZoltihk8sA==\n"
                                     "-----END PUBLIC KEY-----\n";

const crypto::Jwks& fixedKeys()
{
    static const crypto::Jwks keys = [] {
        crypto::Jwks set;
        if (auto rsa = crypto::Key::fromPem(QByteArrayView(kRsaPublicPem))) {
            rsa->setKid(QStringLiteral("rsa-1"));
            rsa->setUse(QStringLiteral("sig"));
            set.addKey(*rsa);
        }
        if (auto ec = crypto::Key::fromPem(QByteArrayView(kEcPublicPem))) {
            ec->setKid(QStringLiteral("ec-1"));
            ec->setAlg(QStringLiteral("ES256"));
            set.addKey(*ec);
        }
        return set;
    }();
    return keys;
}

crypto::VerifyOptions verifyOptions()
{
    crypto::VerifyOptions options;
    options.algorithms = { QStringLiteral("RS256"), QStringLiteral("ES256"), QStringLiteral("PS256"),
        QStringLiteral("RS384"), QStringLiteral("ES384"), QStringLiteral("HS256"), QStringLiteral("none") };
    options.issuers = { QStringLiteral("https://login.example/{tenantid}/v2.0"), QStringLiteral("https://as.example") };
    options.audiences = { QStringLiteral("api://lanyard"), QStringLiteral("client-1") };
    options.requiredClaims = { QStringLiteral("sub") };
    options.nonce = QStringLiteral("n-0S6_WzA2Mj");
    options.now = QDateTime(QDate(2026, 1, 1), QTime(0, 0), Qt::UTC);
    return options;
}

// A token signed by the fixed RSA key (the first seed of the jwt corpus), verified against the
// key sets the jwks target builds.
constexpr const char* kSampleToken
    = "eyJhbGciOiJSUzI1NiIsImtpZCI6InJzYS0xIiwidHlwIjoiSldUIn0."
      "eyJpc3MiOiJodHRwczovL2FzLmV4YW1wbGUiLCJzdWIiOiJ1c2VyLTEiLCJhdWQiOiJhcGk6Ly9sYW55YXJkIiwiZXhwIjoxNzk4"
      "NzYxNjAwLCJuYmYiOjE3NjcyMjU2MDAsImlhdCI6MTc2NzIyNTYwMCwibm9uY2UiOiJuLTBTNl9XekEyTWoifQ."
      "ZRYxyYIS6whLhaNpdhV2fX3QyGbgrdM6ygrrd6_gBoOcSDTJdnW6hhZLginGQAUhyRGZQZRNm0wDZujqgE5S2onlcozIjM2CJ23b"
      "qA5gei1DgL21wMVLe8wotWZpGUvo-jibMjy_7Yy3z3DAnYzhOkDGzq1CmUJ53meGfnjp1LFC9ikWMcQQfpeQxfTPk9oSjvP_gVQ4"
      "StMHZ_7GZ2w-xAvweZlGJ5BjBiuJM3GRfR9ZLmlkkJfkjoOvxAg6iDk2R-1g0dedk0C4ASvAVNvJcCnDDB4ihuU1CzubA7D7q9IU"
      "8H4mFV16XC_7HRULLA3ZZP7Q_Afe-vP-64VOaHTcuA";

// ---- JSON-RPC: a transport that hands received bytes to the protocol layer ---------------------

// Does what StdioTransport::handleLine and StreamableHttpTransport do with one received message:
// parse the bytes without exceptions and emit messageReceived for what parsed (arrays included:
// JsonRpcConnection validates batches itself). Sent messages are kept for the oracle.
class FuzzTransport : public Transport
{
public:
    using Transport::Transport;
    void start() override { emit started(); }
    void send(const json& message) override
    {
        ++sentCount;
        lastSent = message;
    }
    void close() override { emit closed(); }

    void receive(const QByteArray& bytes)
    {
        if (const std::optional<json> message = parseJson(bytes))
            emit messageReceived(*message);
    }

    int sentCount = 0;
    json lastSent;
};

} // namespace

bool selfCheck()
{
    return crypto::verifyJwt(QByteArrayView(kSampleToken), fixedKeys(), verifyOptions()).ok;
}

void initialize()
{
    static bool done = false;
    if (done)
        return;
    done = true;
    qInstallMessageHandler(dropMessage);
    QLoggingCategory::setFilterRules(QStringLiteral("*=false"));
    if (!QCoreApplication::instance()) {
        static int argc = 1;
        static char name[] = "lanyard-fuzz";
        static char* argv[] = { name, nullptr };
        static QCoreApplication app(argc, argv);
    }
    (void)fixedKeys();
}

// ---- SSE -------------------------------------------------------------------------------------
// The first byte picks a chunking pattern and a size limit; the rest is the stream. The same
// bytes fed at once and fed in pieces must give the same events (the parser promises that
// chunks may split anywhere, even inside a CRLF or the BOM).
bool runSse(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return true;
    const std::uint8_t control = data[0];
    const QByteArray stream = bytesOf(data + 1, size - 1);
    const qint64 limit = (control & 0x80) ? 64 : 64 * 1024 * 1024;

    SseParser whole;
    whole.setMaxEventBytes(limit);
    QList<SseParser::Event> wholeEvents = whole.feed(stream);
    const bool wholeOverflowed = whole.overflowed();
    const SseParser::StreamEnd wholeEnd = whole.finish();

    SseParser pieces;
    pieces.setMaxEventBytes(limit);
    QList<SseParser::Event> pieceEvents;
    const qsizetype step = (control & 0x0f) + 1;
    qsizetype pos = 0;
    qsizetype n = step;
    while (pos < stream.size()) {
        const qsizetype len = std::min<qsizetype>(n, stream.size() - pos);
        pieceEvents += pieces.feed(stream.mid(pos, len));
        pos += len;
        n = (control & 0x10) ? (n % 7) + 1 : step; // varying piece sizes
    }
    const bool piecesOverflowed = pieces.overflowed();
    const SseParser::StreamEnd piecesEnd = pieces.finish();

    bool same = wholeOverflowed == piecesOverflowed;
    if (same && !wholeOverflowed) {
        same = wholeEnd == piecesEnd && wholeEvents.size() == pieceEvents.size()
            && whole.lastEventId() == pieces.lastEventId() && whole.retryMs() == pieces.retryMs();
        for (qsizetype i = 0; same && i < wholeEvents.size(); ++i) {
            const SseParser::Event& a = wholeEvents.at(i);
            const SseParser::Event& b = pieceEvents.at(i);
            same = a.id == b.id && a.type == b.type && a.data == b.data && a.retryMs == b.retryMs;
        }
    }
    // Feeding more after finish() starts a new stream; must not crash.
    pieces.feed(stream.left(32));
    pieces.finish();
    return same;
}

// ---- JSON-RPC --------------------------------------------------------------------------------
// The input is one message per line, as StdioTransport receives them. It goes to two receivers:
// 1. a bare JsonRpcConnection with three requests pending (ids 1, 2, 3; #2 asks for progress),
//    so answers, errors and progress notifications reach the code that matches them; every
//    request must end up either still pending or settled exactly once;
// 2. an McpClient (what the apps use) that has sent initialize (id 1), tools/list (id 2) and a
//    tools/call with progress (id 3), so its handlers for answers and notifications run too.
bool runJsonRpc(const std::uint8_t* data, std::size_t size)
{
    const QList<QByteArray> lines = bytesOf(data, size).split('\n');
    bool ok = true;
    {
        FuzzTransport transport;
        JsonRpcConnection connection(&transport);
        RequestOptions plain;
        plain.timeoutMs = 0;
        RequestOptions withProgress = plain;
        withProgress.reportProgress = true;
        QList<QPointer<PendingRequest>> requests;
        requests << connection.request(QStringLiteral("initialize"), json::object(), plain);
        requests << connection.request(QStringLiteral("tools/call"), json { { "name", "echo" } }, withProgress);
        requests << connection.request(QStringLiteral("tools/list"), json(), plain);
        int settled = 0;
        for (const auto& r : requests)
            QObject::connect(r.data(), &PendingRequest::done, &connection, [&settled] { ++settled; });
        for (const QByteArray& line : lines)
            transport.receive(line);
        ok = connection.pendingCount() + settled == 3;
        connection.failAll(Error(Error::Kind::Connection, QStringLiteral("fuzz: done")));
        ok = ok && connection.pendingCount() == 0 && settled == 3;
    }
    {
        auto* transport = new FuzzTransport; // McpClient takes ownership (parent)
        McpClient client(transport);
        client.connectToServer();
        client.listTools();
        RequestOptions withProgress;
        withProgress.reportProgress = true;
        client.callTool(QStringLiteral("echo"), json { { "text", "x" } }, withProgress);
        for (const QByteArray& line : lines)
            transport->receive(line);
        client.close();
    }
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    return ok;
}

// ---- JWT -------------------------------------------------------------------------------------
bool runJwt(const std::uint8_t* data, std::size_t size)
{
    const QByteArrayView token(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    QString error;
    const std::optional<crypto::DecodedJwt> decoded = crypto::decodeJwt(token, &error);
    if (decoded) {
        (void)decoded->algorithm();
        (void)decoded->kid();
    }
    const crypto::VerifyOptions options = verifyOptions();
    const crypto::VerifyResult byKeys = crypto::verifyJwt(token, fixedKeys(), options);
    bool anyKey = false;
    for (const crypto::Key& key : fixedKeys().keys())
        anyKey = crypto::verifyJwt(token, key, options).ok || anyKey;
    // What verifies against the set verifies against one of its keys.
    if (byKeys.ok && !anyKey)
        return false;
    (void)crypto::verifyFailureName(byKeys.failure);
    // A token that does not even decode can never verify.
    return decoded.has_value() || !byKeys.ok;
}

// ---- JWKS ------------------------------------------------------------------------------------
bool runJwks(const std::uint8_t* data, std::size_t size)
{
    QString error;
    const std::optional<crypto::Jwks> keys = crypto::Jwks::fromBytes(bytesOf(data, size), &error);
    if (!keys)
        return true;
    static constexpr std::array algorithms { crypto::JwsAlgorithm::RS256, crypto::JwsAlgorithm::RS384,
        crypto::JwsAlgorithm::RS512, crypto::JwsAlgorithm::PS256, crypto::JwsAlgorithm::ES256,
        crypto::JwsAlgorithm::ES384 };
    for (const crypto::Key& key : keys->keys()) {
        (void)key.thumbprint();
        (void)key.publicKeyPem();
        (void)key.bits();
        (void)key.curve();
        const json jwk = key.publicJwk();
        // The public JWK of a key read from a JWK must read back as the same key.
        const std::optional<crypto::Key> again = crypto::Key::fromJwk(jwk);
        if (!again || !again->samePublicKey(key))
            return false;
        QString reason;
        for (const crypto::JwsAlgorithm alg : algorithms)
            (void)crypto::keyFitsAlgorithm(key, alg, &reason);
        (void)keys->find(key.kid(), crypto::JwsAlgorithm::RS256);
    }
    (void)keys->findByKid(QStringLiteral("rsa-1"));
    (void)keys->toJson();
    (void)crypto::verifyJwt(QByteArrayView(kSampleToken), *keys, verifyOptions());
    return true;
}

// ---- WWW-Authenticate ------------------------------------------------------------------------
bool runWwwAuthenticate(const std::uint8_t* data, std::size_t size)
{
    const QByteArray header = bytesOf(data, size);
    const QList<WwwAuthenticate::Challenge> challenges = WwwAuthenticate::parse(header);
    for (const WwwAuthenticate::Challenge& c : challenges) {
        (void)c.isScheme("Bearer");
        (void)c.param("scope");
        (void)c.hasParam("error");
    }
    const AuthChallenge challenge = WwwAuthenticate::toAuthChallenge(401, header);
    // resource_metadata is only ever an http(s) URL.
    if (!challenge.resourceMetadata.isEmpty()) {
        const QString scheme = challenge.resourceMetadata.scheme();
        if (scheme != QLatin1String("http") && scheme != QLatin1String("https"))
            return false;
    }
    return true;
}

// ---- loopback callback request ---------------------------------------------------------------
bool runLoopbackRequest(const std::uint8_t* data, std::size_t size)
{
    using Request = auth::LoopbackListener::CallbackRequest;
    const QString redirectPath = QStringLiteral("/callback");
    const Request request = auth::LoopbackListener::parseCallbackRequest(bytesOf(data, size), redirectPath);
    if (request.outcome == Request::Outcome::Callback) {
        // Only GET on exactly the redirect path is a callback.
        if (request.method != "GET" || request.path != redirectPath)
            return false;
        (void)auth::LoopbackListener::page(
            QStringLiteral("Lanyard"), false, request.parameters.value(QStringLiteral("error")));
    } else if (!request.parameters.isEmpty() || !request.duplicate.isEmpty()) {
        return false;
    }
    return true;
}

// ---- discovery metadata ----------------------------------------------------------------------
// The same document is read as authorization-server and as protected-resource metadata, and
// what was read is used the way the strategies use it.
bool runDiscovery(const std::uint8_t* data, std::size_t size)
{
    const std::optional<json> doc = parseJson(bytesOf(data, size));
    if (!doc)
        return true;
    const QUrl source(QStringLiteral("https://as.example/.well-known/oauth-authorization-server/tenant"));
    const QUrl server(QStringLiteral("https://mcp.example/mcp"));
    QString error;
    if (const auto md = auth::AuthServerMetadata::fromJson(*doc, source, &error)) {
        (void)auth::issuerMatches(md->issuer, QUrl(QStringLiteral("https://as.example/tenant")));
        (void)md->supportsGrant(QString::fromLatin1(auth::kGrantTokenExchange));
        (void)md->supportsAuthMethod(QStringLiteral("none"));
        (void)md->listsS256();
        (void)auth::selectScopes(QString(), md->scopesSupported);
        (void)auth::scopeResources(md->scopesSupported);
        QString why;
        if (const auto authority = auth::EntraAuthority::parse(md->issuer, &why)) {
            (void)authority->expectedIssuer();
            (void)authority->tokenUrl();
        }
        for (const QUrl* u : { &md->authorizationEndpoint, &md->tokenEndpoint, &md->jwksUri })
            if (!u->isEmpty() && u->scheme() != QLatin1String("https") && u->scheme() != QLatin1String("http"))
                return false;
    }
    error.clear();
    if (const auto prm = auth::ProtectedResourceMetadata::fromJson(*doc, server, &error)) {
        (void)auth::resourceMatchesServer(prm->resource, server);
        (void)auth::canonicalResource(QUrl(prm->resource));
        (void)auth::selectScopes(QString(), prm->scopesSupported);
        for (const QUrl& as : prm->authorizationServers) {
            if (as.scheme() != QLatin1String("https") && as.scheme() != QLatin1String("http"))
                return false;
            (void)auth::authorizationServerMetadataUrls(as);
            (void)auth::protectedResourceMetadataUrls(server, as);
        }
        for (const QString& scope : prm->scopesSupported) {
            (void)auth::defaultScopeFor(scope);
            (void)auth::scopeResource(scope);
        }
    }
    return true;
}

// ---- config file -----------------------------------------------------------------------------
// A config that loads must save to a document that loads again with the same servers.
bool runConfig(const std::uint8_t* data, std::size_t size)
{
    Error error;
    const std::optional<Config> config = ConfigStore::parse(bytesOf(data, size), QStringLiteral("fuzz.json"), &error);
    if (!config)
        return !error.message.isEmpty();
    Error identityError;
    (void)auth::IdentitySettings::fromJson(config->identity, &identityError);
    for (const ServerConfig& s : config->servers)
        (void)config->server(s.name);
    const QByteArray saved = dumpJson(ConfigStore::toJson(*config));
    Error againError;
    const std::optional<Config> again = ConfigStore::parse(saved, QStringLiteral("fuzz.json"), &againError);
    if (!again || again->servers.size() != config->servers.size())
        return false;
    for (qsizetype i = 0; i < config->servers.size(); ++i) {
        const ServerConfig& a = config->servers.at(i);
        const ServerConfig& b = again->servers.at(i);
        // args only mean something for stdio servers: saving an HTTP server drops them.
        if (a.name != b.name || a.url != b.url || a.command != b.command || (a.isStdio() && a.args != b.args)
            || a.headers != b.headers || a.auth.type != b.auth.type || a.enabled != b.enabled)
            return false;
    }
    return true;
}

// Same structure with the same node type everywhere (iteratively: inputs may nest deeply).
static bool sameTypes(const json& a, const json& b)
{
    std::vector<std::pair<const json*, const json*>> todo { { &a, &b } };
    while (!todo.empty()) {
        const auto [x, y] = todo.back();
        todo.pop_back();
        if (x->type() != y->type() || x->size() != y->size())
            return false;
        if (x->is_array()) {
            for (std::size_t i = 0; i < x->size(); ++i)
                todo.emplace_back(&(*x)[i], &(*y)[i]);
        } else if (x->is_object()) {
            for (auto it = x->begin(); it != x->end(); ++it) {
                const auto other = y->find(it.key());
                if (other == y->end())
                    return false;
                todo.emplace_back(&*it, &*other);
            }
        }
    }
    return true;
}

bool runLargeMessage(const std::uint8_t* data, std::size_t size)
{
    const char* begin = reinterpret_cast<const char*>(data);
    const char* end = begin + size;
    std::optional<json> strict;
    try {
        strict = parseLargeMessageStrict(begin, end);
    } catch (const std::bad_alloc&) {
        return true; // out of memory is not a parsing difference
    }
    const json reference = json::parse(begin, end, nullptr, false);
    if (!strict)
        return true; // it gave up: nlohmann decides, as in the transport
    if (reference.is_discarded())
        return false; // accepted what nlohmann refuses
    // json's operator== compares numbers across types (1 == 1u == 1.0) and dump() prints 1 and 1u
    // alike: compare the node types too.
    return *strict == reference && sameTypes(*strict, reference);
}

// ---- HTTP/1.1 answers ------------------------------------------------------------------------

namespace {

struct HttpOutcome
{
    QList<QByteArray> events; // "head <status> <reason> | name: value | …", "complete", "error <message>"
    QByteArray body;
    qsizetype consumed = 0;
    bool keepAlive = false;
    bool invariantsHold = true;
};

HttpOutcome driveHttp(const QByteArray& input, bool head, qsizetype step, bool vary)
{
    HttpOutcome o;
    HttpResponseParser parser;
    parser.reset(head);
    qsizetype fed = 0;
    bool done = false;
    auto run = [&] {
        while (true) {
            const qsizetype before = o.body.size();
            const HttpResponseParser::Result r = parser.parse(&o.body);
            if (o.body.size() < before)
                o.invariantsHold = false; // body bytes are only ever added
            switch (r) {
            case HttpResponseParser::Result::Head: {
                QByteArray e = "head " + QByteArray::number(parser.status()) + ' ' + parser.reasonPhrase();
                for (const auto& h : parser.headers())
                    e += " | " + h.first + ": " + h.second;
                o.events << e;
                if (parser.status() < 200 || parser.status() > 999)
                    o.invariantsHold = false; // interim answers are not reported
                continue;
            }
            case HttpResponseParser::Result::Complete:
                o.events << "complete";
                return true;
            case HttpResponseParser::Result::Error:
                o.events << "error " + parser.error().toUtf8();
                if (parser.parse(&o.body) != HttpResponseParser::Result::Error || parser.keepAlive())
                    o.invariantsHold = false; // an error is final
                return true;
            case HttpResponseParser::Result::More:
                return false;
            }
        }
    };
    qsizetype n = step;
    while (fed < input.size() && !done) {
        const qsizetype len = std::min<qsizetype>(n, input.size() - fed);
        parser.append(input.mid(fed, len));
        fed += len;
        done = run();
        n = vary ? (n % 13) + 1 : step;
    }
    if (!done && parser.endOfInput())
        o.events << "complete at close";
    o.consumed = fed - parser.unconsumed();
    o.keepAlive = parser.keepAlive();
    if (o.body.size() > input.size())
        o.invariantsHold = false;
    return o;
}

} // namespace

bool runHttpResponse(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return true;
    const std::uint8_t control = data[0];
    const QByteArray input = bytesOf(data + 1, size - 1);
    const bool head = control & 0x80;
    const HttpOutcome whole = driveHttp(input, head, std::max<qsizetype>(input.size(), 1), false);
    const HttpOutcome pieces = driveHttp(input, head, (control & 0x0f) + 1, control & 0x10);
    return whole.invariantsHold && pieces.invariantsHold && whole.events == pieces.events && whole.body == pieces.body
        && whole.consumed == pieces.consumed && whole.keepAlive == pieces.keepAlive;
}

} // namespace lanyard::fuzz
