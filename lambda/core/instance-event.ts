/**
 * Parses the host events tracer records: `ECS Container Instance State Change` (source `aws.ecs`), and
 * `EC2 Spot Instance Interruption Warning` and `EC2 Instance Rebalance Recommendation` (source `aws.ec2`).
 * Every detail field but the instance's identity may be missing: what is absent is not stored.
 */
import * as z from 'zod/mini';
import { arnToName } from './arn.js';
import { InvalidTaskEventError } from './errors.js';
import {
  type ContainerInstanceChange,
  clusterOfContainerInstanceArn,
  containerInstanceIdOf,
  type Ec2InstanceNotice,
} from './instance.js';

export const CONTAINER_INSTANCE_STATE_CHANGE = 'ECS Container Instance State Change';
export const SPOT_INTERRUPTION_WARNING = 'EC2 Spot Instance Interruption Warning';
export const REBALANCE_RECOMMENDATION = 'EC2 Instance Rebalance Recommendation';
/** The `aws.ec2` detail types the recorder accepts; its EventBridge rule matches exactly these. */
export const RECORDED_EC2_DETAIL_TYPES = [SPOT_INTERRUPTION_WARNING, REBALANCE_RECOMMENDATION] as const;

const nullish = <T extends z.ZodMiniType>(schema: T) => z.optional(z.nullable(schema));
const isoTimestamp = z
  .string()
  .check(z.refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 timestamp'));

const containerInstanceDetailSchema = z.object({
  containerInstanceArn: nullish(z.string()),
  clusterArn: nullish(z.string()),
  ec2InstanceId: nullish(z.string()),
  status: nullish(z.string()),
  agentConnected: nullish(z.boolean()),
  version: nullish(
    z.union([z.int().check(z.gte(0)), z.pipe(z.string().check(z.regex(/^\d+$/)), z.transform(Number))]),
  ),
  updatedAt: nullish(isoTimestamp),
});

const ec2DetailSchema = z.object({
  'instance-id': nullish(z.string()),
  'instance-action': nullish(z.string()),
});

/** The envelope fields the host parsers read; ecs-event.ts validates them first. */
export interface HostEventEnvelope {
  readonly id: string;
  readonly 'detail-type': string;
  readonly time: string;
  readonly resources?: readonly string[] | null;
  readonly detail: Record<string, unknown>;
}

const EC2_INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;

function describeFirstIssue(error: { readonly issues: readonly z.core.$ZodIssue[] }): string {
  const issue = error.issues[0];
  return `detail.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`;
}

const iso = (value: string) => new Date(Date.parse(value)).toISOString();

/**
 * An `ECS Container Instance State Change` event as tracer keeps it. The container instance ARN comes
 * from the detail, else from `resources`; the cluster from `detail.clusterArn`, else from a new-format ARN.
 * @throws InvalidTaskEventError when the event names no container instance or no cluster.
 * @example parseContainerInstanceDetail(envelope).status === 'DRAINING'
 */
export function parseContainerInstanceDetail(event: HostEventEnvelope): ContainerInstanceChange {
  const parsed = containerInstanceDetailSchema.safeParse(event.detail);
  if (!parsed.success) throw new InvalidTaskEventError(describeFirstIssue(parsed.error), event.id);
  const d = parsed.data;
  const arn =
    d.containerInstanceArn ??
    (event.resources ?? []).find((r) => containerInstanceIdOf(r) !== undefined) ??
    undefined;
  const containerInstanceId = arn ? containerInstanceIdOf(arn) : undefined;
  if (!arn || !containerInstanceId) {
    throw new InvalidTaskEventError(
      'detail.containerInstanceArn: missing, and resources name no container instance',
      event.id,
    );
  }
  const clusterName = d.clusterArn ? arnToName(d.clusterArn) : clusterOfContainerInstanceArn(arn);
  if (!clusterName) {
    throw new InvalidTaskEventError(
      'detail.clusterArn: missing, and the container instance ARN names no cluster',
      event.id,
    );
  }
  return {
    eventId: event.id,
    time: iso(d.updatedAt ?? event.time),
    clusterName,
    containerInstanceArn: arn,
    containerInstanceId,
    ...(d.version != null ? { version: d.version } : {}),
    ...(d.status ? { status: d.status } : {}),
    ...(d.agentConnected != null ? { agentConnected: d.agentConnected } : {}),
    ...(d.ec2InstanceId ? { ec2InstanceId: d.ec2InstanceId } : {}),
  };
}

/**
 * An EC2 Spot interruption warning or rebalance recommendation. The instance id comes from
 * `detail.instance-id`, else from the instance ARN in `resources`.
 * @throws InvalidTaskEventError when the event names no EC2 instance.
 * @example parseEc2InstanceDetail(envelope).notice === 'spot-interruption-warning'
 */
export function parseEc2InstanceDetail(event: HostEventEnvelope): Ec2InstanceNotice {
  const parsed = ec2DetailSchema.safeParse(event.detail);
  if (!parsed.success) throw new InvalidTaskEventError(describeFirstIssue(parsed.error), event.id);
  const d = parsed.data;
  const fromResources = (event.resources ?? [])
    .map((r) => /:instance\/(i-[0-9a-f]+)$/.exec(r)?.[1])
    .find((id) => id !== undefined);
  const ec2InstanceId = d['instance-id'] ?? fromResources;
  if (!ec2InstanceId || !EC2_INSTANCE_ID.test(ec2InstanceId)) {
    throw new InvalidTaskEventError(
      `detail.instance-id: expected an EC2 instance id (i-...), got ${ec2InstanceId ? `"${ec2InstanceId.slice(0, 40)}"` : 'nothing'}`,
      event.id,
    );
  }
  const notice =
    event['detail-type'] === SPOT_INTERRUPTION_WARNING
      ? 'spot-interruption-warning'
      : 'rebalance-recommendation';
  return {
    eventId: event.id,
    time: iso(event.time),
    ec2InstanceId,
    notice,
    ...(d['instance-action'] ? { instanceAction: d['instance-action'] } : {}),
  };
}
