/**
 * Parses the host events tracer records: `ECS Container Instance State Change` (source `aws.ecs`), and
 * `EC2 Spot Instance Interruption Warning` and `EC2 Instance Rebalance Recommendation` (source `aws.ec2`).
 * Every detail field but the instance's identity may be missing: what is absent is not stored.
 */
import * as v from 'valibot';
import { arnToName } from './arn.js';
import { InvalidTaskEventError } from './errors.js';
import {
  type ContainerInstanceChange,
  clusterOfContainerInstanceArn,
  containerInstanceIdOf,
  type Ec2InstanceNotice,
} from './instance.js';
import { normalIso } from './iso-time.js';
import { describeIssues, isoTimestamp, safeParse, wholeNumber } from './validation.js';

export const CONTAINER_INSTANCE_STATE_CHANGE = 'ECS Container Instance State Change';
export const SPOT_INTERRUPTION_WARNING = 'EC2 Spot Instance Interruption Warning';
export const REBALANCE_RECOMMENDATION = 'EC2 Instance Rebalance Recommendation';
/** The `aws.ec2` detail types the recorder accepts; its EventBridge rule matches exactly these. */
export const RECORDED_EC2_DETAIL_TYPES = [SPOT_INTERRUPTION_WARNING, REBALANCE_RECOMMENDATION] as const;

const containerInstanceDetailSchema = v.object({
  containerInstanceArn: v.nullish(v.string()),
  clusterArn: v.nullish(v.string()),
  ec2InstanceId: v.nullish(v.string()),
  status: v.nullish(v.string()),
  agentConnected: v.nullish(v.boolean()),
  version: v.nullish(wholeNumber),
  updatedAt: v.nullish(isoTimestamp()),
});

const ec2DetailSchema = v.object({
  'instance-id': v.nullish(v.string()),
  'instance-action': v.nullish(v.string()),
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

/**
 * An `ECS Container Instance State Change` event as tracer keeps it. The container instance ARN comes
 * from the detail, else from `resources`; the cluster from `detail.clusterArn`, else from a new-format ARN.
 * @throws InvalidTaskEventError when the event names no container instance or no cluster.
 * @example parseContainerInstanceDetail(envelope).status === 'DRAINING'
 */
export function parseContainerInstanceDetail(event: HostEventEnvelope): ContainerInstanceChange {
  const parsed = safeParse(containerInstanceDetailSchema, event.detail);
  if (!parsed.success) throw new InvalidTaskEventError(describeIssues(parsed.issues, 1, 'detail.'), event.id);
  const d = parsed.output;
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
    time: normalIso(d.updatedAt ?? event.time),
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
  const parsed = safeParse(ec2DetailSchema, event.detail);
  if (!parsed.success) throw new InvalidTaskEventError(describeIssues(parsed.issues, 1, 'detail.'), event.id);
  const d = parsed.output;
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
    time: normalIso(event.time),
    ec2InstanceId,
    notice,
    ...(d['instance-action'] ? { instanceAction: d['instance-action'] } : {}),
  };
}
