// Builds the CLI into dist/cli/tracer.mjs so `npx tracer` starts without a TypeScript loader, and the
// browser page (lambda/ui/app) into dist/cli/ui/, which local mode and `tracer ui` serve under /ui/.
// Runs before `npm pack` (prepack) and `npm start` (prestart), and on `npm run build`; the test suite's
// global setup runs it too. Not an install script: the packed package ships dist/cli built, and an install
// of it runs nothing. Lambda bundles are built by `cdk synth`.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';

const entry = 'bin/tracer.ts';
const outdir = 'dist/cli';
if (existsSync(entry)) {
  const result = await build({
    entryPoints: { tracer: entry },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    mainFields: ['module', 'main'],
    // Keep heavy modules out of start-up. Packages stay external, and code splitting turns each lazy
    // `import()` (the AWS SDK paths, subcommands) into its own chunk: without it, esbuild would hoist the
    // external imports of lazily loaded modules into the entry file and load them at start.
    packages: 'external',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: true,
    metafile: true,
    banner: { js: '#!/usr/bin/env node' },
    logLevel: 'warning',
  });
  // Chunk names carry a content hash, so old ones would pile up. They are removed after the new build is
  // in place, never before, so that a CLI started meanwhile still finds its files.
  const written = new Set(Object.keys(result.metafile.outputs).map((file) => relative('.', file)));
  const chunks = join(outdir, 'chunks');
  if (existsSync(chunks)) {
    for (const name of readdirSync(chunks)) {
      const file = join(chunks, name);
      if (!written.has(file)) rmSync(file, { force: true });
    }
  }
}

// The page: one script and one style sheet, minified, with nothing loaded from anywhere else.
const uiEntry = 'lambda/ui/app/main.ts';
if (existsSync(uiEntry)) {
  await build({
    entryPoints: [
      { in: uiEntry, out: 'app' },
      { in: 'lambda/ui/app/styles.css', out: 'app' },
    ],
    outdir: join(outdir, 'ui'),
    bundle: true,
    minify: true,
    platform: 'browser',
    target: ['chrome100', 'firefox100', 'safari15'],
    format: 'esm',
    legalComments: 'none',
    logLevel: 'warning',
  });
}
