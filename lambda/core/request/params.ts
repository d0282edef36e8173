/**
 * The one grammar of every request parameter: the API handler, local mode, the CLI and the MCP tools all
 * parse through these functions, so a cluster, a task, a duration or a cursor means the same everywhere
 * and every limit holds for every front end. Each failure is an `InvalidInputError` whose message starts
 * with the parameter's name (`cluster: …`); callers rename it to their own spelling (`--duration`).
 */
import { parseTaskArn } from '../arn.js';
import {
  type ClusterRef,
  clusterArn,
  clusterIdOfArn,
  parseAccountId,
  parseRegionName,
} from '../cluster-id.js';
import { formatDuration, parseDuration } from '../duration.js';
import { InvalidInputError } from '../errors.js';
import { assertTimeZone } from '../format.js';
import { TASK_STATUSES } from '../model.js';
import { MAX_CURSOR_CHARS, MAX_DURATION_MS } from './page-limits.js';

const CLUSTER_NAME = /^[A-Za-z0-9_-]{1,255}$/;
const TASK_ID = /^[A-Za-z0-9-]{1,64}$/;
const CURSOR = /^[A-Za-z0-9_.:~-]+$/;

function quoted(text: string): string {
  const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  return JSON.stringify(shown);
}

/**
 * A path segment as sent, decoded once. An encoded slash is refused unless the segment is an ARN (which
 * parseCluster and parseTask then check whole): a segment is one name, and cutting `dev-team%2Fdefault`
 * to `default` would let a policy on `dev-*` read any cluster.
 * @throws InvalidInputError naming `name`.
 * @example decodePathSegment('prod', 'cluster') === 'prod'
 */
export function decodePathSegment(segment: string, name: string): string {
  if (/%5c/i.test(segment) || (/%2f/i.test(segment) && !/^arn(:|%3a)/i.test(segment))) {
    throw new InvalidInputError(
      `${name}: ${quoted(segment)} holds an encoded slash; a path segment is one name, never a path`,
    );
  }
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch (cause) {
    throw new InvalidInputError(`${name}: ${quoted(segment)} is not valid URL encoding`, { cause });
  }
}

/**
 * A cluster given as a name or as a full cluster ARN: the name, with the account and region when the
 * ARN names them. Anything else, a path included, is refused rather than cut to its last segment.
 * @throws InvalidInputError naming `name`.
 * @example parseCluster('arn:aws:ecs:eu-west-1:123456789012:cluster/prod') // { name: 'prod', account: '123456789012', region: 'eu-west-1' }
 */
export function parseCluster(input: string, name = 'cluster'): ClusterRef {
  const text = input.trim();
  if (CLUSTER_NAME.test(text)) return { name: text };
  const fromArn = clusterIdOfArn(text);
  if (fromArn) return fromArn;
  throw new InvalidInputError(
    `${name}: ${quoted(input)} is not a cluster name (letters, digits, hyphens and underscores, up to 255) or a cluster ARN (arn:aws:ecs:REGION:ACCOUNT:cluster/NAME)`,
  );
}

/** The `account` and `region` filters as given, each still to be checked (`account=`, `--region`). */
export interface ClusterFilterInput {
  readonly account?: string | undefined;
  readonly region?: string | undefined;
}

/** The names under which a front end takes the cluster filters, for its messages. */
export interface ClusterFilterNames {
  readonly cluster?: string;
  readonly account?: string;
  readonly region?: string;
}

/**
 * The `account` and `region` filters, checked: what narrows `/clusters` and a cluster name.
 * @throws InvalidInputError naming the filter.
 * @example parseClusterFilter({ account: '123456789012' }) // { account: '123456789012' }
 */
export function parseClusterFilter(
  input: ClusterFilterInput,
  names: ClusterFilterNames = {},
): { readonly account?: string; readonly region?: string } {
  const account = input.account === undefined ? undefined : parseAccountId(input.account, names.account);
  const region = input.region === undefined ? undefined : parseRegionName(input.region, names.region);
  return { ...(account !== undefined ? { account } : {}), ...(region !== undefined ? { region } : {}) };
}

