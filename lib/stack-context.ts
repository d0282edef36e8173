import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { FailureKind, NotificationFilters, NotificationProps } from './constructs/failure-notifier.js';
import { TABLE_CLASSES } from './constructs/tracer-table.js';
import type { TracerProps } from './tracer.js';

/**
 * The failure kinds a context value may name. The two checks below fail to compile when this list and
 * the notifier's `FailureKind` drift apart.
 */
const FAILURE_KINDS = [
  'image-pull',
  'resource-initialization',
  'out-of-memory',
  'container-health-check',
  'elb-health-check',
  'essential-container-exited',
  'task-failed-to-start',
  'spot-interruption',
  'host-drained',
  'instance-terminated',
  'agent-disconnected',
  'other',
] as const satisfies readonly FailureKind[];
type MissingKinds = Exclude<FailureKind, (typeof FAILURE_KINDS)[number]>;
const everyKindListed: [MissingKinds] extends [never] ? true : false = true;
void everyKindListed;

/** The context keys tracer reads (`npx cdk deploy -c clusters=prod,batch -c notifyEmail=oncall@example.com`). */
export const CONTEXT_KEYS = {
  clusters: 'clusters',
  retentionDays: 'retentionDays',
  apiAuthorization: 'apiAuthorization',
  apiRateLimit: 'apiRateLimit',
  apiBurstLimit: 'apiBurstLimit',
  notifications: 'notifications',
  notifyEmail: 'notifyEmail',
  notifySettleSeconds: 'notifySettleSeconds',
  notifyFormat: 'notifyFormat',
  notifyIncludeClusters: 'notifyIncludeClusters',
  notifyExcludeClusters: 'notifyExcludeClusters',
  notifyIncludeServices: 'notifyIncludeServices',
  notifyExcludeServices: 'notifyExcludeServices',
  notifyIncludeGroups: 'notifyIncludeGroups',
  notifyExcludeGroups: 'notifyExcludeGroups',
  notifyFailureKinds: 'notifyFailureKinds',
  notifyOnEveryStop: 'notifyOnEveryStop',
  notifySpotInterruptions: 'notifySpotInterruptions',
  notifyHostDrains: 'notifyHostDrains',
  tableRemovalPolicy: 'tableRemovalPolicy',
  tableDeletionProtection: 'tableDeletionProtection',
  tableClass: 'tableClass',
  recorderMaxConcurrency: 'recorderMaxConcurrency',
  alarmTopicArn: 'alarmTopicArn',
  logRetentionDays: 'logRetentionDays',
  logLevel: 'logLevel',
  logRegions: 'logRegions',
  logGroupPrefixes: 'logGroupPrefixes',
  sourceAccounts: 'sourceAccounts',
  sourceRegions: 'sourceRegions',
  organizationId: 'organizationId',
  readRolePrefix: 'readRolePrefix',
  centralAccount: 'centralAccount',
  centralRegion: 'centralRegion',
} as const;

/** Reads one context value: `scope.node.tryGetContext`. */
export type ContextReader = (key: string) => unknown;

/**
 * Builds `TracerProps` from CDK context. Values given with `-c` arrive as strings; values in cdk.json may be
 * arrays, numbers and booleans: both are accepted. Absent keys leave the construct's defaults.
 * @example tracerPropsFromContext((key) => app.node.tryGetContext(key))
 */
