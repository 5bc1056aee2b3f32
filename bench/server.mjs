// SPDX-License-Identifier: MIT
// Benchmark MCP server built with the official TypeScript SDK (low-level Server +
// StreamableHTTPServerTransport), stateful (Mcp-Session-Id), on 127.0.0.1 only.
//
// One process serves every benchmark shape; the shape is chosen by the endpoint's query string
// and fixed for the session that initialize creates:
//   http://127.0.0.1:PORT/mcp?tools=10000&pageSize=100
//     tools     number of tools listed (echo and big first, then tool-00002 ...), default --tools
//     pageSize  tools per tools/list page (nextCursor pagination); 0 = all in one page, default --page-size
// Tools: echo {text} -> the text; big {bytes} -> one text content of exactly `bytes` bytes (ASCII,
// 80-byte lines); every other tool -> "ok".
//
// Usage: node bench/server.mjs [--port 0] [--tools 10] [--page-size 100] [--json-response]
// Prints one line {"port": N, "url": "http://127.0.0.1:N/mcp"} on stdout when listening.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The SDK is installed with the interop peers (tests/interop/package.json).
const here = path.dirname(fileURLToPath(import.meta.url));
const sdkRoot = process.env.LANYARD_BENCH_SDK ?? path.join(here, '..', 'tests', 'interop', 'node_modules', '@modelcontextprotocol', 'sdk');
const sdk = file => pathToFileURL(path.join(sdkRoot, 'dist', 'esm', file)).href;
const { Server } = await import(sdk('server/index.js'));
const { StreamableHTTPServerTransport } = await import(sdk('server/streamableHttp.js'));
const { ListToolsRequestSchema, CallToolRequestSchema } = await import(sdk('types.js'));

function option(name, fallback) {
    const i = process.argv.indexOf(name);
    return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const port = Number(option('--port', '0'));
const defaultTools = Number(option('--tools', '10'));
const defaultPageSize = Number(option('--page-size', '100'));
const jsonResponse = process.argv.includes('--json-response');
const maxBig = 512 * 1024 * 1024;

// Tool lists are built once per size and shared by every session.
const toolLists = new Map();
function toolList(count) {
    let list = toolLists.get(count);
    if (list)
        return list;
    list = [
        {
            name: 'echo',
            description: 'Returns the text it is given.',
            inputSchema: { type: 'object', properties: { text: { type: 'string', description: 'Text to echo back.' } }, required: ['text'] },
            annotations: { readOnlyHint: true, openWorldHint: false }
        },
        {
            name: 'big',
            description: 'Returns one text content of exactly `bytes` bytes.',
            inputSchema: {
                type: 'object',
                properties: { bytes: { type: 'integer', minimum: 0, maximum: maxBig, description: 'Size of the text in bytes.' } },
                required: ['bytes']
            },
            annotations: { readOnlyHint: true, openWorldHint: false }
        }
    ];
    for (let i = list.length; i < count; ++i) {
        const n = String(i).padStart(5, '0');
        list.push({
            name: `tool-${n}`,
            title: `Synthetic tool ${n}`,
            description: `Synthetic tool number ${i} for the listing benchmark: takes a query and a limit and answers "ok".`,
            inputSchema: {
                type: 'object',
                properties: {
                    query: { type: 'string', description: 'What to look for.' },
                    limit: { type: 'integer', minimum: 1, maximum: 100, default: 10 }
                },
                required: ['query']
            },
            annotations: { readOnlyHint: true }
        });
    }
    list.length = Math.min(list.length, count);
    toolLists.set(count, list);
    return list;
}

// Big texts are built once per size: the benchmark measures the clients, not the generator.
const bigTexts = new Map();
function bigText(bytes) {
    let text = bigTexts.get(bytes);
    if (text !== undefined)
        return text;
    const line = 'The quick brown fox jumps over the lazy dog; 0123456789 abcdefghijklmnopqrstuv.\n';
    text = line.repeat(Math.ceil(bytes / line.length)).slice(0, bytes);
    bigTexts.clear(); // keep at most one big text alive
    bigTexts.set(bytes, text);
    return text;
}

function makeServer(shape) {
    const server = new Server({ name: 'lanyard-bench', version: '1.0.0' }, { capabilities: { tools: {} } });
    server.setRequestHandler(ListToolsRequestSchema, async request => {
        const all = toolList(shape.tools);
        let offset = 0;
        const cursor = request.params?.cursor;
        if (cursor !== undefined) {
            const decoded = /^o(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
            if (!decoded)
                throw Object.assign(new Error('Invalid cursor'), { code: -32602 });
            offset = Number(decoded[1]);
        }
        if (shape.pageSize <= 0)
            return { tools: offset === 0 ? all : all.slice(offset) };
        const end = Math.min(all.length, offset + shape.pageSize);
        const result = { tools: all.slice(offset, end) };
        if (end < all.length)
            result.nextCursor = Buffer.from(`o${end}`, 'latin1').toString('base64url');
        return result;
    });
    server.setRequestHandler(CallToolRequestSchema, async request => {
        const { name, arguments: args = {} } = request.params;
        if (name === 'echo')
            return { content: [{ type: 'text', text: String(args.text ?? '') }] };
        if (name === 'big') {
            const bytes = Number(args.bytes);
            if (!Number.isInteger(bytes) || bytes < 0 || bytes > maxBig)
                return { content: [{ type: 'text', text: `bytes must be a whole number from 0 to ${maxBig}` }], isError: true };
            return { content: [{ type: 'text', text: bigText(bytes) }] };
        }
        return { content: [{ type: 'text', text: 'ok' }] };
    });
    return server;
}

const sessions = new Map(); // Mcp-Session-Id -> transport

const httpServer = http.createServer(async (req, res) => {
    try {
        const url = new URL(req.url, 'http://127.0.0.1');
        if (url.pathname !== '/mcp') {
            res.writeHead(404).end();
            return;
        }
        const sessionId = req.headers['mcp-session-id'];
        if (sessionId !== undefined) {
            const transport = sessions.get(sessionId);
            if (!transport) {
                res.writeHead(404, { 'Content-Type': 'application/json' })
                    .end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }));
                return;
            }
            await transport.handleRequest(req, res);
            return;
        }
        // No session: only initialize is valid; the transport itself answers anything else with 400.
        const shape = {
            tools: Number(url.searchParams.get('tools') ?? defaultTools),
            pageSize: Number(url.searchParams.get('pageSize') ?? defaultPageSize)
        };
        const transport = new StreamableHTTPServerTransport({
            sessionIdGenerator: () => randomUUID(),
            enableJsonResponse: jsonResponse,
            maxRequestBodySize: 16 * 1024 * 1024,
            onsessioninitialized: id => {
                sessions.set(id, transport);
            },
            onsessionclosed: id => {
                sessions.delete(id);
            }
        });
        transport.onclose = () => {
            if (transport.sessionId)
                sessions.delete(transport.sessionId);
        };
        await makeServer(shape).connect(transport);
        await transport.handleRequest(req, res);
    } catch (error) {
        process.stderr.write(`bench server: ${error?.stack ?? error}\n`);
        if (!res.headersSent)
            res.writeHead(500).end();
    }
});
httpServer.keepAliveTimeout = 60_000;
httpServer.listen(port, '127.0.0.1', () => {
    const actual = httpServer.address().port;
    process.stdout.write(JSON.stringify({ port: actual, url: `http://127.0.0.1:${actual}/mcp` }) + '\n');
});
for (const signal of ['SIGINT', 'SIGTERM'])
    process.on(signal, () => {
        httpServer.close();
        process.exit(0);
    });
