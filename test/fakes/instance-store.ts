/**
 * An in-memory host history with the table's semantics: one entry per container instance event (by
 * version, else event id) and per EC2 notice (by event id), the first write wins, and a trace finds EC2's
 * notices through the EC2 instance that a container instance names.
 */
import type { ClusterId, HomeScope } from '../../lambda/core/cluster-id.js';
import { parseEcsEvent } from '../../lambda/core/ecs-event.js';
import type {
  ContainerInstanceChange,
  Ec2InstanceNotice,
  InstanceActivity,
} from '../../lambda/core/instance.js';
import type { InstanceEventStore, InstanceHistory } from '../../lambda/use-cases/ports.js';

export class InMemoryInstanceStore implements InstanceEventStore, InstanceHistory {
  readonly changes = new Map<string, Map<string, ContainerInstanceChange>>();
  readonly notices = new Map<string, Map<string, Ec2InstanceNotice>>();
  readonly mappings = new Map<string, string>();
  readonly queries: { clusterName: string; containerInstanceId: string; fromMs: number; toMs: number }[] = [];
  failWith?: Error;

  /** Parses and records the host events among EventBridge events; other events are left alone. */
  recordEvents(events: readonly unknown[]): this {
    for (const raw of events) {
      const event = parseEcsEvent(raw);
      if (event.type === 'container-instance-change') {
        void this.recordContainerInstanceChange(event.cluster, event.change);
        const { ec2InstanceId } = event.change;
        if (ec2InstanceId) void this.recordEc2Mapping(event.cluster, { ...event.change, ec2InstanceId });
      } else if (event.type === 'ec2-instance-notice') {
        void this.recordEc2InstanceNotice(event.scope, event.notice);
      }
    }
    return this;
  }

  /** Kept by cluster name: the fake's events are all of one account and region. */
  async recordContainerInstanceChange(_cluster: ClusterId, change: ContainerInstanceChange): Promise<void> {
    const key = `${change.clusterName}#${change.containerInstanceId}`;
    const entries = this.changes.get(key) ?? new Map<string, ContainerInstanceChange>();
    const id = change.version === undefined ? `e${change.eventId}` : `v${change.version}`;
    if (!entries.has(id)) entries.set(id, change);
    this.changes.set(key, entries);
  }

  async recordEc2Mapping(
    _cluster: ClusterId,
    change: ContainerInstanceChange & { readonly ec2InstanceId: string },
  ): Promise<void> {
    this.mappings.set(`${change.clusterName}#${change.containerInstanceId}`, change.ec2InstanceId);
  }

  async recordEc2InstanceNotice(_scope: HomeScope, notice: Ec2InstanceNotice): Promise<void> {
    const entries = this.notices.get(notice.ec2InstanceId) ?? new Map<string, Ec2InstanceNotice>();
    if (!entries.has(notice.eventId)) entries.set(notice.eventId, notice);
    this.notices.set(notice.ec2InstanceId, entries);
  }

  async listInstanceActivity(
    cluster: ClusterId,
    containerInstanceId: string,
    fromMs: number,
    toMs: number,
  ): Promise<InstanceActivity | undefined> {
    const clusterName = cluster.name;
    this.queries.push({ clusterName, containerInstanceId, fromMs, toMs });
    if (this.failWith) throw this.failWith;
    const key = `${clusterName}#${containerInstanceId}`;
    const within = (time: string) => Date.parse(time) >= fromMs && Date.parse(time) <= toMs;
    const changes = [...(this.changes.get(key)?.values() ?? [])].filter((c) => within(c.time));
    const ec2 = this.mappings.get(key);
    if (changes.length === 0 && !ec2) return undefined;
    const notices = ec2 ? [...(this.notices.get(ec2)?.values() ?? [])].filter((n) => within(n.time)) : [];
    return { changes, notices };
  }
}
