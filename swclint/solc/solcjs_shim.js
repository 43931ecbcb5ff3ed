#!/usr/bin/env node
// A `solc` command line backed by solc-js, for any soljson.js release.
// Usage: node solcjs_shim.js --swclint-wrapper=<solc/wrapper.js> --swclint-soljson=<soljson.js> \
//          (--version | --standard-json [--allow-paths A,B] [--base-path P] [--include-path P] ...)
// Old soljson builds are driven through the newest package's wrapper for one uniform API.
// Flags this shim does not know are ignored, as crytic-compile passes extras such as --allow-paths.
'use strict';
const fs = require('fs');
const path = require('path');

const VALUE_FLAGS = new Set(['--allow-paths', '--base-path', '--include-path', '--evm-version',
  '--optimize-runs', '--output-dir', '-o', '--libraries', '--remappings']);

function parseArgs(argv) {
  const opts = { allowPaths: [], includePaths: [], basePath: null, mode: null };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value = null;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) { value = arg.slice(eq + 1); arg = arg.slice(0, eq); }
    if (VALUE_FLAGS.has(arg) && value === null) value = argv[++i];
    switch (arg) {
      case '--swclint-wrapper': opts.wrapper = value; break;
      case '--swclint-soljson': opts.soljson = value; break;
      case '--version': opts.mode = opts.mode || 'version'; break;
      case '--standard-json': opts.mode = 'standard-json'; break;
      case '--help': opts.mode = opts.mode || 'help'; break;
      case '--allow-paths': opts.allowPaths.push(...String(value || '').split(',').filter(Boolean)); break;
      case '--include-path': if (value) opts.includePaths.push(value); break;
      case '--base-path': opts.basePath = value; break;
      default: break; // unknown flags and positional files are ignored
    }
  }
  return opts;
}

function fail(message, code) {
  process.stderr.write(`solcjs-shim: ${message}\n`);
  process.exit(code === undefined ? 1 : code);
}

function loadCompiler(opts) {
  if (!opts.wrapper || !opts.soljson) fail('missing --swclint-wrapper / --swclint-soljson', 2);
  let soljson;
  try {
    soljson = require(opts.soljson);
  } catch (err) {
    fail(`cannot load ${opts.soljson}: ${String(err && err.message || err).split('\n')[0]}`);
  }
  try {
    const solc = require(opts.wrapper)(soljson);
    solc.version(); // a build that loads but cannot answer is broken too
    return solc;
  } catch (err) {
    fail(`${opts.soljson} is not a working compiler: ${String(err && err.message || err).split('\n')[0]}`);
  }
}

function isInside(file, dir) {
  const rel = path.relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

// Read callback for sources given by `urls` or imports we were not handed: only inside allowed dirs.
function makeReader(opts) {
  const base = path.resolve(opts.basePath || process.cwd());
  const roots = [base, ...opts.includePaths.map((p) => path.resolve(p))];
  const allowed = [...roots, ...opts.allowPaths.map((p) => path.resolve(p))];
  return function read(name) {
    const candidates = path.isAbsolute(name) ? [name] : roots.map((r) => path.join(r, name));
    for (const file of candidates) {
      let real;
      try { real = fs.realpathSync(file); } catch (e) { continue; }
      if (!allowed.some((dir) => isInside(real, dir))) {
        return { error: `File outside of allowed directories: ${name}` };
      }
      try { return { contents: fs.readFileSync(real, 'utf8') }; } catch (e) { return { error: e.message }; }
    }
    return { error: `File not found: ${name}` };
  };
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.mode === 'help') {
    process.stdout.write('solc (swclint solc-js shim): supports --version and --standard-json only\n');
    return;
  }
  if (opts.mode === null) {
    fail('only --version and --standard-json are supported (use the standard-JSON platform, not --combined-json)');
  }
  const solc = loadCompiler(opts);
  if (opts.mode === 'version') {
    process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
    return;
  }
  const input = fs.readFileSync(0, 'utf8');
  let output;
  try {
    output = solc.compile(input, { import: makeReader(opts) });
  } catch (err) {
    const message = String(err && err.message || err).split('\n')[0];
    output = JSON.stringify({ errors: [{ component: 'general', severity: 'error', type: 'InternalCompilerError',
      message, formattedMessage: message }] });
  }
  process.stdout.write(output);
  process.stdout.write('\n');
}

main();
