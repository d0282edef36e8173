import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** The directory holding package.json, lambda/ and lib/: entries are resolved against it. */
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Every tracer function runs on the newest GA Node.js runtime on Graviton. */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;
export const FUNCTION_ARCHITECTURE = lambda.Architecture.ARM_64;

/** The bundler every function goes through; the bundle benchmark imports it too. */
const BUNDLER = join(PROJECT_ROOT, 'scripts/lambda-bundle.mjs');

export {
  BUNDLE_ALIASES,
  BUNDLE_TARGET,
  ESM_REQUIRE_BANNER,
  KEPT_SDK_ERRORS,
} from '../../scripts/lambda-bundle.mjs';

const HANDLERS_DIR = 'lambda/handlers/';

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
 * minified ESM file with a source map, the AWS SDK v3 included (see scripts/lambda-bundle.mjs for what is
 * left out of it), Node.js on arm64, its own log group with a retention, and a role that starts with
 * nothing but writing to that log group.
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
    this.function = new lambda.Function(this, 'Function', {
      ...options,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(PROJECT_ROOT, {
        // The bundle's own bytes name the asset: fingerprinting the project directory would read node_modules.
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          // Never used: bundling is local (tryBundle succeeds or throws), but CDK requires an image.
          image: FUNCTION_RUNTIME.bundlingImage,
          // What the image would run. CDK also caches bundles by these options, so each entry needs its own.
          command: ['node', 'scripts/lambda-bundle.mjs', relative(PROJECT_ROOT, entry), '/asset-output'],
          local: { tryBundle: (outputDir) => bundleLocally(id, entry, outputDir) },
        },
      }),
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

/**
 * Runs scripts/lambda-bundle.mjs in a child process: CDK asks for bundling synchronously, and esbuild
 * plugins only run in its asynchronous API.
 */
function bundleLocally(id: string, entry: string, outputDir: string): true {
  const result = spawnSync(process.execPath, [BUNDLER, entry, outputDir], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0) {
    throw new Error(
      `${id}: bundling ${relative(PROJECT_ROOT, entry)} failed (${result.error?.message ?? `exit code ${result.status}`})`,
    );
  }
  return true;
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
