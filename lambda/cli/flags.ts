/**
 * The flags of `tracer` and its subcommands: their `TRACER_<FLAG>` environment variables, and the options
 * they set, each value checked by the front door's grammar (core/request/params.ts). Pure apart from what
 * is passed in; loads nothing heavy, so that `--help` and `--version` start instantly.
 */
import { parseArgs } from 'node:util';
import { parseAccountId, parseRegionName } from '../core/cluster-id.js';
import { InvalidInputError } from '../core/errors.js';
import { DEFAULT_TIME_ZONE } from '../core/format.js';
import { MAX_CLI_TASK_LIMIT } from '../core/request/page-limits.js';
import {
  checkTimeRange,
  parseCursorParam,
  parseDurationParam,
  parseInstantParam,
  parseLimit,
  parseStatus,
  parseTimeZone,
} from '../core/request/params.js';
import { selectSource } from './source-flags.js';
import { UsageError } from './usage-error.js';

export { UsageError };

const FLAG_SPEC = {
  duration: { type: 'string' },
  full: { type: 'boolean' },
  json: { type: 'boolean' },
  tz: { type: 'string' },
  sns: { type: 'string' },
  endpoint: { type: 'string' },
  'sign-host': { type: 'string' },
  stack: { type: 'string' },
  profile: { type: 'string' },
  region: { type: 'string' },
  account: { type: 'string' },
  live: { type: 'boolean' },
  status: { type: 'string' },
  failed: { type: 'boolean' },
  since: { type: 'string' },
  until: { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  follow: { type: 'boolean', short: 'f' },
  interval: { type: 'string' },
  version: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type FlagName = keyof typeof FLAG_SPEC;

/** Flags that make no sense as a standing setting in the environment. */
const NOT_FROM_ENV: ReadonlySet<FlagName> = new Set(['version', 'help', 'cursor', 'follow']);

const DEFAULT_DURATION_MS = 60_000;
/** `--interval` of a follow: every 2 s by default, from 500ms to 5m. */
export const DEFAULT_INTERVAL_MS = 2_000;
export const MIN_INTERVAL_MS = 500;
export const MAX_INTERVAL_MS = 5 * 60_000;
/** The default page size of `tracer CLUSTER`. */
export const DEFAULT_TASK_LIMIT = 100;

/**
 * The environment variable of a flag.
 * @example envNameOf('duration') === 'TRACER_DURATION'
 */
export function envNameOf(flag: string): string {
  return `TRACER_${flag.toUpperCase().replace(/-/g, '_')}`;
}

/** Where answers come from. `none` is a valid parse: the error is raised only when a source is needed. */
export type SourceSelection =
  | { readonly kind: 'endpoint'; readonly endpoint: string; readonly signHost?: string }
  | { readonly kind: 'stack'; readonly stackName: string }
  | { readonly kind: 'live' }
  | { readonly kind: 'none' };

/** How to reach a source: shared by the CLI and the MCP server. */
export interface SourceOptions {
  readonly selection: SourceSelection;
  readonly profile?: string;
  /**
   * `--region`: the AWS region of the source (where `--live` reads, where `--stack` is looked up, what a
   * custom domain is signed for), and the region that narrows the clusters.
   */
  readonly region?: string;
}

/** Everything the flags and the environment say, validated. */
export interface CliOptions extends SourceOptions {
  /** `--account`: narrows the clusters to this account's. */
  readonly account?: string;
  readonly durationMs: number;
  readonly full: boolean;
  readonly json: boolean;
  /** The zone of text output: `--tz`, else the local zone. */
  readonly timeZone: string;
  /** The zone of `--json` times: `--tz`, else UTC, as the API answers. */
  readonly jsonTimeZone: string;
  readonly snsTopicArn?: string;
  readonly status?: string;
  readonly failed: boolean;
  /** ISO 8601 UTC. */
  readonly since?: string;
  /** ISO 8601 UTC. */
  readonly until?: string;
  readonly limit: number;
  readonly cursor?: string;
  /** `-f`: follow the task or the cluster as it happens. */
  readonly follow: boolean;
  /** Time between the polls of a follow. */
  readonly intervalMs: number;
}

/** What the parser needs from the outside world. */
export interface ParseContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** For `--since 2h` (two hours ago). */
  readonly nowMs: number;
  /** The zone used when neither `--tz` nor `TRACER_TZ` is set. */
  readonly localTimeZone: string;
}

/** The flags after parsing, and the positional arguments. */
export interface ParsedFlags {
  readonly options: CliOptions;
  readonly positionals: readonly string[];
  readonly help: boolean;
  readonly version: boolean;
}

// The original tracer was written in Go, whose flags take one dash: `-duration 30s`. Both spellings work.
function acceptGoStyle(argv: readonly string[]): string[] {
  const out: string[] = [];
  let afterTerminator = false;
  for (const arg of argv) {
    if (arg === '--') afterTerminator = true;
    const match = /^-([a-z][a-z-]+)(=.*)?$/.exec(arg);
    out.push(!afterTerminator && match?.[1] && match[1] in FLAG_SPEC ? `-${arg}` : arg);
  }
  return out;
}

function usageFromParseError(error: unknown): UsageError {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  const option = /'(-{1,2}[^' <]+)/.exec(message)?.[1] ?? 'an option';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new UsageError(`unknown option ${option}`);
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (/does not take an argument/.test(message)) return new UsageError(`${option} takes no value`);
    return new UsageError(`${option} needs a value`);
  }
  return new UsageError(message.split('\n')[0] ?? message, { cause: error });
}

