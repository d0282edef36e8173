// Builds the CLI into one ESM file so `npx tracer` starts without a TypeScript loader.
// Runs on `npm ci` (prepare) and `npm run build`. Lambda bundles are built by `cdk synth`.
import { existsSync } from 'node:fs';
import { build } from 'esbuild';

const entry = 'bin/tracer.ts';
if (existsSync(entry)) {
  await build({
    entryPoints: [entry],
    outfile: 'dist/cli/tracer.mjs',
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    mainFields: ['module', 'main'],
    // Keep heavy modules out of start-up: they are imported lazily where needed.
    packages: 'external',
    sourcemap: true,
    banner: { js: '#!/usr/bin/env node' },
    logLevel: 'warning',
  });
}
