/**
 * The host's side of an EC2 task's story: what its container instance went through (status, agent
 * connection) and what EC2 said about the instance underneath (Spot interruption warnings, rebalance
 * recommendations), as `INSTANCE` trace lines.
 */
import type { TraceLine } from './trace.js';

export const INSTANCE_SOURCE = 'INSTANCE';

/** The container instance statuses ECS reports. An open string in events: ECS may add more. */
export const CONTAINER_INSTANCE_STATUSES = [
  'REGISTERING',
  'REGISTRATION_FAILED',
  'ACTIVE',
  'DRAINING',
  'DEREGISTERING',
  'INACTIVE',
] as const;

/** One `ECS Container Instance State Change` event, as tracer keeps it. */
export interface ContainerInstanceChange {
  /** EventBridge id: identifies an event without a version. */
  readonly eventId: string;
  /** When the change happened: `detail.updatedAt`, else the event's time. */
  readonly time: string;
  readonly clusterName: string;
  readonly containerInstanceArn: string;
  /** The last part of the container instance ARN. */
  readonly containerInstanceId: string;
  /** `detail.version`: orders one container instance's events; the same version is the same event. */
  readonly version?: number;
  readonly status?: string;
  readonly agentConnected?: boolean;
  readonly ec2InstanceId?: string;
}

export type Ec2InstanceNoticeKind = 'spot-interruption-warning' | 'rebalance-recommendation';

/** An EC2 event about one instance: `EC2 Spot Instance Interruption Warning` or `EC2 Instance Rebalance Recommendation`. */
export interface Ec2InstanceNotice {
  readonly eventId: string;
  readonly time: string;
  readonly ec2InstanceId: string;
  readonly notice: Ec2InstanceNoticeKind;
  /** `instance-action` of a Spot warning: `terminate`, `stop` or `hibernate`. */
  readonly instanceAction?: string;
}

/** What tracer knows of one container instance over a span of time. */
export interface InstanceActivity {
  readonly changes: readonly ContainerInstanceChange[];
  readonly notices: readonly Ec2InstanceNotice[];
  /** Set when the changes come from DescribeContainerInstances (the state now) rather than recorded events. */
  readonly live?: boolean;
}

/**
 * The id of a container instance ARN, old (`container-instance/<id>`) or new
 * (`container-instance/<cluster>/<id>`) format; undefined for anything else.
 * @example containerInstanceIdOf('arn:aws:ecs:eu-west-1:1:container-instance/Features/0c30') === '0c30'
 */
export function containerInstanceIdOf(arn: string): string | undefined {
  const m = /:container-instance\/(?:([^/]+)\/)?([^/]+)$/.exec(arn);
  return m?.[2];
}

/** The cluster named in a new-format container instance ARN. */
export function clusterOfContainerInstanceArn(arn: string): string | undefined {
  return /:container-instance\/([^/]+)\/[^/]+$/.exec(arn)?.[1];
}

