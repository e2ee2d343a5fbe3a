#!/usr/bin/env node
// The package's command. Node 20 cannot run TypeScript, so a checkout runs the compiled dist/ — rebuilt
// here first whenever src/ is newer, which is what lets `npm install && npm start` work on a fresh clone.
// Plain JavaScript on purpose: this file must run before anything is compiled.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const stamp = path.join(dist, '.build-stamp');
const buildLock = path.join(dist, '.build-lock');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const bundle = path.join(dist, 'bundle', 'review-invites.js');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else if (entry.isFile()) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

function sourcesMtime() {
  let newest = newestMtime(path.join(root, 'src'));
  for (const f of ['tsconfig.json', 'tsconfig.build.json']) {
    if (existsSync(path.join(root, f))) newest = Math.max(newest, statSync(path.join(root, f)).mtimeMs);
  }
  return newest;
}

function isStale() {
  if (!existsSync(path.join(root, 'src'))) return false; // an installed package ships dist/ only
  if (!existsSync(stamp)) return true;
  return sourcesMtime() > statSync(stamp).mtimeMs;
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// Two commands started at once (a test run, `serve` next to `work`) must not compile into the same
// dist/ together: one builds, the others wait for it and then find dist/ fresh.
async function withBuildLock(fn) {
  mkdirSync(dist, { recursive: true });
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(buildLock);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let age = 0;
      try {
        age = Date.now() - statSync(buildLock).mtimeMs;
      } catch {
        continue;
      }
      if (age > 300_000 || Date.now() > deadline) rmSync(buildLock, { recursive: true, force: true });
      else sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(buildLock, { recursive: true, force: true });
  }
}

// Exit status 2 = type errors with JavaScript emitted anyway (tsc's default): say so and run it, as a
// `tsx` workflow would; `npm test` builds strictly and fails on them.
async function build() {
  process.stderr.write('building…\n');
  const { build: buildDist } = await import('../scripts/build.mjs');
  const status = await buildDist({ strict: false });
  if (status === 2) process.stderr.write('review-invites: TypeScript reported errors (above); running the emitted JavaScript anyway\n');
  return status;
}

if (isStale()) {
  if (existsSync(tsc)) {
    const status = await withBuildLock(async () => (isStale() ? await build() : 0));
    if (status === 1) process.exit(1);
  } else if (!existsSync(path.join(dist, 'cli', 'index.js'))) {
    process.stderr.write('review-invites: dist/ is missing and TypeScript is not installed; run `npm install` first\n');
    process.exit(1);
  }
}

// The bundle starts in a fraction of the time (scripts/build.mjs); without it, the per-file build runs.
const { runCli } = await import(existsSync(bundle) ? '../dist/bundle/review-invites.js' : '../dist/cli/index.js');
process.exitCode = await runCli(process.argv);
