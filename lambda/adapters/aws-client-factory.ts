/**
 * AWS clients for tools that run on a person's machine (the CLI's `--live` mode, the MCP server), where
 * `--profile` and `--region` choose the account and region. Lambdas build their clients the standard way
 * from their environment instead.
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient } from '@aws-sdk/client-ecs';

/** The profile and region the person chose; absent values fall back to AWS_PROFILE and AWS_REGION. */
export interface AwsClientSettings {
  readonly profile?: string;
  readonly region?: string;
}

/** ECS and CloudWatch Logs throttle bursts; the SDK's standard retry strategy absorbs them. */
const MAX_ATTEMPTS = 8;

/** The clients of one tool run, created on first use and destroyed together. */
export class AwsClientFactory {
  private ecsClient?: ECSClient;
  private readonly logsClients = new Map<string, CloudWatchLogsClient>();

  constructor(private readonly settings: AwsClientSettings = {}) {}

  /** The ECS client of the chosen region. */
  ecs(): ECSClient {
    this.ecsClient ??= new ECSClient({ ...this.base(), maxAttempts: MAX_ATTEMPTS });
    return this.ecsClient;
  }

  /**
   * The CloudWatch Logs client of a region (a container's `awslogs-region`), or of the chosen region.
   * @example const client = clients.logs('eu-west-1');
   */
  logs(region: string | undefined): CloudWatchLogsClient {
    const key = region ?? '';
    let client = this.logsClients.get(key);
    if (!client) {
      client = new CloudWatchLogsClient({
        ...this.base(),
        ...(region ? { region } : {}),
        maxAttempts: MAX_ATTEMPTS,
      });
      this.logsClients.set(key, client);
    }
    return client;
  }

  /** Closes every client's connections. */
  destroy(): void {
    this.ecsClient?.destroy();
    for (const client of this.logsClients.values()) client.destroy();
    this.logsClients.clear();
  }

  private base(): { profile?: string; region?: string } {
    return {
      ...(this.settings.profile ? { profile: this.settings.profile } : {}),
      ...(this.settings.region ? { region: this.settings.region } : {}),
    };
  }
}
