/**
 * The task item: everything tracer keeps about one task's transitions, in one small item that each event
 * updates in place (see keys.ts for the layout and why). This module turns a transition into the attributes
 * one event adds, and an item back into the task's transitions, exactly as they were parsed.
 *
 * A transition splits in two:
 * - What a task keeps for life (its ARNs, launch type, revision, lifecycle timestamps, each container's
 *   image, digest and runtime id): top-level attributes with short names, written with `if_not_exists`, so
 *   every version shares one copy. Each version records which of them it carried (presence bits), so that a
 *   transition reads back with exactly its own fields. Values are encoded from the event alone (ARNs
 *   relative to the cluster's, times as epoch milliseconds, hex ids as bytes), so equal events encode equal.
 * - What changes from version to version (status, desired status, stop code and reason, updatedAt, each
 *   container's status, exit code, reason and health, the failure classification): one map per version,
 *   `v<version>`, written once.
 * Should an event carry another value for something already stored (ECS never sends one today), that
 * version keeps its own value in `o` (overrides) inside its map.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { type ClusterId, clusterIdOfTask, type HomeScope, parseClusterScope } from '../../core/cluster-id.js';
import type { FailureClassification } from '../../core/failure.js';
import { type ContainerState, LIFECYCLE_TIMESTAMPS, type TaskTransition } from '../../core/model.js';
import {
  decodeEventId,
  decodeId,
  decodeOffset,
  decodeStatus,
  decodeTime,
  encodeEventId,
  encodeId,
  encodeOffset,
  encodeStatus,
  encodeTime,
  HEX_ID,
  packText,
  SHA256_DIGEST,
  unpackText,
} from './item-values.js';
import type { Item } from './items.js';
import { parseTaskPk, TABLE_KEY } from './keys.js';

/** The per-version attribute: `v` and the version number. */
export const VERSION_ATTRIBUTE_PREFIX = 'v';
const VERSION_ATTRIBUTE = /^v(\d+)$/;

/** Optional task fields kept for life, in presence-bit order; the code is the attribute name. */
const TASK_CONSTANTS = [
  ['group', 'g'],
  ['launchType', 'lt'],
  ['taskDefinitionArn', 'td'],
  ['capacityProviderName', 'cp'],
  ['availabilityZone', 'az'],
  ['cpu', 'cu'],
  ['memory', 'me'],
  ['platformVersion', 'pv'],
  ['startedBy', 'sb'],
  ['containerInstanceArn', 'ci'],
  ['createdAt', 'cr'],
  ['connectivityAt', 'co'],
  ['pullStartedAt', 'ps'],
  ['pullStoppedAt', 'pe'],
  ['startedAt', 'st'],
  ['stoppingAt', 'sg'],
  ['executionStoppedAt', 'es'],
  ['stoppedAt', 'sp'],
] as const satisfies readonly (readonly [keyof TaskTransition, string])[];

type TaskConstantField = (typeof TASK_CONSTANTS)[number][0];

/** Container fields kept for life, in presence-bit order. */
const CONTAINER_CONSTANTS = [
  ['image', 'i'],
  ['imageDigest', 'd'],
  ['runtimeId', 'r'],
] as const;

/**
 * Fields every transition has, kept for life without presence bits. The region and account are left out
 * when the partition key's scope names them, as it does for every task ECS reports in its cluster's
 * account and region; items of the layout without a scope always hold them.
 */
const ALWAYS = { region: 'rg', account: 'ac', clusterArn: 'ca', taskArn: 'ta' } as const;

const TIME_FIELDS: ReadonlySet<string> = new Set<string>(LIFECYCLE_TIMESTAMPS);
const RELATIVE_ARNS: Readonly<Partial<Record<string, string>>> = {
  taskDefinitionArn: 'task-definition/',
  containerInstanceArn: 'container-instance/',
};

/** The container attribute of slot `index` (the container's position in the event) and field code. */
export function containerAttribute(index: number, code: string): string {
  return `c${index}${code}`;
}

/** The `arn:<partition>:ecs:<region>:<account>:` prefix of the cluster ARN, or undefined. */
function arnPrefix(clusterArn: string): string | undefined {
  const at = clusterArn.indexOf(':cluster/');
  return at > 0 ? clusterArn.slice(0, at + 1) : undefined;
}

function encodeString(value: string, field: string, clusterArn: string): AttributeValue {
  if (TIME_FIELDS.has(field)) return encodeTime(value);
  const kind = RELATIVE_ARNS[field];
  const prefix = arnPrefix(clusterArn);
  if (kind && prefix && value.startsWith(`${prefix}${kind}`))
    return { S: value.slice(prefix.length + kind.length) };
  return { S: value };
}

