#!/usr/bin/env node
// Node-RED looks for a node's editor HTML next to its .js file (same name, .html), and for `icons/` and
// `locales/` in that same folder. The runtime files compile to dist/nodes/, so the editor files go there too.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const target = path.join(root, 'dist', 'nodes');
fs.mkdirSync(target, { recursive: true });
for (const file of fs.readdirSync(path.join(root, 'nodes'))) {
  if (file.endsWith('.html')) fs.copyFileSync(path.join(root, 'nodes', file), path.join(target, file));
}
for (const folder of ['icons', 'locales']) {
  const from = path.join(root, folder);
  if (fs.existsSync(from)) fs.cpSync(from, path.join(target, folder), { recursive: true });
}
