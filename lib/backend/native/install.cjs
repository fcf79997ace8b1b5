// npm's install script (and `npm run build:native`): builds the native backend's addon with
// node-gyp when OpenBLAS is found; otherwise prints one line and exits 0, and tfjs runs on wasm.
// Never downloads anything: node-gyp gets --nodedir, the headers installed with this node.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { findOpenBlas } = require('./openblas.cjs');

const here = __dirname;

function skip(reason) {
  console.log(`paramdiff: native backend not built (${reason}); tfjs will run on wasm`);
  process.exit(0);
}

/** The node prefix whose include/node holds the headers of this very node, or undefined. */
function nodeDir() {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  const headers = path.join(prefix, 'include', 'node');
  let version = '';
  try {
    version = fs.readFileSync(path.join(headers, 'node_version.h'), 'utf8');
  } catch {
    return undefined;
  }
  const [major, minor, patch] = ['MAJOR', 'MINOR', 'PATCH'].map((p) => version.match(new RegExp(`#define NODE_${p}_VERSION (\\d+)`))?.[1]);
  const matches = `v${major}.${minor}.${patch}` === process.version;
  return matches && fs.existsSync(path.join(headers, 'node_api.h')) && fs.existsSync(path.join(headers, 'common.gypi')) ? prefix : undefined;
}

/** node-gyp's entry script: the one npm runs scripts with, else the one bundled with npm. */
function nodeGyp() {
  const bundled = path.resolve(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  return [process.env.npm_config_node_gyp, bundled].find((p) => p && fs.existsSync(p));
}

const blas = findOpenBlas();
if (!blas) skip('OpenBLAS not found: apt-get install libopenblas-dev, then npm run build:native');
const nodedir = nodeDir();
if (!nodedir) skip(`no headers for node ${process.version} next to ${process.execPath}`);
const gyp = nodeGyp();
if (!gyp) skip('node-gyp not found (it ships with npm)');

const build = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`, `--directory=${here}`], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'pipe'],
});
if (build.status !== 0) {
  // A failed build must not fail `npm ci`: show why, then fall back like a missing library.
  process.stdout.write(`${build.stdout ?? ''}${build.stderr ?? ''}`.split('\n').slice(-30).join('\n'));
  skip(`node-gyp failed with status ${build.status}${build.error ? `: ${build.error.message}` : ''}`);
}
console.log(`paramdiff: native backend built (OpenBLAS from ${blas.libDir}) into ${path.join(here, 'build', 'Release')}`);