function decodeString(value: AttributeValue, field: string, clusterArn: string): string {
  if (TIME_FIELDS.has(field)) return decodeTime(value);
  const text = value.S ?? '';
  const kind = RELATIVE_ARNS[field];
  if (kind && !text.startsWith('arn:')) return `${arnPrefix(clusterArn) ?? ''}${kind}${text}`;
  return text;
}

/** The cluster ARN tracer derives when an event names none; stored as `=` when it is that one. */
function derivedClusterArn(t: Pick<TaskTransition, 'region' | 'account' | 'clusterName'>): string {
  return `arn:aws:ecs:${t.region}:${t.account}:cluster/${t.clusterName}`;
}

function encodeAlways(t: TaskTransition, scope: ClusterId): Item {
  const prefix = arnPrefix(t.clusterArn) ?? '';
  let taskArn = t.taskArn;
  if (taskArn === `${prefix}task/${t.clusterName}/${t.taskId}`) taskArn = '=';
  else if (taskArn === `${prefix}task/${t.taskId}`) taskArn = '-';
  const scoped = scope.region === t.region && scope.account === t.account;
  return {
    ...(scoped ? {} : { [ALWAYS.region]: { S: t.region }, [ALWAYS.account]: { S: t.account } }),
    [ALWAYS.clusterArn]: { S: t.clusterArn === derivedClusterArn(t) ? '=' : t.clusterArn },
    [ALWAYS.taskArn]: { S: taskArn },
  };
}

/** What one event adds to the task item. */
export interface EncodedTransition {
  /** Attributes kept for life, to be written with `if_not_exists`. */
  readonly constants: Item;
  /** The version's own map, `v<version>`, without overrides. */
  readonly version: Record<string, AttributeValue>;
  readonly versionAttribute: string;
}

/** The task's own ECR registry, which most of its images come from; stored as `~/`. */
function ownRegistry(account: string, region: string): string {
  return `${account}.dkr.ecr.${region}.amazonaws.com/`;
}

/**
 * A container's version entry that holds only its presence bits and a known status is one number,
 * `bits × STATUS_SLOTS + status`, instead of a map of both: most entries of a task are such, and the
 * number keeps a task of many events and containers inside one write unit for longer.
 */
const STATUS_SLOTS = 64;

function packedDelta(packed: number): Record<string, AttributeValue> {
  return {
    p: { N: String(Math.floor(packed / STATUS_SLOTS)) },
    s: { N: String(packed % STATUS_SLOTS) },
  };
}

function containerDelta(
  container: ContainerState,
  index: number,
  constants: Item,
  registry: string,
): AttributeValue {
  constants[containerAttribute(index, 'n')] = { S: container.name };
  let bits = 0;
  CONTAINER_CONSTANTS.forEach(([field, code], bit) => {
    const value = container[field];
    if (value === undefined) return;
    bits |= 1 << bit;
    constants[containerAttribute(index, code)] =
      field === 'image'
        ? { S: value.startsWith(registry) ? `~/${value.slice(registry.length)}` : value }
        : encodeId(value, field === 'imageDigest' ? SHA256_DIGEST : HEX_ID);
  });
  const status = container.lastStatus === undefined ? undefined : encodeStatus(container.lastStatus);
  const onlyStatus =
    container.exitCode === undefined &&
    container.reason === undefined &&
    container.healthStatus === undefined;
  if (onlyStatus && status?.N !== undefined && Number(status.N) < STATUS_SLOTS)
    return { N: String(bits * STATUS_SLOTS + Number(status.N)) };
  const delta: Record<string, AttributeValue> = { p: { N: String(bits) } };
  if (status !== undefined) delta.s = status;
  if (container.exitCode !== undefined) delta.x = { N: String(container.exitCode) };
  if (container.reason !== undefined) delta.r = packText(container.reason);
  if (container.healthStatus !== undefined) delta.h = { S: container.healthStatus };
  return { M: delta };
}

/**
 * The attributes one transition adds to its task's item; `scope` is the cluster its partition key names,
 * which the writer has already worked out.
 * @example encodeTransition(transition).versionAttribute === 'v4'
 */
