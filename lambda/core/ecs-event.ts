import * as v from 'valibot';
import { arnToName, parseTaskArn } from './arn.js';
import { type ClusterId, clusterIdOfArn } from './cluster-id.js';
import { InvalidTaskEventError } from './errors.js';
import {
  CONTAINER_INSTANCE_STATE_CHANGE,
  parseContainerInstanceDetail,
  parseEc2InstanceDetail,
  RECORDED_EC2_DETAIL_TYPES,
} from './instance-event.js';
import { isoToEpochMs, normalIso } from './iso-time.js';
import {
  type ContainerState,
  type EcsEvent,
  LIFECYCLE_TIMESTAMPS,
  type ServiceEvent,
  type TaskTransition,
} from './model.js';
import { redactSecrets } from './redact.js';
import { MAX_REASON_CHARS, truncateText } from './text.js';
import { describeIssues, safeParse, isoTimestamp as schemaIsoTimestamp, wholeNumber } from './validation.js';

export const TASK_STATE_CHANGE = 'ECS Task State Change';
export const SERVICE_ACTION = 'ECS Service Action';
export const DEPLOYMENT_STATE_CHANGE = 'ECS Deployment State Change';
/** The `aws.ecs` detail types the recorder accepts; the EventBridge rule matches exactly these. */
export const RECORDED_DETAIL_TYPES = [
  TASK_STATE_CHANGE,
  SERVICE_ACTION,
  DEPLOYMENT_STATE_CHANGE,
  CONTAINER_INSTANCE_STATE_CHANGE,
] as const;
export { RECORDED_EC2_DETAIL_TYPES };

// Unknown fields are stripped, never rejected: ECS adds fields over time.
const isoTimestamp = schemaIsoTimestamp((s) => !Number.isNaN(isoToEpochMs(s)));
// ECS leaves fields out as well as sending them as null.
const optionalString = v.nullish(v.string());
const nonEmptyString = v.pipe(v.string(), v.minLength(1));
/** ECS sends task sizes as strings; a number is read as its decimal text. */
const sizeText = v.nullish(v.union([v.string(), v.pipe(v.number(), v.transform(String))]));

const containerSchema = v.object({
  name: nonEmptyString,
  image: optionalString,
  imageDigest: optionalString,
  lastStatus: optionalString,
  exitCode: v.nullish(v.pipe(v.number(), v.integer())),
  reason: optionalString,
  healthStatus: optionalString,
  runtimeId: optionalString,
});

const lifecycleTimestamps = Object.fromEntries(
  LIFECYCLE_TIMESTAMPS.map((field) => [field, v.nullish(isoTimestamp)]),
) as Record<(typeof LIFECYCLE_TIMESTAMPS)[number], v.NullishSchema<typeof isoTimestamp, undefined>>;

const taskDetailSchema = v.object({
  taskArn: nonEmptyString,
  clusterArn: optionalString,
  version: wholeNumber,
  lastStatus: nonEmptyString,
  desiredStatus: optionalString,
  stopCode: optionalString,
  stoppedReason: optionalString,
  group: optionalString,
  launchType: optionalString,
  taskDefinitionArn: optionalString,
  capacityProviderName: optionalString,
  availabilityZone: optionalString,
  cpu: sizeText,
  memory: sizeText,
  platformVersion: optionalString,
  startedBy: optionalString,
  containerInstanceArn: optionalString,
  containers: v.nullish(v.array(containerSchema)),
  ...lifecycleTimestamps,
});

const serviceDetailSchema = v.object({
  eventName: nonEmptyString,
  eventType: optionalString,
  clusterArn: optionalString,
  createdAt: v.nullish(isoTimestamp),
  updatedAt: v.nullish(isoTimestamp),
  reason: optionalString,
  deploymentId: optionalString,
  capacityProviderArns: v.nullish(v.array(v.string())),
});