export function tracerPropsFromContext(read: ContextReader): TracerProps {
  const K = CONTEXT_KEYS;
  const props: Record<string, unknown> = {
    clusters: readList(read, K.clusters),
    retentionDays: readNumber(read, K.retentionDays),
    apiAuthorization: readChoice(read, K.apiAuthorization, ['iam', 'none'] as const),
    tableDeletionProtection: readBoolean(read, K.tableDeletionProtection),
    recorderMaxConcurrency: readNumber(read, K.recorderMaxConcurrency),
    logLevel: readChoice(read, K.logLevel, ['debug', 'info', 'warn', 'error'] as const),
    logRegions: readList(read, K.logRegions),
    logGroupPrefixes: readList(read, K.logGroupPrefixes),
    sourceAccounts: readList(read, K.sourceAccounts),
    sourceRegions: readList(read, K.sourceRegions),
    organizationId: readString(read, K.organizationId),
    readRolePrefix: readString(read, K.readRolePrefix),
  };
  const rateLimit = readNumber(read, K.apiRateLimit);
  const burstLimit = readNumber(read, K.apiBurstLimit);
  if (rateLimit !== undefined || burstLimit !== undefined) props.throttling = { rateLimit, burstLimit };
  const removal = readChoice(read, K.tableRemovalPolicy, ['retain', 'destroy'] as const);
  if (removal !== undefined) {
    props.tableRemovalPolicy = removal === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
  }
  const tableClass = readChoice(read, K.tableClass, ['STANDARD', 'STANDARD_INFREQUENT_ACCESS'] as const);
  if (tableClass !== undefined) props.tableClass = TABLE_CLASSES[tableClass];
  const logRetentionDays = readNumber(read, K.logRetentionDays);
  if (logRetentionDays !== undefined) props.logRetention = toLogRetention(logRetentionDays);
  props.notifications = readBoolean(read, K.notifications) === false ? false : readNotifications(read);
  return withoutUndefined(props) as TracerProps;
}

const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/**
 * The ARN of the SNS topic that receives tracer's alarms (`-c alarmTopicArn=...`); the stack imports it
 * as `alarmTopic`.
 * @throws Error for a value that is not the ARN of a standard SNS topic.
 * @example alarmTopicArnFromContext((key) => app.node.tryGetContext(key))
 */
export function alarmTopicArnFromContext(read: ContextReader): string | undefined {
  const arn = readString(read, CONTEXT_KEYS.alarmTopicArn);
  if (arn === undefined) return undefined;
  if (!SNS_TOPIC_ARN.test(arn)) {
    throw new Error(
      `context ${CONTEXT_KEYS.alarmTopicArn} must be the ARN of a standard SNS topic (arn:aws:sns:<region>:<account>:<name>; alarms cannot publish to FIFO topics), got "${arn}"`,
    );
  }
  return arn;
}

/** One source stack that the app synthesizes. */
export interface SourceStackPlan {
  /** The construct id, which is also the stack name. */
  readonly id: string;
  /** The account and region it deploys to; absent for the StackSet template, which deploys anywhere. */
  readonly env?: { readonly account: string; readonly region?: string };
}

/** The source stacks and what they share, from context. */
export interface SourcePlan {
  /** The defaults of the source stacks' CentralAccountId and CentralRegion parameters. */
  readonly centralAccount?: string;
  readonly centralRegion?: string;
  readonly readRolePrefix?: string;
  readonly logRegions?: string[];
  readonly logGroupPrefixes?: string[];
  readonly stacks: SourceStackPlan[];
}

/**
 * The source stacks of `-c sourceAccounts=... -c sourceRegions=... -c organizationId=...`: one per listed
 * account and region (`<central>Source-<account>-<region>`, or `<central>Source-<account>` for the stack's
 * region when no region is listed), and for an organization the StackSet template `<central>Source`, bound
 * to no account or region. The central account's own region is skipped when `centralAccount` and
 * `centralRegion` name it: its events reach the central stack's rules on the default bus already.
 * @example sourcePlanFromContext((key) => app.node.tryGetContext(key), 'Tracer')
 */
export function sourcePlanFromContext(read: ContextReader, centralId: string): SourcePlan {
  const K = CONTEXT_KEYS;
  const accounts = readList(read, K.sourceAccounts) ?? [];
  const regions = readList(read, K.sourceRegions);
  const centralAccount = readString(read, K.centralAccount);
  const centralRegion = readString(read, K.centralRegion);
  const stacks: SourceStackPlan[] = [];
  for (const account of new Set(accounts)) {
    if (regions === undefined) {
      stacks.push({ id: `${centralId}Source-${account}`, env: { account } });
      continue;
    }
    for (const region of new Set(regions)) {
      if (account === centralAccount && region === centralRegion) continue;
      stacks.push({ id: `${centralId}Source-${account}-${region}`, env: { account, region } });
    }
  }
  if (readString(read, K.organizationId) !== undefined) stacks.push({ id: `${centralId}Source` });
  return withoutUndefined({
    centralAccount,
    centralRegion,
    readRolePrefix: readString(read, K.readRolePrefix),
    logRegions: readList(read, K.logRegions),
    logGroupPrefixes: readList(read, K.logGroupPrefixes),
    stacks,
  }) as unknown as SourcePlan;
}

