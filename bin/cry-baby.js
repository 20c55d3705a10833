#!/usr/bin/env node
'use strict';
// The compiled CLI lives in dist/ (npm run build).
const path = require('path');
const fs = require('fs');
const entry = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  console.error('cry-baby: not built yet: run "npm run build" in ' + path.join(__dirname, '..'));
  process.exit(2);
}
// Exit once everything written to stdout has been flushed (a piped stdout is asynchronous).
const exitAfterFlush = (code) => process.stdout.write('', () => process.exit(code));
require(entry).main(process.argv.slice(2)).then(exitAfterFlush, (error) => {
  console.error('cry-baby: ' + (error && error.message ? error.message : String(error)));
  exitAfterFlush(1);
});
