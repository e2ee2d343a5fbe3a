#!/usr/bin/env node
// Compiles src/ into dist/ (tsc: the type check, and the per-file JavaScript the tests' child processes
// could fall back to), then bundles the command into dist/bundle/review-invites.js (esbuild). The
// bundle is what runs: Node's ESM loader spends about 0.6 s resolving the ~1,400 files of our
// dependencies (typebox alone is ~680) — one file loads in a fraction of that (bench/README.md,
// footprint). Plain JavaScript: it runs before anything is compiled.
//
//   node scripts/build.mjs          exit 0 = built; 1 = failed; type errors fail the build
import { spawnSync } from 'node:child_process';
import { rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const dist = path.join(root, 'dist');
export const stamp = path.join(dist, '.build-stamp');
/** Two levels below the package root, like src/<dir>/ and dist/<dir>/: the code's relative URLs hold. */
export const bundle = path.join(dist, 'bundle', 'review-invites.js');

// Left out of the bundle: packages that read files next to their own code at run time.
const external = ['@electric-sql/pglite', '@fastify/swagger-ui', 'pg-native'];

/**
 * Returns 0 when built, 2 when tsc reported type errors but emitted (and the bundle was built),
 * 1 when the build failed. `strict` turns type errors into a failure.
 */
export async function build({ strict = true, log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const startedAt = new Date();
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  // tsc prints diagnostics on stdout; keep the caller's stdout for command output (`--json`).
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (result.error) throw result.error;
  if (result.status !== 0 && (strict || result.status !== 2)) {
    log(`review-invites: the TypeScript build failed (exit ${result.status})`);
    return 1;
  }
  try {
    const esbuild = await import('esbuild');
    await esbuild.build({
      entryPoints: [path.join(dist, 'cli', 'index.js')],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external,
      // CommonJS dependencies inside an ES module bundle still call require() for Node's built-ins.
      banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
      sourcemap: 'linked',
      logLevel: 'warning',
    });
  } catch (err) {
    // No bundle is no failure: bin/ then runs the per-file dist/cli/index.js, only slower to start.
    rmSync(bundle, { force: true });
    log(`review-invites: bundling skipped (${err instanceof Error ? err.message.split('\n')[0] : err}); running unbundled`);
  }
  writeFileSync(stamp, `${startedAt.toISOString()}\n`);
  // Stamped with the build's start: a source saved while the build ran is still newer, so it gets built next time.
  utimesSync(stamp, startedAt, startedAt);
  return result.status === 0 ? 0 : 2;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = (await build({ strict: true })) === 0 ? 0 : 1;
}
