#!/usr/bin/env node
// Starts Node-RED on 127.0.0.1 with Cry Baby loaded from this working tree: a project-local user directory
// (.node-red-user/, or CRY_BABY_USER_DIR) whose node_modules links back to this folder, nothing installed
// globally. On first start the demo flow (examples/flows/) is deployed. PORT changes the port (default 1880).
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { spawn } = require('child_process');

const root = path.join(__dirname, '..');
const userDir = path.resolve(process.env.CRY_BABY_USER_DIR || path.join(root, '.node-red-user'));
const port = Number(process.env.PORT || 1880);
const pkg = require(path.join(root, 'package.json'));

fs.mkdirSync(path.join(userDir, 'node_modules'), { recursive: true });
const link = path.join(userDir, 'node_modules', pkg.name);
try {
  fs.rmSync(link, { recursive: true, force: true });
} catch {
  // nothing to remove
}
fs.symlinkSync(root, link, 'dir');
fs.writeFileSync(
  path.join(userDir, 'package.json'),
  JSON.stringify({ name: 'cry-baby-node-red-user', private: true, dependencies: { [pkg.name]: `file:${root}` } }, null, 2),
);
const secretFile = path.join(userDir, '.credential-secret');
if (!fs.existsSync(secretFile)) fs.writeFileSync(secretFile, crypto.randomBytes(24).toString('hex'), { mode: 0o600 });
const settingsFile = path.join(userDir, 'settings.js');
fs.writeFileSync(
  settingsFile,
  `// Written by cry-baby's scripts/start.js\nmodule.exports = {\n` +
    `  uiHost: '127.0.0.1',\n  uiPort: ${port},\n  flowFile: 'flows.json',\n` +
    `  credentialSecret: require('fs').readFileSync(__dirname + '/.credential-secret', 'utf8'),\n` +
    `  logging: { console: { level: 'info', metrics: false, audit: false } },\n` +
    `  editorTheme: { tours: false, projects: { enabled: false } },\n` +
    `  diagnostics: { enabled: false },\n  telemetry: { enabled: false },\n};\n`,
);
const flowsFile = path.join(userDir, 'flows.json');
const demo = process.env.CRY_BABY_FLOW || path.join(root, 'examples', 'flows', 'nursery-microphone.json');
if (!fs.existsSync(flowsFile) && fs.existsSync(demo)) fs.copyFileSync(demo, flowsFile);

const red = require.resolve('node-red/red.js', { paths: [root] });
const child = spawn(process.execPath, [red, '-u', userDir, '-s', settingsFile], { stdio: 'inherit' });
const forward = (signal) => () => child.kill(signal);
process.on('SIGINT', forward('SIGINT'));
process.on('SIGTERM', forward('SIGTERM'));
child.on('exit', (code, signal) => process.exit(code === null ? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1) : code));
