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
require(entry).main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error('cry-baby: ' + (error && error.message ? error.message : String(error)));
    process.exit(1);
  },
);
