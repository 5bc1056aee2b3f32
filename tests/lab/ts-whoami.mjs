// SPDX-License-Identifier: MIT
// The official MCP TypeScript SDK client calling `whoami` on a lab server with a bearer token it
// is given (TestLabTsSdk): node ts-whoami.mjs URL TOKEN. Prints the tool's structuredContent as
// JSON; on failure prints "error: ..." on stderr and exits 3.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const sdkRoot = process.env.LANYARD_SDK_ROOT
    ?? path.join(here, '..', 'interop', 'node_modules', '@modelcontextprotocol', 'sdk');
const sdk = file => pathToFileURL(path.join(sdkRoot, 'dist', 'esm', file)).href;
const { Client } = await import(sdk('client/index.js'));
const { StreamableHTTPClientTransport } = await import(sdk('client/streamableHttp.js'));

const [url, token] = process.argv.slice(2);
if (!url || !token) {
    process.stderr.write('usage: node ts-whoami.mjs URL TOKEN\n');
    process.exit(2);
}
const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
});
const client = new Client({ name: 'ts-sdk-whoami', version: '1.0.0' });
try {
    await client.connect(transport);
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    process.stdout.write(JSON.stringify(result.structuredContent ?? null) + '\n');
    await transport.terminateSession().catch(() => {});
    await client.close();
} catch (e) {
    process.stderr.write(`error: ${e?.message ?? e}\n`);
    process.exit(3);
}
