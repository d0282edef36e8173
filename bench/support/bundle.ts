/** Bundles a benchmark worker into one self-contained ESM file, so it runs under plain `node`. */
import { join } from 'node:path';
import { build } from 'esbuild';

/** ESM bundles have no `require`; a few CommonJS dependencies of the SDK still call it for built-ins. */
const REQUIRE_BANNER =
  "import { createRequire as __benchCreateRequire } from 'node:module'; const require = __benchCreateRequire(import.meta.url);";

/**
 * Bundles `entry` (with every dependency, the AWS SDK's ES build included) into `<outdir>/<name>.mjs`.
 * Returns the path of the bundle.
 * @example const worker = await bundleWorker('bench/trace/trace-worker.ts', scratch.path, 'trace-worker');
 */
export async function bundleWorker(entry: string, outdir: string, name: string): Promise<string> {
  const outfile = join(outdir, `${name}.mjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    mainFields: ['module', 'main'],
    banner: { js: REQUIRE_BANNER },
    logLevel: 'warning',
  });
  return outfile;
}
