// SPDX-License-Identifier: MIT
// The conformance suite 0.1.14+ imports fs.globSync, which Node 20 lacks (it dies at start with a
// SyntaxError). Loaded with `node --import`, this registers a resolve hook that hands the suite an
// fs module with a small globSync. It is only used by the suite's tier-check command, never by the
// client scenarios we run. On Node >= 22 nothing is changed.
import { register } from 'node:module';
import * as fs from 'node:fs';

if (typeof fs.globSync !== 'function') {
  register('./node20-globsync-hooks.mjs', import.meta.url);
}
