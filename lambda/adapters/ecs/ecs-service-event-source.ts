import {
  DescribeServicesCommand,
  type DescribeServicesCommandOutput,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import { ReadRoleError } from '../../core/errors.js';
import type { ServiceEvent } from '../../core/model.js';
import { redactSecrets } from '../../core/redact.js';
import { truncateText } from '../../core/text.js';
import type { RecentServiceEventsOptions, ServiceEventSource } from '../../use-cases/ports.js';
import type { AccountClientSource } from '../account-clients.js';

export interface EcsServiceEventSourceOptions {
  readonly client: ECSClient;
  /**
   * The clients of each account: a service of another account (the options' `scope`) is described
   * through that account's read role.
   * @default - every service is described with `client`
   */
  readonly accounts?: Pick<AccountClientSource, 'ecs' | 'readRoleOf'>;
}

/** Services that ECS no longer runs: their events are gone or about to go. */
const GONE_STATUSES: ReadonlySet<string> = new Set(['INACTIVE']);

/**
 * The service's recent events as DescribeServices returns them (ECS keeps the last 100), each with the
 * ECS event id as its identity so that copying them again changes nothing. A service that is missing or
 * inactive, or whose cluster is gone, has no events to copy. Other errors are thrown; a denial to a read
 * role as `ReadRoleError`, which names the role.
 */
export class EcsServiceEventSource implements ServiceEventSource {
  constructor(private readonly options: EcsServiceEventSourceOptions) {}

  async recentServiceEvents(
    clusterName: string,
    serviceName: string,
    options: RecentServiceEventsOptions = {},
  ): Promise<ServiceEvent[] | undefined> {
    const accounts = this.options.accounts;
    const client = accounts ? accounts.ecs(options.scope) : this.options.client;
    let result: DescribeServicesCommandOutput;
    try {
      result = await client.send(
        new DescribeServicesCommand({ cluster: clusterName, services: [serviceName] }),
      );
    } catch (error) {
      if (error instanceof Error && error.name === 'ClusterNotFoundException') return undefined;
      const role = accounts?.readRoleOf(options.scope);
      if (role && error instanceof Error && error.name === 'AccessDeniedException') {
        throw new ReadRoleError(role, error.name, 'read', { cause: error });
      }
      throw error;
    }
    const service = result.services?.find((s) => s.serviceName === serviceName) ?? result.services?.[0];
    if (!service || (service.status !== undefined && GONE_STATUSES.has(service.status))) return undefined;
    return (service.events ?? []).flatMap((event) => {
      if (!event.id || !event.createdAt || event.message === undefined) return [];
      const message = truncateText(redactSecrets(event.message));
      return [
        {
          clusterName,
          serviceName,
          eventId: event.id,
          createdAt: event.createdAt.toISOString(),
          message,
          source: 'describe-services' as const,
        },
      ];
    });
  }
}
