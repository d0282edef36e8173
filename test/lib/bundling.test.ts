import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ESM_REQUIRE_BANNER } from '../../lib/constructs/bundled-function.js';
import { TracerStack } from '../../lib/tracer-stack.js';
import { CDK_JSON_CONTEXT } from './support.js';

/** The function of each handler, by the logical-id prefix of its Lambda function. */
const HANDLERS = [
  { entry: 'lambda/handlers/recorder.ts', functionPrefix: 'TracerRecorderFunction' },
  { entry: 'lambda/handlers/api.ts', functionPrefix: 'TracerApiFunction' },
  { entry: 'lambda/handlers/notifier.ts', functionPrefix: 'TracerNotifierFunction' },
] as const;

describe('cdk synth with real bundling', () => {
  let outdir = '';
  let template: Template;

  beforeAll(() => {
    // GIVEN the stack of bin/app.ts, bundled as `cdk synth` bundles it (no bundling-stacks context)
    outdir = mkdtempSync(join(tmpdir(), 'tracer-bundling-'));
    const app = new App({ outdir, builtinCloudFormationValidation: false, context: CDK_JSON_CONTEXT });
    const stack = new TracerStack(app, 'Tracer');
    // WHEN
    app.synth();
    template = Template.fromStack(stack);
  }, 240_000);

  afterAll(() => {
    if (outdir !== '') rmSync(outdir, { recursive: true, force: true });
  });

  /** The staged asset directory of a function, from the S3 key (`<hash>.zip`) of its code. */
  function assetDir(functionPrefix: string): string {
    const functions = template.findResources('AWS::Lambda::Function');
    const [, fn] = Object.entries(functions).find(([id]) => id.startsWith(functionPrefix)) ?? [];
    const key = (fn as { Properties: { Code: { S3Key?: string } } } | undefined)?.Properties.Code.S3Key;
    expect(key, `${functionPrefix} has S3 code`).toMatch(/^[a-f0-9]{64}\.zip$/);
    return join(outdir, `asset.${(key as string).replace(/\.zip$/, '')}`);
  }

  it.each(HANDLERS)(
    'bundles $entry into one minified ESM file with the handler export',
    ({ functionPrefix }) => {
      // THEN
      const bundle = join(assetDir(functionPrefix), 'index.mjs');
      expect(existsSync(bundle)).toBe(true);
      const code = readFileSync(bundle, 'utf8');
      expect(code.startsWith(ESM_REQUIRE_BANNER)).toBe(true);
      expect(code).toMatch(/export\s*\{[^}]*\bhandler\b[^}]*\}/);
      expect(code).not.toMatch(/\bmodule\.exports\s*=/);
      // Minified: few, long lines.
      expect(code.split('\n').length).toBeLessThan(200);
      console.info(`${functionPrefix}: index.mjs ${(statSync(bundle).size / 1024).toFixed(0)} KiB`);
    },
  );

  it('bundles each handler into an asset of its own', () => {
    // THEN no two functions share a bundle (CDK caches bundles by their options, so each entry has its own)
    const dirs = HANDLERS.map(({ functionPrefix }) => assetDir(functionPrefix));
    expect(new Set(dirs).size).toBe(HANDLERS.length);
  });

  it.each(HANDLERS)(
    'bundles the ES build of the AWS SDK into $entry instead of importing the runtime copy',
    async ({ functionPrefix }) => {
      // GIVEN the bundle, parsed by esbuild itself so that strings quoting a package name do not count
      const dir = assetDir(functionPrefix);
      const analysis = await build({
        entryPoints: [join(dir, 'index.mjs')],
        bundle: true,
        write: false,
        metafile: true,
        platform: 'node',
        format: 'esm',
        packages: 'external',
        logLevel: 'silent',
      });
      // THEN only Node.js built-ins are left for the runtime to import
      const imported = Object.values(analysis.metafile.inputs).flatMap((input) =>
        input.imports.map((i) => i.path),
      );
      expect(imported.filter((specifier) => !isBuiltin(specifier))).toEqual([]);
      // AND the SDK came from its ES build (mainFields module first)
      const { sources } = JSON.parse(readFileSync(join(dir, 'index.mjs.map'), 'utf8')) as {
        sources: string[];
      };
      const sdkSources = sources.filter(
        (s) => s.includes('node_modules/@aws-sdk/client-') && s.endsWith('.js'),
      );
      expect(sdkSources.length).toBeGreaterThan(0);
      expect(sdkSources.filter((source) => !source.includes('/dist-es/'))).toEqual([]);
    },
  );

  it.each(HANDLERS)(
    'ships a source map for $entry that points at the TypeScript sources',
    ({ entry, functionPrefix }) => {
      const dir = assetDir(functionPrefix);
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(code.trimEnd().endsWith('//# sourceMappingURL=index.mjs.map')).toBe(true);
      const map = JSON.parse(readFileSync(join(dir, 'index.mjs.map'), 'utf8')) as {
        version: number;
        sources: string[];
      };
      expect(map.version).toBe(3);
      expect(map.sources.some((source) => source.endsWith(entry))).toBe(true);
    },
  );

  it.each(HANDLERS)(
    'loads the $entry bundle as an ES module that exports a handler function',
    async ({ functionPrefix }) => {
      // WHEN the bundle is imported as Lambda's runtime imports it (reading no environment at import time)
      const module = (await import(pathToFileURL(join(assetDir(functionPrefix), 'index.mjs')).href)) as {
        handler?: unknown;
      };
      // THEN
      expect(typeof module.handler).toBe('function');
    },
  );
});