const envelopeSchema = v.object({
  id: nonEmptyString,
  'detail-type': v.string(),
  source: v.picklist(['aws.ecs', 'aws.ec2']),
  account: v.string(),
  time: isoTimestamp,
  region: v.string(),
  resources: v.nullish(v.array(v.string())),
  // Checked, not copied: the detail schemas below read the fields tracer keeps.
  detail: v.custom<Record<string, unknown>>(
    (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
    'Invalid input: expected an object',
  ),
});

function iso(value: string | null | undefined): string | undefined {
  return value == null ? undefined : normalIso(value);
}

function text(value: string | null | undefined): string | undefined {
  return value == null ? undefined : truncateText(redactSecrets(value), MAX_REASON_CHARS);
}

/** Drops undefined and null so that stored items carry only what the event carried. */
function compact<T extends object>(value: T): T {
  // A loop, not Object.entries and fromEntries: it runs for every event and container the recorder reads.
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined && v !== null) out[key] = v;
  }
  return out as T;
}

/**
 * The EventBridge id of a raw event, when it has one, for logs about events that may not parse.
 * @example eventIdOf({ id: 'abc' }) === 'abc'
 */
export function eventIdOf(raw: unknown): string | undefined {
  if (typeof raw === 'object' && raw !== null && 'id' in raw && typeof raw.id === 'string') return raw.id;
  return undefined;
}

/**
 * Parses an EventBridge event from `aws.ecs` (or a host event from `aws.ec2`, instance-event.ts) into
 * what tracer records. Accepts unknown fields, missing
 * optional fields (`exitCode`, `stopCode`, `containers`) and old task ARNs without a cluster name.
 * Reasons are redacted and bounded here, at the edge, so nothing downstream sees a credential.
 * @throws InvalidTaskEventError naming the field that is wrong.
 * @example parseEcsEvent(JSON.parse(body)).type === 'task-state-change'
 */
export function parseEcsEvent(raw: unknown): EcsEvent {
  const eventId = eventIdOf(raw);
  // An array passes an object schema's own check; it is no event either.
  if (Array.isArray(raw)) {
    throw new InvalidTaskEventError('(event): Invalid input: expected object, received array', eventId);
  }
  const envelope = safeParse(envelopeSchema, raw);
  if (!envelope.success) throw new InvalidTaskEventError(describeIssues(envelope.issues, 3), eventId);
  const event = envelope.output;
  if (event.source === 'aws.ec2') {
    if ((RECORDED_EC2_DETAIL_TYPES as readonly string[]).includes(event['detail-type'])) {
      return {
        type: 'ec2-instance-notice',
        notice: parseEc2InstanceDetail(event),
        scope: { account: event.account, region: event.region },
      };
    }
    throw new InvalidTaskEventError(`unsupported aws.ec2 detail-type "${event['detail-type']}"`, event.id);
  }
  switch (event['detail-type']) {
    case CONTAINER_INSTANCE_STATE_CHANGE: {
      const change = parseContainerInstanceDetail(event);
      const cluster = clusterOfEvent(event, change.clusterName, change.containerInstanceArn);
      return { type: 'container-instance-change', change, cluster };
    }
    case TASK_STATE_CHANGE: {
      return { type: 'task-state-change', transition: parseTaskDetail(event) };
    }
    case SERVICE_ACTION:
    case DEPLOYMENT_STATE_CHANGE: {
      const serviceEvent = parseServiceDetail(event);
      const serviceArn = (event.resources ?? []).find((r) => SERVICE_ARN.test(r));
      const cluster = clusterOfEvent(event, serviceEvent.clusterName, serviceArn);
      return { type: 'service-event', event: serviceEvent, cluster };
    }
    default:
      throw new InvalidTaskEventError(`unsupported detail-type "${event['detail-type']}"`, event.id);
  }
}

type Envelope = v.InferOutput<typeof envelopeSchema>;

const ECS_RESOURCE_ARN = /^arn:aws[a-z-]*:ecs:([a-z0-9-]+):(\d{12}):/;

/**
 * The cluster of a service or container instance event: the cluster ARN in the detail names its account
 * and region; else the resource's own ARN; else the event's account and region.
 */
function clusterOfEvent(event: Envelope, clusterName: string, resourceArn: string | undefined): ClusterId {
  const clusterArn = typeof event.detail.clusterArn === 'string' ? event.detail.clusterArn : undefined;
  const fromCluster = clusterArn === undefined ? undefined : clusterIdOfArn(clusterArn);
  if (fromCluster?.name === clusterName) return fromCluster;
  const m = resourceArn === undefined ? null : ECS_RESOURCE_ARN.exec(resourceArn);
  return m
    ? { account: m[2] as string, region: m[1] as string, name: clusterName }
    : { account: event.account, region: event.region, name: clusterName };
}

