#!/usr/bin/env node
// Starts Node-RED with Cry Baby loaded from this working tree: a project-local user directory (.node-red-user/,
// or CRY_BABY_USER_DIR) whose node_modules links back to this folder, nothing installed globally. Builds first only
// when dist/ is missing or older than the sources. On first start it writes settings.js (then leaves it to you)
// and deploys the demo flow. HOST (default 127.0.0.1; 0.0.0.0 for a headless Pi) and PORT (default 1880) apply at
// every start. SIGINT/SIGTERM stop Node-RED, and it stops by itself if this script's parent goes away.
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { spawn } = require('child_process');

const root = path.join(__dirname, '..');

function newest(dir) {
  let latest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : fs.statSync(full).mtimeMs);
  }
  return latest;
}
const builtMark = path.join(root, 'dist', 'nodes', 'cry-classifier.html');
const sources = Math.max(newest(path.join(root, 'src')), newest(path.join(root, 'nodes')), newest(path.join(root, 'icons')));
if (!fs.existsSync(builtMark) || fs.statSync(builtMark).mtimeMs < sources) {
  console.log('building (dist/ is missing or older than the sources)…');
  const built = require('child_process').spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status || 1);
}
const userDir = path.resolve(process.env.CRY_BABY_USER_DIR || path.join(root, '.node-red-user'));
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
if (!fs.existsSync(settingsFile)) {
  fs.writeFileSync(
    settingsFile,
    `// Written once by cry-baby's scripts/start.js; yours to edit from now on.\nmodule.exports = {\n` +
      `  uiHost: process.env.HOST || '127.0.0.1',\n  uiPort: Number(process.env.PORT || 1880),\n  flowFile: 'flows.json',\n` +
      `  credentialSecret: require('fs').readFileSync(__dirname + '/.credential-secret', 'utf8'),\n` +
      `  logging: { console: { level: 'info', metrics: false, audit: false } },\n` +
      `  editorTheme: { tours: false, projects: { enabled: false } },\n` +
      `  diagnostics: { enabled: false },\n  telemetry: { enabled: false },\n};\n`,
  );
}
const flowsFile = path.join(userDir, 'flows.json');
const demo = process.env.CRY_BABY_FLOW || path.join(root, 'examples', 'flows', 'nursery-microphone.json');
if (!fs.existsSync(flowsFile) && fs.existsSync(demo)) fs.copyFileSync(demo, flowsFile);

const red = require.resolve('node-red/red.js', { paths: [root] });
const child = spawn(process.execPath, [red, '-u', userDir, '-s', settingsFile], { stdio: 'inherit' });
const forward = (signal) => () => child.kill(signal);
process.on('SIGINT', forward('SIGINT'));
process.on('SIGTERM', forward('SIGTERM'));
process.on('SIGHUP', forward('SIGTERM'));
// npm runs this script through a shell; when npm or that shell is killed, the signal may not reach us, but our
// parent changes: stop Node-RED then too, so that it is never left running on its own.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) child.kill('SIGTERM');
}, 1000).unref();
child.on('exit', (code, signal) => process.exit(code === null ? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1) : code));
