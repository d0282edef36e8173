/**
 * `tracer import`: backfills tracer with ECS history from before it was deployed, from a CloudWatch Logs
 * group, a file, or ECS itself, into the tracer table or a local server. Progress goes to stderr when it is
 * a terminal; the report goes to stdout. Exit codes: 0 done (skipped records are reported, not errors),
 * 1 the import failed, 2 usage error.
 */
import { access } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { CliIo } from '../cli/io.js';
import { writeText } from '../cli/io.js';
import { EnvName } from '../config/env.js';
import type { LogLevel } from '../config/logger.js';
import { parseDuration } from '../core/duration.js';
import { TracerError } from '../core/errors.js';
import {
  type EventSink,
  type HistorySource,
  type ImportCounts,
  ImportFailedError,
  type ImportReport,
  importHistory,
} from '../use-cases/import-history.js';

export const IMPORT_USAGE =
  'usage: tracer import (--log-group NAME | --file PATH | --ecs --cluster NAME) (--table NAME | --endpoint URL)';

export const IMPORT_HELP = `tracer import: backfill tracer with ECS history from before it was deployed.

${IMPORT_USAGE}

source (one of):
  --log-group NAME   a CloudWatch Logs group that an EventBridge rule fills with ECS events
    --since T        only events at or after T: ISO 8601, or a duration ago (90m, 12h, 30d)
    --until T        only events at or before T
  --file PATH        events as JSON Lines, a JSON array, or the JSON output of
                     aws logs filter-log-events; - reads standard input
  --ecs --cluster NAME  the cluster's tasks that ECS still remembers (running, and stopped
                     within about an hour), as events with their real version and times

target (one of):
  --table NAME       the tracer table (default: TRACER_TABLE_NAME); needs dynamodb:UpdateItem,
                     dynamodb:PutItem, dynamodb:GetItem, dynamodb:BatchWriteItem and
                     ecs:DescribeTaskDefinition
  --endpoint URL     a local tracer server (npm start), through its POST /events
  --retention-days N with --table: the stack's retention (default TRACER_RETENTION_DAYS, or 90)

  --profile NAME, --region REGION   AWS profile and region
  --json             print the report as JSON
  --help

Importing twice changes nothing: the same version of a task is the same event.

examples:
  tracer import --log-group /aws/events/ecs --since 30d --table TracerTable-1A2B3C
  aws logs filter-log-events --log-group-name /aws/events/ecs > events.json
  tracer import --file events.json --endpoint http://127.0.0.1:8787
  tracer import --ecs --cluster prod --table TracerTable-1A2B3C
`;

/** Skipped records listed in the text report; `--json` lists up to the use case's limit. */
const SHOWN_SKIPS = 20;
/** How often the progress line is redrawn. */
const PROGRESS_INTERVAL_MS = 100;
const DEFAULT_RETENTION_DAYS = 90;

/** A command line that cannot be used: exit code 2. */
export class ImportUsageError extends TracerError {}

/** The AWS profile and region chosen on the command line. */
export interface AwsSettings {
  readonly profile?: string;
  readonly region?: string;
}

export type ImportSourceSpec =
  | {
      readonly kind: 'log-group';
      readonly logGroupName: string;
      readonly sinceMs?: number;
      readonly untilMs?: number;
    }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'ecs'; readonly clusterName: string };

export type ImportTargetSpec =
  | { readonly kind: 'table'; readonly tableName: string; readonly retentionDays: number }
  | { readonly kind: 'endpoint'; readonly endpoint: string };

export interface ImportCommand {
  readonly source: ImportSourceSpec;
  readonly target: ImportTargetSpec;
  readonly aws: AwsSettings;
  readonly json: boolean;
}

/** Something opened for one import, closed when it ends. */
export interface Opened<T> {
  readonly value: T;
  close(): void;
}

/** What the command is wired to; tests replace parts of it. */
export interface ImportCommandDeps {
  readonly openSource: (
    spec: ImportSourceSpec,
    context: { readonly aws: AwsSettings; readonly onPage: (calls: number) => void },
  ) => Promise<Opened<HistorySource>>;
  readonly openTarget: (
    spec: ImportTargetSpec,
    context: { readonly aws: AwsSettings; readonly source: ImportSourceSpec; readonly logLevel?: LogLevel },
  ) => Promise<Opened<EventSink>>;
}