/**
 * A cluster name or ARN narrowed by the `account` and `region` filters. A filter that contradicts the
 * ARN is refused: the caller named two different clusters.
 * @throws InvalidInputError naming the cluster or the filter.
 * @example parseClusterRef('prod', { account: '123456789012' }) // { name: 'prod', account: '123456789012' }
 */
export function parseClusterRef(
  input: string,
  filters: ClusterFilterInput = {},
  names: ClusterFilterNames = {},
): ClusterRef {
  const ref = parseCluster(input, names.cluster);
  const filter = parseClusterFilter(filters, names);
  for (const key of ['account', 'region'] as const) {
    const given = filter[key];
    const named = ref[key];
    if (given !== undefined && named !== undefined && given !== named) {
      throw new InvalidInputError(
        `${names[key] ?? key}: ${given} contradicts the cluster ARN, which names ${key} ${named}; give one of them`,
      );
    }
  }
  return { ...ref, ...filter };
}

/**
 * How a cluster reference travels in a path: the cluster ARN when account and region are known, else the
 * name (narrowed by `account` and `region` query parameters).
 * @example clusterPathSegment({ name: 'prod' }) === 'prod'
 */
export function clusterPathSegment(ref: ClusterRef): string {
  return ref.account !== undefined && ref.region !== undefined
    ? clusterArn({ account: ref.account, region: ref.region, name: ref.name })
    : ref.name;
}

/**
 * A task given as an id or a task ARN (either format), as the task id. With `cluster`, a task ARN must
 * name that cluster: its name, and its account and region where the cluster reference names them.
 * @throws InvalidInputError naming `name`.
 * @example parseTask('arn:aws:ecs:eu-west-1:123456789012:task/prod/abc123', { name: 'prod' }) === 'abc123'
 */
export function parseTask(input: string, cluster?: ClusterRef, name = 'task'): string {
  const text = input.trim();
  if (TASK_ID.test(text)) return text;
  const arn = text.startsWith('arn:') ? parseTaskArn(text) : undefined;
  if (!arn || !TASK_ID.test(arn.taskId)) {
    throw new InvalidInputError(
      `${name}: ${quoted(input)} is not a task id or a task ARN (arn:aws:ecs:REGION:ACCOUNT:task/CLUSTER/ID)`,
    );
  }
  if (cluster === undefined) return arn.taskId;
  if (arn.cluster !== undefined && arn.cluster !== cluster.name) {
    throw new InvalidInputError(
      `${name}: the task ARN belongs to cluster ${arn.cluster}, not ${cluster.name}`,
    );
  }
  if (cluster.account !== undefined && arn.account !== cluster.account) {
    throw new InvalidInputError(
      `${name}: the task ARN belongs to account ${arn.account}, not ${cluster.account}`,
    );
  }
  if (cluster.region !== undefined && arn.region !== cluster.region) {
    throw new InvalidInputError(
      `${name}: the task ARN belongs to region ${arn.region}, not ${cluster.region}`,
    );
  }
  return arn.taskId;
}

/**
 * The padding of the log windows, Go-style (`30s`, `5m`, `1h`), at most 24 hours for every front end.
 * @throws InvalidInputError naming `name`.
 * @example parseDurationParam('90s') === 90_000
 */
export function parseDurationParam(input: string, name = 'duration'): number {
  let durationMs: number;
  try {
    durationMs = parseDuration(input);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    throw new InvalidInputError(`${name}: ${error.message}`, { cause: error });
  }
  if (durationMs > MAX_DURATION_MS) {
    throw new InvalidInputError(
      `${name}: at most ${formatDuration(MAX_DURATION_MS)}, got ${quoted(input)}; read the whole life of the task with full instead`,
    );
  }
  return durationMs;
}