/** Orders changes by version (the order ECS gives), then time, then event id, so any arrival order gives one story. */
function compareChanges(a: ContainerInstanceChange, b: ContainerInstanceChange): number {
  if (a.version !== undefined && b.version !== undefined && a.version !== b.version) {
    return a.version - b.version;
  }
  const byTime = Date.parse(a.time) - Date.parse(b.time);
  if (byTime !== 0) return byTime;
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

function statusMessage(status: string, ec2InstanceId: string | undefined): string {
  return ec2InstanceId ? `${status} (${ec2InstanceId})` : status;
}

function noticeMessage(notice: Ec2InstanceNotice): string {
  if (notice.notice === 'rebalance-recommendation')
    return `rebalance recommendation (${notice.ec2InstanceId})`;
  const action = notice.instanceAction ? `, action ${notice.instanceAction}` : '';
  return `Spot interruption warning (${notice.ec2InstanceId}${action})`;
}

/** The span of a task's life that its host's lines belong to, epoch ms inclusive. */
export interface InstanceSpan {
  readonly fromMs: number;
  readonly toMs: number;
}

/**
 * The `INSTANCE` lines of a span: one for each change of status and of the agent's connection, and one
 * per EC2 notice. A task is only placed on an ACTIVE instance whose agent is connected, so that is the
 * state a change is compared with when nothing earlier is known; changes before the span only set the
 * state that the first line in the span is compared with. Container instance events that change
 * neither (ECS sends one for every change of the remaining resources) give no line.
 * @example instanceLines(activity, { fromMs, toMs })[0]?.message === 'DRAINING (i-0a1b2c3d4e5f60789)'
 */
export function instanceLines(activity: InstanceActivity, span: InstanceSpan): TraceLine[] {
  const lines: TraceLine[] = [];
  let status = 'ACTIVE';
  let agentConnected = true;
  const inSpan = (ms: number) => ms >= span.fromMs && ms <= span.toMs;
  const seen = new Set<string>();
  const changes = [...activity.changes]
    .filter((c) => {
      const key = c.version === undefined ? `e${c.eventId}` : `v${c.version}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort(compareChanges);
  for (const change of changes) {
    const epochMs = Date.parse(change.time);
    if (Number.isNaN(epochMs)) continue;
    const show = activity.live || inSpan(epochMs);
    const atMs = activity.live ? Math.min(Math.max(epochMs, span.fromMs), span.toMs) : epochMs;
    const suffix = activity.live ? ' (as ECS reports it now)' : '';
    if (change.status !== undefined && change.status !== status) {
      status = change.status;
      if (show) {
        const message = statusMessage(status, change.ec2InstanceId) + suffix;
        lines.push({ epochMs: atMs, source: INSTANCE_SOURCE, message, kind: 'instance' });
      }
    }
    if (change.agentConnected !== undefined && change.agentConnected !== agentConnected) {
      agentConnected = change.agentConnected;
      if (show) {
        const message = `agent ${agentConnected ? 'connected' : 'disconnected'}${suffix}`;
        lines.push({ epochMs: atMs, source: INSTANCE_SOURCE, message, kind: 'instance' });
      }
    }
  }
  const noticeIds = new Set<string>();
  for (const notice of activity.notices) {
    const epochMs = Date.parse(notice.time);
    if (Number.isNaN(epochMs) || !inSpan(epochMs) || noticeIds.has(notice.eventId)) continue;
    noticeIds.add(notice.eventId);
    lines.push({ epochMs, source: INSTANCE_SOURCE, message: noticeMessage(notice), kind: 'instance' });
  }
  return lines.sort((a, b) => a.epochMs - b.epochMs);
}

/** What the host did up to a task's stop, for the diagnosis. */
export interface HostHistory {
  readonly drained: boolean;
  readonly agentDisconnected: boolean;
  readonly deregistered: boolean;
  readonly spotWarning?: Ec2InstanceNotice;
  readonly ec2InstanceId?: string;
}

/**
 * Sums up the host's activity from the task's creation to its stop (`span`) for the diagnosis: whether
 * the instance was drained, lost its agent, was deregistered, or got a Spot interruption warning.
 * @example hostHistory(activity, span).drained
 */
export function hostHistory(activity: InstanceActivity, span: InstanceSpan): HostHistory {
  const inSpan = (time: string) => {
    const ms = Date.parse(time);
    return activity.live === true || (ms >= span.fromMs && ms <= span.toMs);
  };
  const changes = activity.changes.filter((c) => inSpan(c.time));
  const spotWarning = activity.notices.find(
    (n) => n.notice === 'spot-interruption-warning' && inSpan(n.time),
  );
  const ec2InstanceId = activity.changes.find((c) => c.ec2InstanceId)?.ec2InstanceId;
  return {
    drained: changes.some((c) => c.status === 'DRAINING'),
    agentDisconnected: changes.some((c) => c.agentConnected === false),
    deregistered: changes.some((c) => c.status === 'INACTIVE' || c.status === 'DEREGISTERING'),
    ...(spotWarning ? { spotWarning } : {}),
    ...(ec2InstanceId ? { ec2InstanceId } : {}),
  };
}
