/**
 * Opens the source that the flags select. Each implementation, and the AWS SDK behind it, is loaded only
 * here, on the path that needs it: `tracer --help` never pays for it.
 */
import type { ApiSourceOptions } from '../adapters/http/api-source.js';
import type { SourceOptions } from './args.js';
import { NoSourceError } from './errors.js';
import type { TracerSource } from './source.js';

export interface OpenSourceContext {
  /** Sends the API client's requests; tests pass one that records them. @default - HTTP(S) */
  readonly transport?: ApiSourceOptions['transport'];
  /** Sent as `user-agent` to the API. */
  readonly userAgent?: string;
  /** The waits between the API client's retries, and their clock; tests pass ones that do not wait. */
  readonly retryTiming?: {
    readonly sleep: (ms: number) => Promise<void>;
    readonly nowMs?: () => number;
    readonly random?: () => number;
  };
}

/**
 * The API at `--endpoint` (signed unless it is plain HTTP on loopback), the API of `--stack` (its ApiUrl
 * output), or ECS and CloudWatch Logs with `--live`.
 * @throws NoSourceError when none was chosen.
 * @example const source = await openTracerSource({ selection: { kind: 'endpoint', endpoint: 'http://127.0.0.1:8787' } });
 */
export async function openTracerSource(
  options: SourceOptions,
  context: OpenSourceContext = {},
): Promise<TracerSource> {
  const { selection, profile, region } = options;
  const aws = { ...(profile ? { profile } : {}), ...(region ? { region } : {}) };
  switch (selection.kind) {
    case 'none':
      throw new NoSourceError();
    case 'live': {
      const [{ LiveSource }, { RegionRoutedSource }] = await Promise.all([
        import('./live-source.js'),
        import('./live-regions.js'),
      ]);
      // A cluster ARN of another region is read there, with the same profile; one of another account is refused.
      return new RegionRoutedSource(
        (chosen) => LiveSource.create({ ...aws, ...(chosen ? { region: chosen } : {}) }),
        region,
        async () => (await import('../adapters/sts/caller-account.js')).callerAccount(aws),
      );
    }
    case 'endpoint':
    case 'stack': {
      const endpoint =
        selection.kind === 'endpoint'
          ? selection.endpoint
          : await readStackEndpoint(selection.stackName, aws);
      const { ApiSource } = await import('../adapters/http/api-source.js');
      return new ApiSource({
        endpoint,
        ...aws,
        ...(selection.kind === 'endpoint' && selection.signHost ? { signHost: selection.signHost } : {}),
        ...(context.transport ? { transport: context.transport } : {}),
        ...(context.userAgent ? { userAgent: context.userAgent } : {}),
        ...context.retryTiming,
      });
    }
  }
}

async function readStackEndpoint(
  stackName: string,
  aws: { readonly profile?: string; readonly region?: string },
): Promise<string> {
  const { CloudFormationStackOutputs, API_URL_OUTPUT } = await import(
    '../adapters/cloudformation/stack-outputs.js'
  );
  // A stack ARN names the stack's region, which may differ from --region, the region of the clusters.
  const stackRegion = /^arn:aws[a-z-]*:cloudformation:([a-z0-9-]+):/.exec(stackName)?.[1];
  const outputs = new CloudFormationStackOutputs(stackRegion ? { ...aws, region: stackRegion } : aws);
  try {
    return await outputs.getOutput(stackName, API_URL_OUTPUT);
  } finally {
    outputs.destroy();
  }
}