export function encodeTransition(
  t: TaskTransition,
  failure?: FailureClassification,
  scope: ClusterId = clusterIdOfTask(t),
): EncodedTransition {
  const constants: Item = encodeAlways(t, scope);
  let bits = 0;
  TASK_CONSTANTS.forEach(([field, code], bit) => {
    const value = t[field];
    if (value === undefined) return;
    bits |= 1 << bit;
    constants[code] = encodeString(value, field, t.clusterArn);
  });
  const eventTime = encodeTime(t.eventTime);
  const createdAt = t.createdAt === undefined ? undefined : encodeTime(t.createdAt);
  const version: Record<string, AttributeValue> = {
    e: encodeEventId(t.eventId),
    // After createdAt, when both are exact: a few digits instead of thirteen.
    t:
      eventTime.N !== undefined && createdAt?.N !== undefined
        ? { N: String(Number(eventTime.N) - Number(createdAt.N)) }
        : eventTime,
    s: encodeStatus(t.lastStatus),
    p: { N: String(bits) },
  };
  if (t.desiredStatus !== undefined) version.d = encodeStatus(t.desiredStatus);
  if (t.updatedAt !== undefined) version.u = encodeOffset(t.updatedAt, t.eventTime);
  if (t.stopCode !== undefined) version.sc = { S: t.stopCode };
  if (t.stoppedReason !== undefined) version.sr = packText(t.stoppedReason);
  if (t.containers.length > 0) {
    const registry = ownRegistry(t.account, t.region);
    version.c = { L: t.containers.map((c, i) => containerDelta(c, i, constants, registry)) };
  }
  if (failure) version.f = packText(JSON.stringify(failure));
  return { constants, version, versionAttribute: `${VERSION_ATTRIBUTE_PREFIX}${t.version}` };
}

/**
 * The constants of `encoded` that the stored item holds with another value: the version keeps its own in
 * `o`. Empty when the item is new or agrees, as it does for every event ECS sends today.
 */
export function conflictingConstants(stored: Item | undefined, encoded: EncodedTransition): Item {
  const conflicts: Item = {};
  if (!stored) return conflicts;
  for (const [name, value] of Object.entries(encoded.constants)) {
    const old = stored[name];
    if (old !== undefined && !sameValue(old, value)) conflicts[name] = value;
  }
  return conflicts;
}

/**
 * Whether two attribute values are equal: strings, numbers and binaries compared directly (the values
 * tracer keeps for life), anything else by its JSON.
 * @example sameValue({ S: 'a' }, { S: 'a' }) === true
 */
