// SPDX-License-Identifier: MIT
// Minimal MCP client with the official TypeScript SDK (Client + StreamableHTTPClientTransport):
// the peer lanyard-cli is compared with. It does what lanyard-cli does for the same command:
//   cold URL             connect + initialize + tools/list (every page) + end the session; prints the tools
//   calls URL N          connect + tools/list + N sequential tools/call echo; prints {calls, milliseconds, callsPerSecond, last}
//   list URL             connect + tools/list through every page; prints {tools, pages}
//   big URL BYTES        connect + tools/list + one tools/call big; prints the result
// Every mode ends the session (HTTP DELETE) and closes, like lanyard-cli.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const sdkRoot = process.env.LANYARD_BENCH_SDK ?? path.join(here, '..', 'tests', 'interop', 'node_modules', '@modelcontextprotocol', 'sdk');
const sdk = file => pathToFileURL(path.join(sdkRoot, 'dist', 'esm', file)).href;
const { Client } = await import(sdk('client/index.js'));
const { StreamableHTTPClientTransport } = await import(sdk('client/streamableHttp.js'));

const [mode, url, count] = process.argv.slice(2);
if (!mode || !url) {
    process.stderr.write('usage: node ts-client.mjs cold|calls|list|big URL [N|BYTES]\n');
    process.exit(2);
}

async function listAll(client) {
    const tools = [];
    let pages = 0;
    let cursor;
    do {
        const page = await client.listTools(cursor === undefined ? undefined : { cursor });
        tools.push(...page.tools);
        ++pages;
        cursor = page.nextCursor;
    } while (cursor !== undefined);
    return { tools, pages };
}

function print(value) {
    return new Promise(resolve => process.stdout.write(JSON.stringify(value, null, 2) + '\n', resolve));
}

const transport = new StreamableHTTPClientTransport(new URL(url));
const client = new Client({ name: 'ts-bench-client', version: '1.0.0' }, { capabilities: {} });
try {
    await client.connect(transport);
    const listed = await listAll(client);
    if (mode === 'cold' || mode === 'list') {
        await print(listed);
    } else if (mode === 'calls') {
        const n = Number(count ?? 1000);
        const started = performance.now();
        let last;
        for (let i = 0; i < n; ++i)
            last = await client.callTool({ name: 'echo', arguments: { text: 'hello' } });
        const ms = performance.now() - started;
        await print({ calls: n, milliseconds: ms, callsPerSecond: (n * 1000) / ms, last });
    } else if (mode === 'big') {
        const result = await client.callTool({ name: 'big', arguments: { bytes: Number(count) } }, undefined, { timeout: 600_000 });
        await print({ result });
    } else {
        throw new Error(`unknown mode ${mode}`);
    }
    await transport.terminateSession();
    await client.close();
} catch (error) {
    process.stderr.write(`ts-client: ${error?.stack ?? error}\n`);
    process.exit(1);
}
