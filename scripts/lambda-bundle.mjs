// How tracer's Lambda functions are bundled: one minified ESM file per handler, the AWS SDK inside it, with
// the SDK parts a function never runs left out. lib/constructs/bundled-function.ts runs this file in a child
// process at synth time (`node scripts/lambda-bundle.mjs <entry> <outdir>`), and the bundle benchmark imports
// it, so both build the same bytes. Plain JavaScript: it runs under Node alone, without a TypeScript loader.
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The project root: aliases point into its lambda/bundling/ folder. */
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The bundle targets Node 22, so it runs on nodejs22.x as well as on the newest runtime. */
export const BUNDLE_TARGET = 'node22';

/**
 * ESM bundles have no `require`, yet some CommonJS dependencies call it for Node built-ins. The alias keeps
 * the banner's import from clashing with names esbuild generates.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __tracerCreateRequire } from 'node:module'; const require = __tracerCreateRequire(import.meta.url);";

/**
 * Modules each bundle replaces with a smaller one of ours (esbuild `alias`), by absolute path:
 * - the SDK's default credential chain, by the environment's credentials, which is where Lambda puts the
 *   role's: the SSO, STS, shared-file, process and metadata providers never run in a function;
 * - the LRU cache behind the DynamoDB client's endpoint-discovery cache, which tracer never turns on;
 * - the event-stream codec, which only CloudWatch Logs' StartLiveTail needs and no function calls;
 * - DynamoDB's endpoint-discovery configuration and cache: no command tracer sends discovers endpoints;
 * - the checksums' pure-JavaScript fallbacks: Lambda's Node.js always has `node:crypto`;
 * - the multi-region (SigV4a) signer of the STS client that assumes roles: without the CRT it signs SigV4.
 * The SDK clients are still built the standard way, so AWS_REGION and AWS_ENDPOINT_URL_* keep working.
 */
export const BUNDLE_ALIASES = Object.freeze({
  '@aws-sdk/credential-provider-node': join(ROOT, 'lambda/bundling/environment-credentials.ts'),
  'mnemonist/lru-cache': join(ROOT, 'lambda/bundling/lru-cache.ts'),
  '@smithy/core/event-streams': join(ROOT, 'lambda/bundling/no-event-streams.ts'),
  '@aws-sdk/middleware-endpoint-discovery': join(ROOT, 'lambda/bundling/no-endpoint-discovery.ts'),
  '@smithy/core/checksum': join(ROOT, 'lambda/bundling/node-checksums.ts'),
  '@aws-sdk/signature-v4-multi-region': join(ROOT, 'lambda/bundling/sigv4-only.ts'),
});

/**
 * The SDK error classes that tracer code imports by name (for `instanceof` and their typed fields), which
 * the bundles keep registered. Any other service error still arrives as the client's service exception,
 * with its `name`, `message`, `$fault`, `$metadata` and the response's fields, which is all tracer reads.
 */
export const KEPT_SDK_ERRORS = Object.freeze(['ConditionalCheckFailedException']);

/**
 * Files inside SDK packages that each bundle replaces with one of ours (an alias cannot reach a file that
 * its package imports by a relative path), by the end of their path:
 * - the adaptive retry strategy and its rate limiter, built only for the `adaptive` retry mode;
 * - the region lookup in the EC2 instance metadata service, which a Lambda function does not have.
 */
export const REPLACED_SDK_FILES = Object.freeze({
  '@smithy/core/dist-es/submodules/retry/util-retry/AdaptiveRetryStrategy.js': join(
    ROOT,
    'lambda/bundling/no-adaptive-retry.ts',
  ),
  '@smithy/core/dist-es/submodules/config/config-resolver/regionConfig/getInstanceMetadataRegion.js': join(
    ROOT,
    'lambda/bundling/no-instance-metadata-region.ts',
  ),
});

/** A generated SDK client: `@aws-sdk/client-*`, or one of the clients nested in the credential providers. */
const SDK_CLIENT = String.raw`[\\/]@aws-sdk[\\/](?:client-[^\\/]+|nested-clients)[\\/]`;

/** One error registration of a generated schema module: `n0_registry.registerError(FooException$, FooException);` */
const ERROR_REGISTRATION = /^\s*\w+\.registerError\((\w+)\$, (\w+)\);$/gm;

/** A module-level string of a generated schema module: `const _e = "error";` */
const STRING_CONSTANT = /^const (_\w+) = ("[^"\\]*");$/gm;

