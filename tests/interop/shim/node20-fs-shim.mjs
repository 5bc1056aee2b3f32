// SPDX-License-Identifier: MIT
import fs from 'node:fs';
import path from 'node:path';

export * from 'node:fs';
export default fs;

// Enough of fs.globSync for "**/<name>" and plain relative paths.
export function globSync(pattern, options = {}) {
  const cwd = options.cwd ?? process.cwd();
  const p = String(pattern);
  if (!p.startsWith('**/')) {
    return fs.existsSync(path.join(cwd, p)) ? [p] : [];
  }
  const name = p.slice(3);
  const out = [];
  const walk = (rel) => {
    for (const entry of fs.readdirSync(path.join(cwd, rel), { withFileTypes: true })) {
      const r = rel ? path.join(rel, entry.name) : entry.name;
      if (entry.isDirectory()) walk(r);
      else if (entry.name === name) out.push(r);
    }
  };
  walk('');
  return out;
}