/**
 * A point in time: ISO 8601 (`2024-05-01T12:00:00Z`, or a date), or a duration ago (`2h`).
 * @throws InvalidInputError naming `name`.
 * @example parseInstantParam('2h', Date.parse('2024-05-01T12:00:00Z')) === Date.parse('2024-05-01T10:00:00Z')
 */
export function parseInstantParam(input: string, nowMs: number, name = 'time'): number {
  const text = input.trim();
  if (/^[+]?[\d.]+(ns|us|µs|μs|ms|s|m|h)/.test(text)) {
    try {
      return nowMs - parseDuration(text);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      throw new InvalidInputError(`${name}: ${error.message}`, { cause: error });
    }
  }
  const ms = /^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/i.test(text)
    ? Date.parse(text)
    : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new InvalidInputError(
      `${name}: ${quoted(input)} is not a time; use ISO 8601 (2024-05-01T12:00:00Z) or a duration ago (2h)`,
    );
  }
  return ms;
}

/**
 * A `since`/`until` pair, checked for order.
 * @throws InvalidInputError when since is after until.
 */
export function checkTimeRange(
  sinceMs: number | undefined,
  untilMs: number | undefined,
  names: readonly [string, string] = ['since', 'until'],
): void {
  if (sinceMs !== undefined && untilMs !== undefined && sinceMs > untilMs) {
    throw new InvalidInputError(
      `${names[0]}: ${new Date(sinceMs).toISOString()} is after ${names[1]} ${new Date(untilMs).toISOString()}`,
    );
  }
}

/**
 * A page size: a whole number from 1 to `max`.
 * @throws InvalidInputError naming `name`.
 * @example parseLimit('20', 100) === 20
 */
export function parseLimit(input: string, max: number, name = 'limit'): number {
  const text = input.trim();
  const limit = /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
  if (!(limit >= 1 && limit <= max)) {
    throw new InvalidInputError(`${name}: expected a whole number from 1 to ${max}, got ${quoted(input)}`);
  }
  return limit;
}

/**
 * The shape of a cursor (what it holds is checked where it is unsealed).
 * @throws InvalidInputError naming `name`.
 * @example parseCursorParam('abc.def') === 'abc.def'
 */
export function parseCursorParam(input: string, name = 'cursor'): string {
  if (input.length > MAX_CURSOR_CHARS || !CURSOR.test(input)) {
    throw new InvalidInputError(
      `${name}: not a cursor that tracer issued; pass the nextCursor of the previous page unchanged`,
    );
  }
  return input;
}

/**
 * An IANA time zone name (`Asia/Tokyo`, `UTC`).
 * @throws InvalidInputError naming `name`.
 * @example parseTimeZone('Asia/Tokyo') === 'Asia/Tokyo'
 */
export function parseTimeZone(input: string, name = 'tz'): string {
  const timeZone = input.trim();
  try {
    assertTimeZone(timeZone);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    throw new InvalidInputError(`${name}: ${error.message}`, { cause: error });
  }
  return timeZone;
}

/**
 * `true` or `false`.
 * @throws InvalidInputError naming `name`.
 */
export function parseBooleanParam(input: string, name: string): boolean {
  if (input === 'true') return true;
  if (input === 'false') return false;
  throw new InvalidInputError(`${name}: expected true or false, got ${quoted(input)}`);
}

/**
 * A task's `lastStatus`, any case, upper-cased.
 * @throws InvalidInputError naming `name`.
 * @example parseStatus('stopped') === 'STOPPED'
 */
export function parseStatus(input: string, name = 'status'): string {
  const status = input.trim().toUpperCase();
  if (!(TASK_STATUSES as readonly string[]).includes(status)) {
    throw new InvalidInputError(`${name}: expected one of ${TASK_STATUSES.join(', ')}, got ${quoted(input)}`);
  }
  return status;
}

/**
 * The format of a trace answer.
 * @throws InvalidInputError naming `name`.
 */
export function parseTraceFormat(input: string, name = 'format'): 'json' | 'text' {
  if (input === 'json' || input === 'text') return input;
  throw new InvalidInputError(`${name}: expected json or text, got ${quoted(input)}`);
}