export function sameValue(a: AttributeValue, b: AttributeValue): boolean {
  if (a.S !== undefined || b.S !== undefined) return a.S === b.S;
  if (a.N !== undefined || b.N !== undefined) return a.N === b.N;
  if (a.B !== undefined || b.B !== undefined) {
    // Buffer.compare reads both in place; Buffer.from of a Uint8Array would copy each.
    return a.B !== undefined && b.B !== undefined && Buffer.compare(a.B, b.B) === 0;
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The versions an item holds, ascending. */
export function storedVersions(item: Item | undefined): number[] {
  if (!item) return [];
  return Object.keys(item)
    .flatMap((name) => {
      const m = VERSION_ATTRIBUTE.exec(name);
      return m ? [Number(m[1])] : [];
    })
    .sort((a, b) => a - b);
}

/** One transition read back from the item, with the failure classification recorded with it. */
export interface DecodedTransition {
  readonly transition: TaskTransition;
  readonly failure?: FailureClassification;
}

function decodeContainer(
  entry: AttributeValue,
  index: number,
  constantOf: (name: string) => AttributeValue | undefined,
  registry: string,
): ContainerState {
  const delta = entry.N === undefined ? (entry.M ?? {}) : packedDelta(Number(entry.N));
  const bits = Number(delta.p?.N ?? 0);
  const container: Record<string, unknown> = { name: constantOf(containerAttribute(index, 'n'))?.S ?? '' };
  CONTAINER_CONSTANTS.forEach(([field, code], bit) => {
    const value = constantOf(containerAttribute(index, code));
    if (!(bits & (1 << bit)) || !value) return;
    const image = value.S ?? '';
    if (field !== 'image') container[field] = decodeId(value, field === 'imageDigest' ? 'sha256:' : '');
    else container[field] = image.startsWith('~/') ? `${registry}${image.slice(2)}` : image;
  });
  if (delta.s !== undefined) container.lastStatus = decodeStatus(delta.s);
  if (delta.x?.N !== undefined) container.exitCode = Number(delta.x.N);
  if (delta.r !== undefined) container.reason = unpackText(delta.r);
  if (delta.h?.S !== undefined) container.healthStatus = delta.h.S;
  // The parser's field order, so that a transition reads back as it was parsed.
  const order = [
    'name',
    'image',
    'imageDigest',
    'lastStatus',
    'exitCode',
    'reason',
    'healthStatus',
    'runtimeId',
  ];
  return Object.fromEntries(
    order.filter((k) => container[k] !== undefined).map((k) => [k, container[k]]),
  ) as unknown as ContainerState;
}

/**
 * The account and region in a task item's partition key; empty for the layout without them, whose items
 * store both.
 */
function scopeOfItem(item: Item): HomeScope {
  const scope = parseTaskPk(item[TABLE_KEY.partitionKey]?.S ?? '')?.scope ?? '';
  return parseClusterScope(scope, { account: '', region: '' });
}

/** The transition of one version attribute, given the item's constants and its key's scope. */
function decodeVersion(
  item: Item,
  version: number,
  ids: { readonly clusterName: string; readonly taskId: string; readonly scope: HomeScope },
): DecodedTransition {
  const { clusterName, taskId, scope } = ids;
  const map = item[`${VERSION_ATTRIBUTE_PREFIX}${version}`]?.M ?? {};
  const overrides = map.o?.M ?? {};
  const constantOf = (name: string): AttributeValue | undefined => overrides[name] ?? item[name];
  const region = constantOf(ALWAYS.region)?.S ?? scope.region;
  const account = constantOf(ALWAYS.account)?.S ?? scope.account;
  const storedClusterArn = constantOf(ALWAYS.clusterArn)?.S ?? '=';
  const clusterArn =
    storedClusterArn === '=' ? derivedClusterArn({ region, account, clusterName }) : storedClusterArn;
  const storedTaskArn = constantOf(ALWAYS.taskArn)?.S ?? '=';
  const prefix = arnPrefix(clusterArn) ?? '';
  const taskArn =
    storedTaskArn === '='
      ? `${prefix}task/${clusterName}/${taskId}`
      : storedTaskArn === '-'
        ? `${prefix}task/${taskId}`
        : storedTaskArn;
  const bits = Number(map.p?.N ?? 0);
  const createdAtBit = TASK_CONSTANTS.findIndex(([field]) => field === 'createdAt');
  const createdAt = bits & (1 << createdAtBit) ? constantOf('cr') : undefined;
  const eventTime: AttributeValue | undefined =
    map.t?.N !== undefined && createdAt?.N !== undefined
      ? { N: String(Number(createdAt.N) + Number(map.t.N)) }
      : map.t;
  const constants: Partial<Record<TaskConstantField, string>> = {};
  TASK_CONSTANTS.forEach(([field, code], bit) => {
    const value = constantOf(code);
    if (bits & (1 << bit) && value) constants[field] = decodeString(value, field, clusterArn);
  });
  const transition: Record<string, unknown> = {
    eventId: map.e ? decodeEventId(map.e) : '',
    eventTime: eventTime ? decodeTime(eventTime) : '',
    region,
    account,
    clusterArn,
    clusterName,
    taskArn,
    taskId,
    version,
    lastStatus: map.s === undefined ? '' : decodeStatus(map.s),
    desiredStatus: map.d === undefined ? undefined : decodeStatus(map.d),
    stopCode: map.sc?.S,
    stoppedReason: map.sr === undefined ? undefined : unpackText(map.sr),
    group: constants.group,
    launchType: constants.launchType,
    taskDefinitionArn: constants.taskDefinitionArn,
    capacityProviderName: constants.capacityProviderName,
    availabilityZone: constants.availabilityZone,
    cpu: constants.cpu,
    memory: constants.memory,
    platformVersion: constants.platformVersion,
    startedBy: constants.startedBy,
    containerInstanceArn: constants.containerInstanceArn,
    createdAt: constants.createdAt,
    connectivityAt: constants.connectivityAt,
    pullStartedAt: constants.pullStartedAt,
    pullStoppedAt: constants.pullStoppedAt,
    startedAt: constants.startedAt,
    stoppingAt: constants.stoppingAt,
    executionStoppedAt: constants.executionStoppedAt,
    stoppedAt: constants.stoppedAt,
    updatedAt: map.u && eventTime ? decodeOffset(map.u, eventTime) : undefined,
    containers: (map.c?.L ?? []).map((entry, index) =>
      decodeContainer(entry, index, constantOf, ownRegistry(account, region)),
    ),
  };
  const compacted = Object.fromEntries(Object.entries(transition).filter(([, v]) => v !== undefined));
  const failure = map.f === undefined ? undefined : (JSON.parse(unpackText(map.f)) as FailureClassification);
  return failure
    ? { transition: compacted as unknown as TaskTransition, failure }
    : { transition: compacted as unknown as TaskTransition };
}

/**
 * Every transition a task item holds, in version order.
 * @example decodeTaskItem(item, 'default', '9f65...').at(-1)?.transition.lastStatus === 'STOPPED'
 */
export function decodeTaskItem(item: Item, clusterName: string, taskId: string): DecodedTransition[] {
  const ids = { clusterName, taskId, scope: scopeOfItem(item) };
  return storedVersions(item).map((version) => decodeVersion(item, version, ids));
}

/** The newest transition of a task item, or undefined when it holds none. */
export function newestTransition(
  item: Item,
  clusterName: string,
  taskId: string,
): DecodedTransition | undefined {
  const version = storedVersions(item).at(-1);
  return version === undefined
    ? undefined
    : decodeVersion(item, version, { clusterName, taskId, scope: scopeOfItem(item) });
}