function readNotifications(read: ContextReader): NotificationProps | undefined {
  const K = CONTEXT_KEYS;
  const filters: Record<string, unknown> = {
    includeClusters: readList(read, K.notifyIncludeClusters),
    excludeClusters: readList(read, K.notifyExcludeClusters),
    includeServices: readList(read, K.notifyIncludeServices),
    excludeServices: readList(read, K.notifyExcludeServices),
    includeGroups: readList(read, K.notifyIncludeGroups),
    excludeGroups: readList(read, K.notifyExcludeGroups),
    failureKinds: readFailureKinds(read),
    notifyOnEveryStop: readBoolean(read, K.notifyOnEveryStop),
    notifySpotInterruptions: readBoolean(read, K.notifySpotInterruptions),
    notifyHostDrains: readBoolean(read, K.notifyHostDrains),
  };
  const settleSeconds = readNumber(read, K.notifySettleSeconds);
  const definedFilters = withoutUndefined(filters) as NotificationFilters;
  const notifications = withoutUndefined({
    email: readString(read, K.notifyEmail),
    settleDelay: settleSeconds === undefined ? undefined : Duration.seconds(settleSeconds),
    format: readChoice(read, K.notifyFormat, ['text', 'chatbot'] as const),
    filters: Object.keys(definedFilters).length === 0 ? undefined : definedFilters,
  }) as NotificationProps;
  return Object.keys(notifications).length === 0 ? undefined : notifications;
}

function readFailureKinds(read: ContextReader): FailureKind[] | undefined {
  const kinds = readList(read, CONTEXT_KEYS.notifyFailureKinds);
  if (kinds === undefined) return undefined;
  const known: readonly string[] = FAILURE_KINDS;
  const unknown = kinds.filter((kind) => !known.includes(kind));
  if (unknown.length > 0) {
    throw new Error(
      `context ${CONTEXT_KEYS.notifyFailureKinds}: unknown failure kind "${unknown.join('", "')}"; expected some of ${FAILURE_KINDS.join(', ')}`,
    );
  }
  return kinds as FailureKind[];
}

function readString(read: ContextReader, key: string): string | undefined {
  const value = read(key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw new Error(`context ${key} must be a string, got ${JSON.stringify(value)}`);
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function readList(read: ContextReader, key: string): string[] | undefined {
  const value = read(key);
  if (value === undefined || value === null) return undefined;
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : undefined;
  if (items === undefined || items.some((item) => typeof item !== 'string')) {
    throw new Error(
      `context ${key} must be a comma-separated list or an array of strings, got ${JSON.stringify(value)}`,
    );
  }
  const list = (items as string[]).map((item) => item.trim()).filter((item) => item !== '');
  return list.length === 0 ? undefined : list;
}

function readNumber(read: ContextReader, key: string): number | undefined {
  const value = read(key);
  if (value === undefined || value === null || value === '') return undefined;
  const number =
    typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : Number.NaN;
  if (!Number.isFinite(number))
    throw new Error(`context ${key} must be a number, got ${JSON.stringify(value)}`);
  return number;
}

function readBoolean(read: ContextReader, key: string): boolean | undefined {
  const value = read(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`context ${key} must be true or false, got ${JSON.stringify(value)}`);
}

function readChoice<T extends string>(
  read: ContextReader,
  key: string,
  choices: readonly T[],
): T | undefined {
  const value = readString(read, key);
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value)) {
    throw new Error(`context ${key} must be one of ${choices.join(', ')}, got "${value}"`);
  }
  return value as T;
}

function toLogRetention(days: number): logs.RetentionDays {
  const allowed = Object.values(logs.RetentionDays).filter((v): v is number => typeof v === 'number');
  if (!allowed.includes(days)) {
    throw new Error(
      `context ${CONTEXT_KEYS.logRetentionDays} must be a CloudWatch Logs retention (${allowed.join(', ')}), got ${days}`,
    );
  }
  return days as logs.RetentionDays;
}

function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}
