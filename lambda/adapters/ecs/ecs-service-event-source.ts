import {
  DescribeServicesCommand,
  type DescribeServicesCommandOutput,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import type { ServiceEvent } from '../../core/model.js';
import { redactSecrets } from '../../core/redact.js';
import { truncateText } from '../../core/text.js';
import type { ServiceEventSource } from '../../use-cases/ports.js';

export interface EcsServiceEventSourceOptions {
  readonly client: ECSClient;
}

/** Services that ECS no longer runs: their events are gone or about to go. */
const GONE_STATUSES: ReadonlySet<string> = new Set(['INACTIVE']);

/**
 * The service's recent events as DescribeServices returns them (ECS keeps the last 100), each with the
 * ECS event id as its identity so that copying them again changes nothing. A service that is missing or
 * inactive, or whose cluster is gone, has no events to copy. Other errors are thrown.
 */
export class EcsServiceEventSource implements ServiceEventSource {
  constructor(private readonly options: EcsServiceEventSourceOptions) {}

  async recentServiceEvents(clusterName: string, serviceName: string): Promise<ServiceEvent[] | undefined> {
    let result: DescribeServicesCommandOutput;
    try {
      result = await this.options.client.send(
        new DescribeServicesCommand({ cluster: clusterName, services: [serviceName] }),
      );
    } catch (error) {
      if (error instanceof Error && error.name === 'ClusterNotFoundException') return undefined;
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
