#!/usr/bin/env node
// Compiles every WebAssembly text file (.wat) under src/ into a .wasm beside its compiled JavaScript in dist/src/
// (wabt, a development dependency: the published package carries the .wasm, not the compiler).
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');

function watFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return watFiles(full);
    return entry.name.endsWith('.wat') ? [full] : [];
  });
}

async function main() {
  const wabt = await require('wabt')();
  for (const source of watFiles(path.join(root, 'src'))) {
    const relative = path.relative(path.join(root, 'src'), source);
    const target = path.join(root, 'dist', 'src', relative.replace(/\.wat$/, '.wasm'));
    const module = wabt.parseWat(relative, fs.readFileSync(source, 'utf8'), { simd: true });
    try {
      module.validate();
      const { buffer } = module.toBinary({});
      fs.mkdirSync(path.dirname(target), { recursive: true });
      const temporary = `${target}.${process.pid}.tmp`;
      fs.writeFileSync(temporary, buffer);
      fs.renameSync(temporary, target);
    } finally {
      module.destroy();
    }
  }
}

main().catch((error) => {
  console.error(error.message || error);
  process.exit(1);
});
