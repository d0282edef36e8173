import { CloudFormationClient, DescribeStacksCommand, type Output } from '@aws-sdk/client-cloudformation';
import { AccessDeniedError } from '../../core/errors.js';
import { StackOutputError } from './stack-outputs-error.js';

export { StackOutputError } from './stack-outputs-error.js';

/** The output of tracer's stack that holds the API's URL. */
export const API_URL_OUTPUT = 'ApiUrl';

function errorName(error: unknown): string {
  const name = (error as { name?: unknown } | null | undefined)?.name;
  return typeof name === 'string' ? name : '';
}

function pickOutput(outputs: readonly Output[], key: string): string | undefined {
  const exact = outputs.find((o) => o.OutputKey === key)?.OutputValue;
  if (exact) return exact;
  // A construct nested in another stack gets a prefixed, hashed key such as `TracerApiUrl1A2B3C4D`.
  const lower = key.toLowerCase();
  const candidates = outputs.filter((o) => o.OutputKey?.toLowerCase().includes(lower) && o.OutputValue);
  return candidates.length === 1 ? candidates[0]?.OutputValue : undefined;
}

/**
 * Reads a CloudFormation stack's outputs, for `--stack NAME`. The client is built by the caller the standard
 * way, so its region, profile and `AWS_ENDPOINT_URL_CLOUDFORMATION` apply.
 */
export class CloudFormationStackOutputs {
  private readonly client: CloudFormationClient;

  constructor(
    options: {
      readonly client?: CloudFormationClient;
      /** @default - AWS_PROFILE, then the default chain */
      readonly profile?: string;
      /** @default - AWS_REGION or the profile's region */
      readonly region?: string;
    } = {},
  ) {
    this.client =
      options.client ??
      new CloudFormationClient({
        ...(options.profile ? { profile: options.profile } : {}),
        ...(options.region ? { region: options.region } : {}),
      });
  }

  /** Releases the client's connections. */
  destroy(): void {
    this.client.destroy();
  }

  /**
   * The value of the output `key` of stack `stackName`.
   * @example const url = await new CloudFormationStackOutputs().getOutput('Tracer', 'ApiUrl');
   */
  async getOutput(stackName: string, key: string = API_URL_OUTPUT): Promise<string> {
    let outputs: readonly Output[];
    try {
      const answer = await this.client.send(new DescribeStacksCommand({ StackName: stackName }));
      outputs = answer.Stacks?.[0]?.Outputs ?? [];
    } catch (error) {
      const name = errorName(error);
      const message = error instanceof Error ? error.message : '';
      if (name === 'ValidationError' && /does not exist/i.test(message)) {
        throw new StackOutputError(stackName, 'stack-not-found', `stack ${stackName} does not exist`, {
          cause: error,
        });
      }
      if (name === 'AccessDenied' || name === 'AccessDeniedException') {
        throw new AccessDeniedError(
          `access denied reading stack ${stackName}: the caller needs cloudformation:DescribeStacks`,
          { cause: error },
        );
      }
      throw error;
    }
    const value = pickOutput(outputs, key);
    if (!value) {
      throw new StackOutputError(stackName, 'output-not-found', `stack ${stackName} has no ${key} output`);
    }
    return value;
  }
}