function parseTaskDetail(event: Envelope): TaskTransition {
  const parsed = safeParse(taskDetailSchema, event.detail);
  if (!parsed.success) {
    throw new InvalidTaskEventError(describeIssues(parsed.issues, 3, 'detail.'), event.id);
  }
  const d = parsed.output as v.InferOutput<typeof taskDetailSchema> &
    Record<string, string | null | undefined>;
  const arn = parseTaskArn(d.taskArn);
  if (!arn)
    throw new InvalidTaskEventError(`detail.taskArn: "${d.taskArn}" is not an ECS task ARN`, event.id);
  const clusterArn = d.clusterArn ?? undefined;
  const clusterName = clusterArn ? arnToName(clusterArn) : arn.cluster;
  if (!clusterName) {
    throw new InvalidTaskEventError(
      'detail.clusterArn: missing, and the task ARN names no cluster',
      event.id,
    );
  }
  const containers: ContainerState[] = (d.containers ?? []).map((c) =>
    compact({
      name: c.name,
      image: c.image ?? undefined,
      imageDigest: c.imageDigest ?? undefined,
      lastStatus: c.lastStatus ?? undefined,
      exitCode: c.exitCode ?? undefined,
      reason: text(c.reason),
      healthStatus: c.healthStatus ?? undefined,
      runtimeId: c.runtimeId ?? undefined,
    }),
  );
  const timestamps = Object.fromEntries(LIFECYCLE_TIMESTAMPS.map((field) => [field, iso(d[field])]));
  return compact({
    eventId: event.id,
    eventTime: iso(event.time) ?? event.time,
    region: event.region,
    account: event.account,
    clusterArn: clusterArn ?? `arn:${arn.partition}:ecs:${arn.region}:${arn.account}:cluster/${clusterName}`,
    clusterName,
    taskArn: d.taskArn,
    taskId: arn.taskId,
    version: d.version,
    lastStatus: d.lastStatus,
    desiredStatus: d.desiredStatus ?? undefined,
    stopCode: d.stopCode ?? undefined,
    stoppedReason: text(d.stoppedReason),
    group: d.group ?? undefined,
    launchType: d.launchType ?? undefined,
    taskDefinitionArn: d.taskDefinitionArn ?? undefined,
    capacityProviderName: d.capacityProviderName ?? undefined,
    availabilityZone: d.availabilityZone ?? undefined,
    cpu: d.cpu ?? undefined,
    memory: d.memory ?? undefined,
    platformVersion: d.platformVersion ?? undefined,
    startedBy: d.startedBy ?? undefined,
    containerInstanceArn: d.containerInstanceArn ?? undefined,
    ...timestamps,
    containers,
  });
}

const SERVICE_ARN = /:service\/(?:([^/]+)\/)?([^/]+)$/;

function parseServiceDetail(event: Envelope): ServiceEvent {
  const parsed = safeParse(serviceDetailSchema, event.detail);
  if (!parsed.success) {
    throw new InvalidTaskEventError(describeIssues(parsed.issues, 3, 'detail.'), event.id);
  }
  const d = parsed.output;
  const serviceArn = (event.resources ?? []).find((r) => SERVICE_ARN.test(r));
  const m = serviceArn ? SERVICE_ARN.exec(serviceArn) : null;
  if (!m?.[2]) throw new InvalidTaskEventError('resources: no ECS service ARN', event.id);
  const clusterName = d.clusterArn ? arnToName(d.clusterArn) : m[1];
  if (!clusterName) {
    throw new InvalidTaskEventError(
      'detail.clusterArn: missing, and the service ARN names no cluster',
      event.id,
    );
  }
  const parts = [d.eventName];
  if (d.deploymentId) parts.push(`(deployment ${d.deploymentId})`);
  let message = `(service ${m[2]}) ${parts.join(' ')}`;
  if (d.reason) message += `: ${d.reason}`;
  return compact({
    clusterName,
    serviceName: m[2],
    eventId: event.id,
    createdAt: iso(d.createdAt ?? d.updatedAt) ?? iso(event.time) ?? event.time,
    message: text(message) ?? message,
    source: event['detail-type'] === SERVICE_ACTION ? ('service-action' as const) : ('deployment' as const),
    eventName: d.eventName,
    eventType: d.eventType ?? undefined,
  });
}