/** A trait key of a schema, `{ [_e]: _c }`: computed, so esbuild cannot prove the literal pure. */
const COMPUTED_KEY = /\[(_\w+)\]:/g;

/**
 * Drops the per-service parts of generated SDK clients that no tracer function needs, whichever clients a
 * bundle holds (an esbuild plugin):
 * - the error registry: each client registers a class and a schema for every error its service declares
 *   (DynamoDB 35, ECS 25), which keeps all of them in the bundle although the registrations are its only
 *   use of them. Unregistered errors come out as the client's service exception named after the error
 *   code, as the SDK does for an error it does not know; the registrations of KEPT_SDK_ERRORS stay.
 *   The trait keys of the schemas become plain strings, so that esbuild sees the literals as pure and
 *   drops the schemas of the errors it no longer registers.
 * - the package manifest, which the client imports whole for the one `version` field of its user agent;
 * - the files of REPLACED_SDK_FILES, by our smaller modules.
 */
export const slimSdkClients = {
  name: 'tracer-slim-sdk-clients',
  setup(build) {
    const kept = new Set(KEPT_SDK_ERRORS);
    const replaced = Object.entries(REPLACED_SDK_FILES);
    const suffixes = replaced.map(([suffix]) => suffix.split('/').at(-1)?.replace('.', '\\.'));
    build.onLoad({ filter: new RegExp(`[\\\\/](?:${suffixes.join('|')})$`) }, async (args) => {
      const path = args.path.split('\\').join('/');
      const replacement = replaced.find(([suffix]) => path.endsWith(`/node_modules/${suffix}`))?.[1];
      if (replacement === undefined) return undefined;
      return {
        contents: await readFile(replacement, 'utf8'),
        loader: 'ts',
        resolveDir: dirname(replacement),
      };
    });
    build.onLoad({ filter: new RegExp(`${SDK_CLIENT}package\\.json$`) }, async (args) => {
      const { version } = JSON.parse(await readFile(args.path, 'utf8'));
      return { contents: JSON.stringify({ version }), loader: 'json' };
    });
    build.onLoad(
      {
        filter: new RegExp(
          `${SDK_CLIENT}dist-es[\\\\/](?:submodules[\\\\/][^\\\\/]+[\\\\/])?schemas[\\\\/][^\\\\/]+\\.js$`,
        ),
      },
      async (args) => {
        const source = await readFile(args.path, 'utf8');
        const strings = new Map();
        for (const [, name, value] of source.matchAll(STRING_CONSTANT)) strings.set(name, value);
        const contents = source
          .replace(ERROR_REGISTRATION, (line, _schema, errorClass) =>
            kept.has(errorClass) || errorClass.endsWith('ServiceException') ? line : '',
          )
          .replace(COMPUTED_KEY, (key, name) => (strings.has(name) ? `${strings.get(name)}:` : key));
        return { contents, loader: 'js' };
      },
    );
  },
};

/**
 * The esbuild options of a function bundle: minified ESM for Node, the SDK's ES build (which tree-shakes
 * to about half its CommonJS build), the SDK bundled rather than taken from the runtime (whose copy changes
 * under us and costs start-up time to resolve), a source map without a second copy of the sources.
 * @param {{ readonly entry?: string, readonly stdin?: import('esbuild').StdinOptions, readonly outfile: string, readonly metafile?: boolean }} input
 * @returns {import('esbuild').BuildOptions}
 */
export function lambdaBuildOptions({ entry, stdin, outfile, metafile = false }) {
  return {
    ...(entry === undefined ? { stdin } : { entryPoints: [entry] }),
    outfile,
    bundle: true,
    platform: 'node',
    target: BUNDLE_TARGET,
    format: 'esm',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_BANNER },
    external: [],
    alias: { ...BUNDLE_ALIASES },
    plugins: [slimSdkClients],
    metafile,
    absWorkingDir: ROOT,
    logLevel: 'warning',
  };
}

/**
 * Bundles one handler into `<outdir>/index.mjs` and its source map.
 * @param {string} entry the handler's source, absolute or relative to the project root
 * @param {string} outdir
 */
export async function bundleLambda(entry, outdir) {
  const { build } = await import('esbuild');
  return build(lambdaBuildOptions({ entry: resolve(ROOT, entry), outfile: join(outdir, 'index.mjs') }));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [entry, outdir] = process.argv.slice(2);
  if (!entry || !outdir) {
    process.stderr.write('usage: node scripts/lambda-bundle.mjs <handler entry> <output directory>\n');
    process.exit(2);
  }
  await bundleLambda(entry, outdir);
}