const FLAGS = {
  'log-group': { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  file: { type: 'string' },
  ecs: { type: 'boolean' },
  cluster: { type: 'string' },
  table: { type: 'string' },
  endpoint: { type: 'string' },
  'retention-days': { type: 'string' },
  profile: { type: 'string' },
  region: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const DAYS = /^(\d+(?:\.\d+)?)d$/;

function parseInstant(flag: string, text: string, nowMs: number): number {
  const value = text.trim();
  const days = DAYS.exec(value);
  if (days) return nowMs - Number(days[1]) * 86_400_000;
  if (/^[+]?[\d.]+(ns|us|µs|μs|ms|s|m|h)/.test(value)) {
    try {
      return nowMs - parseDuration(value);
    } catch (error) {
      throw new ImportUsageError(`--${flag}: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new ImportUsageError(
      `--${flag}: "${text}" is not a time; use ISO 8601 (2024-05-01T12:00:00Z) or a duration ago (12h, 30d)`,
    );
  }
  return ms;
}

function parseEndpoint(text: string): string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch (cause) {
    throw new ImportUsageError(`--endpoint: "${text}" is not a URL`, { cause });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ImportUsageError(`--endpoint: "${text}" must start with http:// or https://`);
  }
  return url.href;
}

function parseRetentionDays(text: string, from: string): number {
  const value = Number(text.trim());
  if (!Number.isInteger(value) || value < 1) {
    throw new ImportUsageError(`${from}: must be a whole number of days, at least 1, got "${text}"`);
  }
  return value;
}

/**
 * Reads an `tracer import` command line (without the word `import`).
 * @throws ImportUsageError naming the flag that is wrong.
 * @example parseImportArgs(['--file', 'events.jsonl', '--endpoint', 'http://127.0.0.1:8787'], { env: {}, nowMs: Date.now() })
 */
export function parseImportArgs(
  argv: readonly string[],
  context: { readonly env: Readonly<Record<string, string | undefined>>; readonly nowMs: number },
): ImportCommand | 'help' {
  let values: ReturnType<typeof parseArgs<{ options: typeof FLAGS; allowPositionals: true }>>['values'];
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      options: FLAGS,
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    throw new ImportUsageError(error instanceof Error ? error.message : String(error), { cause: error });
  }
  if (values.help) return 'help';
  if (positionals.length > 0) throw new ImportUsageError(`unexpected argument "${positionals[0]}"`);

  const sources = [values['log-group'] !== undefined, values.file !== undefined, values.ecs === true];
  if (sources.filter(Boolean).length !== 1) {
    throw new ImportUsageError('choose one source: --log-group NAME, --file PATH, or --ecs --cluster NAME');
  }
  if ((values.since !== undefined || values.until !== undefined) && values['log-group'] === undefined) {
    throw new ImportUsageError('--since and --until apply to --log-group');
  }
  if (values.cluster !== undefined && !values.ecs) throw new ImportUsageError('--cluster applies to --ecs');

  let source: ImportSourceSpec;
  const logGroupName = values['log-group'];
  if (logGroupName !== undefined) {
    if (logGroupName.trim() === '') throw new ImportUsageError('--log-group: the name is empty');
    const sinceMs =
      values.since === undefined ? undefined : parseInstant('since', values.since, context.nowMs);
    const untilMs =
      values.until === undefined ? undefined : parseInstant('until', values.until, context.nowMs);
    if (sinceMs !== undefined && untilMs !== undefined && sinceMs > untilMs) {
      throw new ImportUsageError('--since must not be after --until');
    }
    source = {
      kind: 'log-group',
      logGroupName,
      ...(sinceMs !== undefined ? { sinceMs } : {}),
      ...(untilMs !== undefined ? { untilMs } : {}),
    };
  } else if (values.file !== undefined) {
    if (values.file.trim() === '') throw new ImportUsageError('--file: the path is empty');
    source = { kind: 'file', path: values.file };
  } else {
    if (values.cluster === undefined || values.cluster.trim() === '') {
      throw new ImportUsageError('--ecs needs --cluster NAME');
    }
    source = { kind: 'ecs', clusterName: values.cluster };
  }

  if (values.table !== undefined && values.endpoint !== undefined) {
    throw new ImportUsageError('choose one target: --table NAME or --endpoint URL');
  }
  let target: ImportTargetSpec;
  if (values.endpoint !== undefined) {
    if (values['retention-days'] !== undefined)
      throw new ImportUsageError('--retention-days applies to --table');
    target = { kind: 'endpoint', endpoint: parseEndpoint(values.endpoint) };
  } else {
    const tableName = values.table ?? context.env[EnvName.TABLE_NAME];
    if (tableName === undefined || tableName.trim() === '') {
      throw new ImportUsageError(
        `choose a target: --table NAME (or ${EnvName.TABLE_NAME}), or --endpoint URL of a local server`,
      );
    }
    const rawRetention = values['retention-days'] ?? context.env[EnvName.RETENTION_DAYS];
    const retentionDays =
      rawRetention === undefined || rawRetention.trim() === ''
        ? DEFAULT_RETENTION_DAYS
        : parseRetentionDays(
            rawRetention,
            values['retention-days'] !== undefined ? '--retention-days' : EnvName.RETENTION_DAYS,
          );
    target = { kind: 'table', tableName, retentionDays };
  }
  const aws: AwsSettings = {
    ...(values.profile ? { profile: values.profile } : {}),
    ...(values.region ? { region: values.region } : {}),
  };
  return { source, target, aws, json: values.json ?? false };
}

function number(value: number): string {
  return value.toLocaleString('en-US');
}

function progressLine(description: string, counts: ImportCounts, pages: number): string {
  const parts = [
    `read ${number(counts.read)}`,
    `imported ${number(counts.imported)}`,
    `duplicates ${number(counts.duplicates)}`,
    ...(counts.serviceEvents > 0 ? [`service events ${number(counts.serviceEvents)}`] : []),
    `skipped ${number(counts.skipped)}`,
    ...(pages > 0 ? [`${number(pages)} pages`] : []),
  ];
  return `importing ${description}: ${parts.join(' · ')}`;
}

/**
 * The report for people: what was read, what was new, what was already there, and each skipped record
 * with its reason (the first few).
 * @example formatImportReport(report, 'table tracer')
 */
export function formatImportReport(report: ImportReport, target: string): string {
  const lines = [
    `imported ${report.source} into ${target}`,
    `  read          ${number(report.read)} records`,
    `  imported      ${number(report.imported)} task transitions`,
    `  duplicates    ${number(report.duplicates)} already recorded`,
    `  service       ${number(report.serviceEvents)} service events`,
    ...(report.hostEvents > 0
      ? [`  host          ${number(report.hostEvents)} container instance and EC2 events`]
      : []),
    `  skipped       ${number(report.skipped)}`,
  ];
  const shown = report.skippedRecords.slice(0, SHOWN_SKIPS);
  for (const skipped of shown) lines.push(`    ${skipped.position}: ${skipped.reason}`);
  if (report.skipped > shown.length) {
    lines.push(
      `    and ${number(report.skipped - shown.length)} more (--json lists up to ${report.skippedRecords.length})`,
    );
  }
  if (report.olderThanRetention) {
    lines.push(
      `  note: ${number(report.olderThanRetention)} events are older than the table's retention and expire at once; pass --retention-days with the stack's retention, or import a shorter range`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function describeTarget(target: ImportTargetSpec): string {
  return target.kind === 'table'
    ? `table ${target.tableName}`
    : `the local server at ${target.endpoint.replace(/\/$/, '')}`;
}

const defaultDeps: ImportCommandDeps = {
  openSource: async (spec, context) => {
    if (spec.kind === 'file') {
      const sources = await import('./history-sources.js');
      if (spec.path === '-') {
        return { value: sources.streamHistorySource('standard input', process.stdin), close: () => {} };
      }
      await access(spec.path);
      return { value: sources.fileHistorySource(spec.path), close: () => {} };
    }
    if (spec.kind === 'log-group') {
      const [{ CloudWatchLogsClient }, { CloudWatchEventArchive }, sources] = await Promise.all([
        import('@aws-sdk/client-cloudwatch-logs'),
        import('../adapters/cloudwatch-logs/cloudwatch-event-archive.js'),
        import('./history-sources.js'),
      ]);
      const client = new CloudWatchLogsClient({ ...context.aws, maxAttempts: 8 });
      const archive = new CloudWatchEventArchive({ client, onPage: context.onPage });
      return {
        value: sources.logGroupHistorySource(archive, {
          logGroupName: spec.logGroupName,
          ...(spec.sinceMs !== undefined ? { sinceMs: spec.sinceMs } : {}),
          ...(spec.untilMs !== undefined ? { untilMs: spec.untilMs } : {}),
        }),
        close: () => client.destroy(),
      };
    }
    const [{ ECSClient }, { EcsLiveCatalog }, sources] = await Promise.all([
      import('@aws-sdk/client-ecs'),
      import('../adapters/ecs/ecs-live-catalog.js'),
      import('./history-sources.js'),
    ]);
    const client = new ECSClient({ ...context.aws, maxAttempts: 8 });
    // Everything ECS remembers: the catalog's default cap suits a listing, not an import.
    const catalog = new EcsLiveCatalog({ client, maxTasks: Number.MAX_SAFE_INTEGER });
    return { value: sources.ecsHistorySource(catalog, spec.clusterName), close: () => client.destroy() };
  },
  openTarget: async (spec, context) => {
    if (spec.kind === 'endpoint') {
      const { EndpointEventSink } = await import('./event-sinks.js');
      return { value: new EndpointEventSink({ endpoint: spec.endpoint }), close: () => {} };
    }
    const { openTableSink } = await import('./table-sink.js');
    return openTableSink(spec, context);
  },
};

/**
 * Runs `tracer import ARGS` and resolves to its exit code.
 * @example process.exitCode = await runImport(['--file', 'events.jsonl', '--table', 'tracer'], processIo());
 */
export async function runImport(
  argv: readonly string[],
  io: CliIo,
  overrides: Partial<ImportCommandDeps> = {},
): Promise<number> {
  const deps: ImportCommandDeps = { ...defaultDeps, ...overrides };
  let command: ImportCommand | 'help';
  try {
    command = parseImportArgs(argv, { env: io.env, nowMs: io.nowMs() });
  } catch (error) {
    if (!(error instanceof ImportUsageError)) throw error;
    io.stderr.write(`tracer import: ${error.message}\n${IMPORT_USAGE}\n`);
    return 2;
  }
  if (command === 'help') {
    await writeText(io.stdout, IMPORT_HELP);
    return 0;
  }

  const showProgress = io.stderr.isTTY === true;
  let pages = 0;
  let lastDrawMs = 0;
  let drawn = false;
  let description = '';
  const draw = (counts: ImportCounts, force = false) => {
    const nowMs = io.nowMs();
    if (!showProgress || (!force && nowMs - lastDrawMs < PROGRESS_INTERVAL_MS)) return;
    lastDrawMs = nowMs;
    drawn = true;
    io.stderr.write(`\r\x1b[K${progressLine(description, counts, pages)}`);
  };
  const clear = () => {
    if (drawn) io.stderr.write('\r\x1b[K');
  };

  let source: Opened<HistorySource> | undefined;
  let sink: Opened<EventSink> | undefined;
  try {
    source = await deps.openSource(command.source, { aws: command.aws, onPage: (calls) => (pages = calls) });
    const logLevel = io.env[EnvName.LOG_LEVEL]?.toLowerCase();
    sink = await deps.openTarget(command.target, {
      aws: command.aws,
      source: command.source,
      ...(isLogLevel(logLevel) ? { logLevel } : {}),
    });
    description = source.value.description;
    const report = await importHistory(
      { source: source.value, sink: sink.value },
      {
        onProgress: (counts) => draw(counts),
        ...(command.target.kind === 'table'
          ? { retentionCutoffMs: io.nowMs() - command.target.retentionDays * 86_400_000 }
          : {}),
      },
    );
    clear();
    await writeText(
      io.stdout,
      command.json
        ? `${JSON.stringify(report, null, 2)}\n`
        : formatImportReport(report, describeTarget(command.target)),
    );
    return 0;
  } catch (error) {
    clear();
    io.stderr.write(`tracer import: ${describeError(error)}\n`);
    if (error instanceof ImportFailedError) {
      const r = error.report;
      io.stderr.write(
        `before it stopped: read ${number(r.read)}, imported ${number(r.imported)}, duplicates ${number(r.duplicates)}, skipped ${number(r.skipped)}\n`,
      );
    }
    if (io.env.TRACER_DEBUG && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return 1;
  } finally {
    source?.close();
    sink?.close();
  }
}

function isLogLevel(value: string | undefined): value is LogLevel {
  return value === 'debug' || value === 'info' || value === 'warn' || value === 'error';
}

function describeError(error: unknown): string {
  if (error instanceof Error && 'code' in error && error.code === 'ENOENT' && 'path' in error) {
    return `cannot read ${String(error.path)}: no such file`;
  }
  if (error instanceof Error && error.name === 'CredentialsProviderError') {
    return `no AWS credentials: ${error.message}; set AWS_PROFILE or use --profile`;
  }
  return error instanceof Error ? error.message : String(error);
}
