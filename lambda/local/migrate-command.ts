/**
 * `tracer migrate`: moves the history that an earlier tracer recorded (one item per transition and a
 * summary per task) into the task-item layout, in place or from the table an earlier stack kept. Once, and
 * again without harm. Exit codes: 0 done, 1 failed, 2 usage error.
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbTransitionStore } from '../adapters/dynamodb/dynamodb-transition-store.js';
import { type MigrationCounts, migrateLegacyItems } from '../adapters/dynamodb/legacy-migration.js';
import type { DynamoDbTableOptions } from '../adapters/dynamodb/table-options.js';
import { systemClock } from '../adapters/system-clock.js';
import type { CliIo } from '../cli/io.js';
import { writeText } from '../cli/io.js';
import { EnvName } from '../config/env.js';

export const MIGRATE_USAGE = 'usage: tracer migrate --table NAME [--from-table NAME] [--retention-days N]';

export const MIGRATE_HELP = `tracer migrate: move history recorded by an earlier tracer into the current table layout.

${MIGRATE_USAGE}

  --table NAME        the tracer table (default: TRACER_TABLE_NAME)
  --from-table NAME   read from this table instead, and copy everything else it holds: the table an
                      earlier stack kept when an upgrade created a new one (it is left as it was)
  --retention-days N  the stack's retention (default TRACER_RETENTION_DAYS, or 90)
  --profile NAME, --region REGION   AWS profile and region
  --json              print the counts as JSON
  --help

Needs dynamodb:Scan, Query, GetItem, PutItem, UpdateItem and BatchWriteItem on the tables. Running it
again changes nothing: a task already moved is not moved twice.

examples:
  tracer migrate --table TracerTable-1A2B3C
  tracer migrate --from-table TracerTable-OLD --table TracerTaskTable-NEW
`;

const DEFAULT_RETENTION_DAYS = 90;

const FLAGS = {
  table: { type: 'string' },
  'from-table': { type: 'string' },
  'retention-days': { type: 'string' },
  profile: { type: 'string' },
  region: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface MigrateCommand {
  readonly tableName: string;
  readonly fromTableName?: string;
  readonly retentionDays: number;
  readonly profile?: string;
  readonly region?: string;
  readonly json: boolean;
}

/** A command line that cannot be used: exit code 2. */
export class MigrateUsageError extends Error {
  override readonly name = 'MigrateUsageError';
}

/**
 * Reads a `tracer migrate` command line (without the word `migrate`).
 * @example parseMigrateArgs(['--table', 'tracer'], {}).tableName === 'tracer'
 */
export function parseMigrateArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): MigrateCommand | 'help' {
  let values: ReturnType<typeof parseArgs<{ options: typeof FLAGS }>>['values'];
  try {
    ({ values } = parseArgs({ args: [...argv], options: FLAGS, strict: true }));
  } catch (error) {
    throw new MigrateUsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) return 'help';
  const tableName = values.table ?? env[EnvName.TABLE_NAME];
  if (!tableName) throw new MigrateUsageError(`choose the table: --table NAME (or ${EnvName.TABLE_NAME})`);
  const retentionText = values['retention-days'] ?? env[EnvName.RETENTION_DAYS];
  const retentionDays = retentionText === undefined ? DEFAULT_RETENTION_DAYS : Number(retentionText.trim());
  if (!Number.isInteger(retentionDays) || retentionDays < 1) {
    throw new MigrateUsageError(
      `--retention-days: must be a whole number of days, at least 1, got "${retentionText}"`,
    );
  }
  if (values['from-table'] === tableName) {
    throw new MigrateUsageError('--from-table names the target table: leave it out to migrate in place');
  }
  return {
    tableName,
    retentionDays,
    json: values.json ?? false,
    ...(values['from-table'] ? { fromTableName: values['from-table'] } : {}),
    ...(values.profile ? { profile: values.profile } : {}),
    ...(values.region ? { region: values.region } : {}),
  };
}

/** The counts for people. */
export function formatMigrationReport(counts: MigrationCounts, command: MigrateCommand): string {
  const from = command.fromTableName
    ? `table ${command.fromTableName} into table ${command.tableName}`
    : `table ${command.tableName} in place`;
  const lines = [
    `migrated ${from}`,
    `  tasks         ${counts.tasks} moved to the task-item layout`,
    `  transitions   ${counts.transitions} written, ${counts.duplicates} already there`,
  ];
  if (command.fromTableName)
    lines.push(`  other items   ${counts.copied} copied, ${counts.alreadyCopied} already there`);
  else lines.push(`  deleted       ${counts.deleted} items of the earlier layout`);
  return `${lines.join('\n')}\n`;
}

/**
 * Runs `tracer migrate ARGS` and resolves to its exit code.
 * @example process.exitCode = await runMigrate(['--table', 'tracer'], processIo());
 */
export async function runMigrate(
  argv: readonly string[],
  io: CliIo,
  clientFor: (command: MigrateCommand) => DynamoDBClient = (command) =>
    new DynamoDBClient({
      maxAttempts: 8,
      ...(command.profile ? { profile: command.profile } : {}),
      ...(command.region ? { region: command.region } : {}),
    }),
): Promise<number> {
  let command: MigrateCommand | 'help';
  try {
    command = parseMigrateArgs(argv, io.env);
  } catch (error) {
    if (!(error instanceof MigrateUsageError)) throw error;
    io.stderr.write(`tracer migrate: ${error.message}\n${MIGRATE_USAGE}\n`);
    return 2;
  }
  if (command === 'help') {
    await writeText(io.stdout, MIGRATE_HELP);
    return 0;
  }
  const client = clientFor(command);
  try {
    const table: DynamoDbTableOptions = {
      client,
      tableName: command.tableName,
      retentionDays: command.retentionDays,
      clock: systemClock,
    };
    const counts = await migrateLegacyItems({
      table,
      store: new DynamoDbTransitionStore(table),
      ...(command.fromTableName ? { fromTableName: command.fromTableName } : {}),
    });
    await writeText(
      io.stdout,
      command.json ? `${JSON.stringify(counts)}\n` : formatMigrationReport(counts, command),
    );
    return 0;
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(
      `tracer migrate: failed: ${name}: ${message}\nRun it again: what it moved stays moved.\n`,
    );
    return 1;
  } finally {
    client.destroy();
  }
}
