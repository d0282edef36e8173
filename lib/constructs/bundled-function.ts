import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** The directory holding package.json, lambda/ and lib/: entries are resolved against it. */
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Every tracer function runs on the newest GA Node.js runtime on Graviton. The bundle targets Node 22, so
 * it also runs on nodejs22.x should a deployment pin the older runtime.
 */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;
export const FUNCTION_ARCHITECTURE = lambda.Architecture.ARM_64;
export const BUNDLE_TARGET = 'node22';

/**
 * ESM bundles have no `require`, yet some CommonJS dependencies call it for Node built-ins. The alias keeps
 * the banner's import from clashing with names esbuild generates.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __tracerCreateRequire } from 'node:module'; const require = __tracerCreateRequire(import.meta.url);";

const HANDLERS_DIR = 'lambda/handlers/';

/**
 * Modules each bundle replaces with a smaller one of ours (esbuild `alias`), by absolute path:
 * - the SDK's default credential chain, by the environment's credentials, which is where Lambda puts the
 *   role's: the SSO, STS, shared-file, process and metadata providers never run in a function;
 * - the LRU cache behind the DynamoDB client's endpoint-discovery cache, which tracer never turns on;
 * - the event-stream codec, which only CloudWatch Logs' StartLiveTail needs and no function calls;
 * - DynamoDB's endpoint-discovery configuration and cache: no command tracer sends discovers endpoints;
 * - the checksums' pure-JavaScript fallbacks: Lambda's Node.js always has `node:crypto`.
 * The SDK clients are still built the standard way, so AWS_REGION and AWS_ENDPOINT_URL_* keep working.
 */
export const BUNDLE_ALIASES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': join(PROJECT_ROOT, 'lambda/bundling/environment-credentials.ts'),
  'mnemonist/lru-cache': join(PROJECT_ROOT, 'lambda/bundling/lru-cache.ts'),
  '@smithy/core/event-streams': join(PROJECT_ROOT, 'lambda/bundling/no-event-streams.ts'),
  '@aws-sdk/middleware-endpoint-discovery': join(PROJECT_ROOT, 'lambda/bundling/no-endpoint-discovery.ts'),
  '@smithy/core/checksum': join(PROJECT_ROOT, 'lambda/bundling/node-checksums.ts'),
};

export interface BundledFunctionProps {
  /** The handler's source, relative to the project root; it lives under `lambda/handlers/` and exports `handler`. */
  readonly entry: string;
  /** @default - no description */
  readonly description?: string;
  /** @default 512 */
  readonly memorySizeMb?: number;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** Settings the handler reads through `lambda/config/env.ts`. @default - none */
  readonly environment?: Readonly<Record<string, string>>;
  /** How long the function's own log lines are kept. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** X-Ray tracing of the function. @default lambda.Tracing.DISABLED - tracer's handlers are not instrumented */
  readonly tracing?: lambda.Tracing;
  /**
   * A fixed name for the function's role, for trust policies in other accounts that name it.
   * @default - a name CloudFormation generates
   */
  readonly roleName?: string;
}

/**
 * A tracer Lambda function: TypeScript bundled by the locally installed esbuild (never Docker) into one
 * minified ESM file with a source map, the AWS SDK v3 included, Node.js on arm64, its own log group with a
 * retention, and a role that starts with nothing but writing to that log group.
 *
 * Unit tests skip bundling the standard way, with the context `aws:cdk:bundling-stacks` set to `[]`.
 */
export class BundledFunction extends Construct implements iam.IGrantable {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly grantPrincipal: iam.IPrincipal;

  constructor(scope: Construct, id: string, props: BundledFunctionProps) {
    super(scope, id);
    const entry = resolveHandlerEntry(props.entry);
    if (!existsSync(entry)) {
      throw new Error(`${id}: cannot bundle ${props.entry}: no such file under ${PROJECT_ROOT}`);
    }
    if (Stack.of(this).bundlingRequired) assertLocalEsbuild(id);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      // The function's own logs only describe tracer's work; they go with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An explicit role instead of AWSLambdaBasicExecutionRole: that managed policy may write to any log group.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${props.entry}`,
      ...(props.roleName === undefined ? {} : { roleName: props.roleName }),
    });
    this.logGroup.grantWrite(this.role);

    const options = {
      description: props.description,
      runtime: FUNCTION_RUNTIME,
      architecture: FUNCTION_ARCHITECTURE,
      memorySize: props.memorySizeMb ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      role: this.role,
      logGroup: this.logGroup,
      tracing: props.tracing ?? lambda.Tracing.DISABLED,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
    };
    const lockFile = join(PROJECT_ROOT, 'package-lock.json');
    const ownLockFile = existsSync(lockFile);
    this.function = new NodejsFunction(this, 'Function', {
      ...options,
      entry,
      handler: 'handler',
      // Inside another project (tracer as a library) CDK finds that project's lock file and root itself.
      ...(ownLockFile ? { depsLockFilePath: lockFile, projectRoot: PROJECT_ROOT } : {}),
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: BUNDLE_TARGET,
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        // Stack traces need the mappings, not a second copy of the sources in every zip.
        sourcesContent: false,
        // The SDK's ES build tree-shakes to about half the size of its CommonJS build.
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        // Bundle the SDK: the runtime's copy changes under us and costs cold-start time to resolve.
        externalModules: [],
        bundleAwsSDK: true,
        esbuildArgs: {
          '--alias': Object.entries(BUNDLE_ALIASES).map(([from, to]) => `${from}=${to}`),
        },
        logLevel: LogLevel.WARNING,
      },
    });
    this.grantPrincipal = this.function.grantPrincipal;
  }
}

/** Resolves a handler entry against the project root and keeps it inside `lambda/handlers/`. */
export function resolveHandlerEntry(entry: string): string {
  const absolute = isAbsolute(entry) ? entry : join(PROJECT_ROOT, entry);
  const inside = relative(PROJECT_ROOT, absolute).split('\\').join('/');
  if (!inside.startsWith(HANDLERS_DIR) || !/\.(ts|mts|js|mjs)$/.test(inside)) {
    throw new Error(
      `a function entry must be a .ts, .mts, .js or .mjs file under ${HANDLERS_DIR}, got "${entry}"`,
    );
  }
  return absolute;
}

function assertLocalEsbuild(id: string): void {
  try {
    createRequire(import.meta.url).resolve('esbuild');
  } catch (cause) {
    throw new Error(
      `${id}: esbuild is not installed in this project; tracer bundles with the local esbuild and never in Docker (run npm ci)`,
      { cause },
    );
  }
}