/** A flag's value and where it came from, for messages that point at the right place. */
export interface Setting<T> {
  readonly value: T;
  readonly from: string;
}

function parseBooleanEnv(name: string, raw: string): boolean {
  const value = raw.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(value)) return true;
  if (['false', '0', 'no', 'off', ''].includes(value)) return false;
  throw new UsageError(`${name} must be true or false, got "${raw}"`);
}

export function rephrase<T>(from: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof InvalidInputError || error instanceof UsageError) {
      throw new UsageError(`${from}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/** Runs a front-door parser, turning its InvalidInputError into a usage error (exit 2). */
export function usage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof InvalidInputError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
}

function parseInterval(text: string): number {
  const ms = parseDurationParam(text, '--interval');
  if (ms < MIN_INTERVAL_MS || ms > MAX_INTERVAL_MS) {
    throw new UsageError(`must be from 500ms to 5m, got "${text}"`);
  }
  return ms;
}

function parseInstantSetting(setting: Setting<string>, nowMs: number): string {
  return new Date(usage(() => parseInstantParam(setting.value, nowMs, setting.from))).toISOString();
}

const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

/**
 * The subcommand of a command line: its first positional argument when that names a subcommand and comes
 * before any `--`. Flags may come before it (`tracer --profile prod mcp`); the subcommand receives the
 * command line without its name.
 * @example findSubcommand(['--live', 'mcp'], ['mcp']) // { name: 'mcp', argv: ['--live'] }
 */
export function findSubcommand(
  argv: readonly string[],
  names: readonly string[],
): { readonly name: string; readonly argv: readonly string[] } | undefined {
  let tokens: ReturnType<typeof parseArgs>['tokens'];
  try {
    // Not strict: a subcommand may have flags of its own.
    tokens = parseArgs({
      args: acceptGoStyle(argv),
      options: FLAG_SPEC,
      allowPositionals: true,
      strict: false,
      tokens: true,
    }).tokens;
  } catch {
    return undefined;
  }
  for (const token of tokens ?? []) {
    if (token.kind === 'option-terminator') return undefined;
    if (token.kind !== 'positional') continue;
    if (!names.includes(token.value)) return undefined;
    return { name: token.value, argv: argv.filter((_, index) => index !== token.index) };
  }
  return undefined;
}

type RawArgs = ReturnType<typeof parseArgs<{ options: typeof FLAG_SPEC; allowPositionals: true }>>;

/** The command line split into flags and positionals, without any validation of the values. */
export function readArgs(argv: readonly string[]): RawArgs {
  try {
    return parseArgs({ args: acceptGoStyle(argv), options: FLAG_SPEC, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageFromParseError(error);
  }
}

/**
 * Parses the flags and their `TRACER_<FLAG>` variables. A flag on the command line wins over its variable.
 * For the source, any of `--endpoint`, `--stack` or `--live` on the command line wins over all three
 * variables; among the variables, TRACER_ENDPOINT wins over TRACER_STACK, which wins over TRACER_LIVE.
 * @throws UsageError for anything that cannot be used, naming the flag or the variable.
 * @example parseFlags(['--duration', '30s', 'default'], context).options.durationMs === 30_000
 */
export function parseFlags(argv: readonly string[], context: ParseContext): ParsedFlags {
  const parsed = readArgs(argv);
  const values = parsed.values;
  const env = context.env;

  const fromEnv = (flag: FlagName): Setting<string> | undefined => {
    if (NOT_FROM_ENV.has(flag)) return undefined;
    const name = envNameOf(flag);
    const raw = env[name];
    return raw === undefined || raw.trim() === '' ? undefined : { value: raw, from: name };
  };
  const stringSetting = (flag: FlagName): Setting<string> | undefined => {
    const value = values[flag];
    if (typeof value === 'string') return { value, from: `--${flag}` };
    return fromEnv(flag);
  };
  const booleanSetting = (flag: FlagName): boolean => {
    if (values[flag] === true) return true;
    const setting = fromEnv(flag);
    return setting ? parseBooleanEnv(setting.from, setting.value) : false;
  };

  const duration = stringSetting('duration');
  const durationMs = duration
    ? usage(() => parseDurationParam(duration.value, duration.from))
    : DEFAULT_DURATION_MS;

  const interval = stringSetting('interval');
  const intervalMs = interval
    ? rephrase(interval.from, () => parseInterval(interval.value))
    : DEFAULT_INTERVAL_MS;

  const tz = stringSetting('tz');
  const timeZone = usage(() =>
    parseTimeZone(tz ? tz.value : context.localTimeZone, tz?.from ?? 'local time zone'),
  );

  const sns = stringSetting('sns');
  if (sns && !SNS_TOPIC_ARN.test(sns.value.trim())) {
    throw new UsageError(
      `${sns.from}: "${sns.value}" is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)`,
    );
  }

  const status = stringSetting('status');
  const statusValue = status ? usage(() => parseStatus(status.value, status.from)) : undefined;
  const since = stringSetting('since');
  const until = stringSetting('until');
  const limit = stringSetting('limit');
  const cursor = stringSetting('cursor');
  const profile = stringSetting('profile');
  const region = stringSetting('region');
  const regionValue = region ? usage(() => parseRegionName(region.value, region.from)) : undefined;
  const account = stringSetting('account');
  const accountValue = account ? usage(() => parseAccountId(account.value, account.from)) : undefined;

  const options: CliOptions = {
    selection: selectSource(values, fromEnv, booleanSetting, stringSetting('sign-host')),
    ...(profile ? { profile: profile.value.trim() } : {}),
    ...(regionValue ? { region: regionValue } : {}),
    ...(accountValue ? { account: accountValue } : {}),
    durationMs,
    full: booleanSetting('full'),
    json: booleanSetting('json'),
    timeZone,
    jsonTimeZone: tz ? timeZone : DEFAULT_TIME_ZONE,
    ...(sns ? { snsTopicArn: sns.value.trim() } : {}),
    ...(statusValue ? { status: statusValue } : {}),
    failed: booleanSetting('failed'),
    ...(since ? { since: parseInstantSetting(since, context.nowMs) } : {}),
    ...(until ? { until: parseInstantSetting(until, context.nowMs) } : {}),
    limit: limit ? usage(() => parseLimit(limit.value, MAX_CLI_TASK_LIMIT, limit.from)) : DEFAULT_TASK_LIMIT,
    ...(cursor ? { cursor: usage(() => parseCursorParam(cursor.value, cursor.from)) } : {}),
    follow: values.follow === true,
    intervalMs,
  };
  if (options.follow) {
    const clash = [
      options.json && '--json',
      options.snsTopicArn && '--sns',
      options.cursor && '--cursor',
      since && since.from === '--since' && '--since',
      until && until.from === '--until' && '--until',
    ].filter(Boolean);
    if (clash.length > 0) throw new UsageError(`--follow cannot be combined with ${clash.join(', ')}`);
  } else if (interval && interval.from === '--interval') {
    throw new UsageError('--interval sets the time between the polls of --follow (-f); add -f');
  }
  if (options.since && options.until) {
    const [sinceMs, untilMs] = [Date.parse(options.since), Date.parse(options.until)];
    usage(() => checkTimeRange(sinceMs, untilMs, ['--since', '--until']));
  }
  return {
    options,
    positionals: parsed.positionals,
    help: values.help === true,
    version: values.version === true,
  };
}
