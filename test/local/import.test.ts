/**
 * `tracer import` end to end: the command line, each source (a file, a CloudWatch Logs group, ECS) and
 * each target (the table, through the recorder's code against dynalite; a local server over HTTP).
 */

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTasksCommand, ECSClient, ListTasksCommand, type Task } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbTaskHistory } from '../../lambda/adapters/dynamodb/dynamodb-task-history.js';
import type { CliIo } from '../../lambda/cli/io.js';
import { silentLogger } from '../../lambda/config/logger.js';
import { LIFECYCLE_TIMESTAMPS, type TaskDefinitionInfo } from '../../lambda/core/model.js';
import { RecorderEventSink } from '../../lambda/local/event-sinks.js';
import { streamHistorySource } from '../../lambda/local/history-sources.js';
import {
  type ImportCommandDeps,
  type ImportTargetSpec,
  parseImportArgs,
  runImport,
} from '../../lambda/local/import-command.js';
import { type LocalServer, startLocalServer } from '../../lambda/local/local-server.js';
import type { ImportReport } from '../../lambda/use-cases/import-history.js';
import { captureStream, runTracer } from '../cli/run-cli.js';
import { FIXTURE_CLUSTERS } from '../support/clusters.js';
import { createTracerTable, type DynaliteHandle, scanTable, startDynalite } from '../support/dynalite.js';
import { loadEvent } from '../support/fixtures.js';
import { dynamoRecorderDeps } from '../support/recorder.js';
import { loadReferences, REFERENCE_TASK_IDS } from '../support/reference-fixtures.js';
import { REPO_ROOT, removeDir, tempDir } from './local-harness.js';

const NOW_MS = Date.parse('2024-06-01T00:00:00Z');
const SAMPLE_EVENTS = join(REPO_ROOT, 'samples', 'events.jsonl');
const references = loadReferences();
const allEvents = references.flatMap((r) => r.events);
const taskDefinitions = new Map<string, TaskDefinitionInfo>(
  references[0]?.taskDefinitions.map((info) => [info.taskDefinitionArn, info]) ?? [],
);

const logs = mockClient(CloudWatchLogsClient);
const ecs = mockClient(ECSClient);

let db: DynaliteHandle;
let dir: string;
let tableCount = 0;

beforeAll(async () => {
  db = await startDynalite({ createTable: false });
  dir = await tempDir('tracer-import-');
});

afterAll(async () => {
  await db?.stop();
  await removeDir(dir);
});

beforeEach(() => {
  logs.reset();
  ecs.reset();
});

async function freshTable(): Promise<string> {
  tableCount += 1;
  const tableName = `import-${tableCount}`;
  await createTracerTable(db.client, tableName);
  return tableName;
}

/** The table target, wired to dynalite with ECS's answers faked, as `--table` wires it to AWS. */
const dynaliteTarget: ImportCommandDeps['openTarget'] = async (spec: ImportTargetSpec) => {
  if (spec.kind !== 'table') throw new Error('this test imports into the table');
  const deps = dynamoRecorderDeps({
    client: db.client,
    tableName: spec.tableName,
    nowMs: NOW_MS,
    retentionDays: spec.retentionDays,
    taskDefinitions,
  });
  return { value: new RecorderEventSink(deps), close: () => {} };
};

interface ImportRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function io(tty = false, env: Record<string, string> = {}) {
  const stdout = captureStream(tty);
  const stderr = captureStream(tty);
  let now = NOW_MS;
  const cli: CliIo = {
    stdout,
    stderr,
    env,
    // Each read moves time on, so that a progress line is drawn at every batch.
    nowMs: () => {
      now += 1_000;
      return now;
    },
    localTimeZone: 'UTC',
  };
  return { cli, stdout, stderr };
}

async function tracerImport(
  argv: readonly string[],
  options: {
    tty?: boolean;
    env?: Record<string, string>;
    deps?: Partial<ImportCommandDeps>;
    /** Keeps the command's own targets, for --endpoint. */
    realTargets?: boolean;
  } = {},
): Promise<ImportRun> {
  const { cli, stdout, stderr } = io(options.tty, options.env);
  const deps = options.realTargets ? (options.deps ?? {}) : { openTarget: dynaliteTarget, ...options.deps };
  const code = await runImport(argv, cli, deps);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

function report(run: ImportRun): ImportReport {
  return JSON.parse(run.stdout) as ImportReport;
}

describe('tracer import --file into the table', () => {
  it('imports the events once: a second run finds only duplicates and leaves the table as it was', async () => {
    // Prepare
    const tableName = await freshTable();

    // Act
    const first = await tracerImport(['--file', SAMPLE_EVENTS, '--table', tableName, '--json']);
    const afterFirst = await scanTable(db.client, tableName);
    const second = await tracerImport(['--file', SAMPLE_EVENTS, '--table', tableName, '--json']);
    const afterSecond = await scanTable(db.client, tableName);

    // Assess
    expect(first.code).toBe(0);
    expect(report(first)).toMatchObject({ read: 15, imported: 15, duplicates: 0, skipped: 0 });
    expect(report(second)).toMatchObject({ read: 15, imported: 0, duplicates: 15, skipped: 0 });
    expect(afterSecond).toEqual(afterFirst);
    expect(afterFirst.filter((item) => item.sk?.S === 'TASK').length).toBeGreaterThan(0);
  });

  it('skips malformed lines and events it does not record, reporting each with its line and reason', async () => {
    // Prepare
    const tableName = await freshTable();
    const path = join(dir, 'mixed.jsonl');
    const lines = [
      JSON.stringify(allEvents[0]),
      '{"version": "0", "id": ',
      JSON.stringify({ ...(allEvents[1] as object), 'detail-type': 'ECS Container Instance Weather Report' }),
      '',
      JSON.stringify(allEvents[1]),
    ];
    await writeFile(path, `${lines.join('\n')}\n`);

    // Act
    const run = await tracerImport(['--file', path, '--table', tableName]);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(
      new RegExp(
        [
          `^imported file ${path} into table ${tableName}`,
          ' {2}read {10}4 records',
          ' {2}imported {6}2 task transitions',
          ' {2}duplicates {4}0 already recorded',
          ' {2}service {7}0 service events',
          ' {2}skipped {7}2',
          ' {4}line 2: not JSON \\(.+\\)',
          ' {4}line 3: unsupported detail-type "ECS Container Instance Weather Report"',
          " {2}note: 2 events are older than the table's retention and expire at once; pass --retention-days with the stack's retention, or import a shorter range\n$",
        ].join('\n'),
      ),
    );
  });

  it('imports container instance events and EC2 notices into the host items', async () => {
    // Prepare
    const tableName = await freshTable();
    const path = join(dir, 'host.jsonl');
    const host = [
      loadEvent('container-instance-state-change_awsdocs'),
      loadEvent('ec2-spot-instance-interruption-warning_awsdocs'),
    ];
    await writeFile(path, `${host.map((e) => JSON.stringify(e)).join('\n')}\n`);

    // Act
    const run = await tracerImport(['--file', path, '--table', tableName, '--retention-days', '36500']);

    // Assess
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('  host          2 container instance and EC2 events\n');
  });

  it('reads the JSON output of aws logs filter-log-events', async () => {
    // Prepare
    const tableName = await freshTable();
    const path = join(dir, 'filter-log-events.json');
    const output = {
      events: allEvents.map((event, index) => ({
        logStreamName: '2021/11/26/[$LATEST]abc',
        timestamp: 1_637_945_000_000 + index,
        message: JSON.stringify(event),
        ingestionTime: 1_637_945_001_000 + index,
        eventId: `${index}`,
      })),
      searchedLogStreams: [{ logStreamName: '2021/11/26/[$LATEST]abc', searchedCompletely: true }],
    };
    await writeFile(path, JSON.stringify(output, null, 4));

    // Act
    const run = await tracerImport([
      '--file',
      path,
      '--table',
      tableName,
      '--retention-days',
      '3650',
      '--json',
    ]);

    // Assess
    expect(report(run)).toMatchObject({ read: 15, imported: 15, skipped: 0, olderThanRetention: 0 });
    const history = new DynamoDbTaskHistory({
      client: db.client,
      tableName,
      retentionDays: 3650,
      clock: { nowMs: () => NOW_MS },
    });
    expect(
      (await history.getTask(FIXTURE_CLUSTERS.default, REFERENCE_TASK_IDS.failedPull))?.summary.stopCode,
    ).toBe('TaskFailedToStart');
    // The import registered the days the tasks are listed under, so the listing finds them.
    const listed = await history.listTasks({ cluster: FIXTURE_CLUSTERS.default, limit: 10 });
    expect(listed.items.map((t) => t.summary.taskId)).toEqual([
      REFERENCE_TASK_IDS.serviceReplaced,
      REFERENCE_TASK_IDS.failedPull,
      REFERENCE_TASK_IDS.userStopped,
    ]);
  });

  it('reads standard input with --file -', async () => {
    // Prepare
    const tableName = await freshTable();
    async function* stdin() {
      yield Buffer.from(`${JSON.stringify(allEvents[0])}\n`);
      yield `${JSON.stringify(allEvents[1])}\n`;
    }

    // Act
    const run = await tracerImport(['--file', '-', '--table', tableName, '--json'], {
      deps: {
        openSource: async () => ({ value: streamHistorySource('standard input', stdin()), close: () => {} }),
      },
    });

    // Assess
    expect(report(run)).toMatchObject({ source: 'standard input', read: 2, imported: 2 });
  });

  it('shows progress on a terminal and erases it before the report', async () => {
    // Prepare
    const tableName = await freshTable();

    // Act
    const run = await tracerImport(['--file', SAMPLE_EVENTS, '--table', tableName], { tty: true });

    // Assess
    expect(run.stderr).toContain(
      `\r\x1b[Kimporting file ${SAMPLE_EVENTS}: read 15 · imported 15 · duplicates 0 · skipped 0`,
    );
    expect(run.stderr.endsWith('\r\x1b[K')).toBe(true);
  });

  it('shows no progress when stderr is not a terminal', async () => {
    // Prepare
    const tableName = await freshTable();

    // Act
    const run = await tracerImport(['--file', SAMPLE_EVENTS, '--table', tableName]);

    // Assess
    expect(run.stderr).toBe('');
  });

  it('fails with exit code 1 for a file that does not exist', async () => {
    // Act
    const run = await tracerImport(['--file', join(dir, 'missing.jsonl'), '--table', 'tracer']);

    // Assess
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr: `tracer import: cannot read ${join(dir, 'missing.jsonl')}: no such file\n`,
    });
  });

  it('uses TRACER_TABLE_NAME when no target is given', async () => {
    // Prepare
    const tableName = await freshTable();

    // Act
    const run = await tracerImport(['--file', SAMPLE_EVENTS, '--json'], {
      env: { TRACER_TABLE_NAME: tableName },
    });

    // Assess
    expect(report(run)).toMatchObject({ imported: 15 });
  });
});

/** EventBridge-to-CloudWatch-Logs log events of the reference events, in pages of `pageSize`. */
function archivePages(pageSize: number) {
  const events = allEvents.map((event, index) => ({
    logStreamName: 'eventbridge',
    eventId: `le-${index}`,
    timestamp: 1_637_945_000_000 + index,
    message: JSON.stringify(event),
  }));
  const pages = [];
  for (let start = 0; start < events.length; start += pageSize) {
    const end = start + pageSize;
    pages.push({
      events: events.slice(start, end),
      ...(end < events.length ? { nextToken: `token-${end}` } : {}),
    });
  }
  return pages;
}

describe('tracer import --log-group', () => {
  it('imports every page of the log group, within --since and --until', async () => {
    // Prepare
    const tableName = await freshTable();
    const pages = archivePages(4);
    let mock = logs.on(FilterLogEventsCommand);
    for (const page of pages) mock = mock.resolvesOnce(page);
    mock.resolves({ events: [] });

    // Act
    const run = await tracerImport([
      '--log-group',
      '/aws/events/ecs',
      '--since',
      '30d',
      '--until',
      '2024-05-31T00:00:00Z',
      '--region',
      'ap-northeast-1',
      '--table',
      tableName,
      '--json',
    ]);

    // Assess
    expect(report(run)).toMatchObject({ source: 'log group /aws/events/ecs', read: 15, imported: 15 });
    const inputs = logs.commandCalls(FilterLogEventsCommand).map((c) => c.args[0].input);
    expect(inputs).toHaveLength(pages.length);
    expect(inputs[0]).toMatchObject({
      logGroupName: '/aws/events/ecs',
      limit: 10_000,
      endTime: Date.parse('2024-05-31T00:00:00Z'),
    });
    // 30 days before the command started (the test clock moves one second per read).
    expect(inputs[0]?.startTime).toBe(NOW_MS + 1_000 - 30 * 86_400_000);
    expect(inputs.slice(1).map((input) => input.nextToken)).toEqual(['token-4', 'token-8', 'token-12']);
  });

  it('skips a log event whose message is not an event, naming it', async () => {
    // Prepare
    const tableName = await freshTable();
    logs.on(FilterLogEventsCommand).resolves({
      events: [
        { logStreamName: 's', eventId: 'e1', timestamp: 1, message: 'not json at all' },
        { logStreamName: 's', eventId: 'e2', timestamp: 2, message: JSON.stringify(allEvents[0]) },
      ],
    });

    // Act
    const run = await tracerImport([
      '--log-group',
      'g',
      '--region',
      'us-east-1',
      '--table',
      tableName,
      '--json',
    ]);

    // Assess
    expect(report(run)).toMatchObject({
      read: 2,
      imported: 1,
      skippedRecords: [
        { position: 'log event e1 in stream s', reason: expect.stringMatching(/^its message is not JSON/) },
      ],
    });
  });

  it('fails with exit code 1 and the reason when the log group does not exist', async () => {
    // Prepare
    logs
      .on(FilterLogEventsCommand)
      .rejects(
        new ResourceNotFoundException({ message: 'The specified log group does not exist.', $metadata: {} }),
      );

    // Act
    const run = await tracerImport(['--log-group', '/nope', '--region', 'us-east-1', '--table', 't']);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'tracer import: log group /nope does not exist in this region; check its name and --region\n',
    );
  });
});

/** DescribeTasks' view of a reference task: the detail of its last event, with dates as the SDK gives them. */
function describedTask(taskId: string): Task {
  const reference = references.find((r) => r.taskId === taskId);
  const last = reference?.events.at(-1) as { detail: Record<string, unknown> };
  const task: Record<string, unknown> = { ...last.detail };
  for (const field of LIFECYCLE_TIMESTAMPS) {
    if (typeof task[field] === 'string') task[field] = new Date(task[field] as string);
  }
  delete task.updatedAt;
  return task as Task;
}

describe('tracer import --ecs', () => {
  beforeEach(() => {
    ecs.on(ListTasksCommand, { desiredStatus: 'RUNNING' }).resolves({ taskArns: [] });
    ecs.on(ListTasksCommand, { desiredStatus: 'PENDING' }).resolves({ taskArns: [] });
    ecs
      .on(ListTasksCommand, { desiredStatus: 'STOPPED' })
      .resolves({ taskArns: references.map((r) => describedTask(r.taskId).taskArn ?? '') });
    ecs
      .on(DescribeTasksCommand)
      .resolves({ tasks: references.map((r) => describedTask(r.taskId)), failures: [] });
  });

  it('records the tasks ECS remembers with their real version and times, and a second run changes nothing', async () => {
    // Prepare
    const tableName = await freshTable();
    const argv = [
      '--ecs',
      '--cluster',
      'default',
      '--region',
      'ap-northeast-1',
      '--table',
      tableName,
      '--retention-days',
      '3650',
      '--json',
    ];

    // Act
    const first = await tracerImport(argv);
    const afterFirst = await scanTable(db.client, tableName);
    const second = await tracerImport(argv);

    // Assess
    expect(report(first)).toMatchObject({
      source: 'ECS cluster default',
      read: 3,
      imported: 3,
      duplicates: 0,
    });
    expect(report(second)).toMatchObject({ read: 3, imported: 0, duplicates: 3 });
    expect(await scanTable(db.client, tableName)).toEqual(afterFirst);
    const history = new DynamoDbTaskHistory({
      client: db.client,
      tableName,
      retentionDays: 3650,
      clock: { nowMs: () => NOW_MS },
    });
    const task = await history.getTask(FIXTURE_CLUSTERS.default, REFERENCE_TASK_IDS.userStopped);
    expect(task?.summary).toMatchObject({
      version: 5,
      lastStatus: 'STOPPED',
      createdAt: '2021-11-26T16:49:41.251Z',
      stoppedAt: '2021-11-26T17:02:33.559Z',
      stopCode: 'UserInitiated',
    });
    expect(ecs.commandCalls(DescribeTasksCommand)[0]?.args[0].input).toMatchObject({ cluster: 'default' });
  });

  it('treats the version that EventBridge already delivered as a duplicate', async () => {
    // Prepare
    const tableName = await freshTable();
    await tracerImport(['--file', SAMPLE_EVENTS, '--table', tableName]);

    // Act
    const run = await tracerImport([
      '--ecs',
      '--cluster',
      'default',
      '--region',
      'us-east-1',
      '--table',
      tableName,
      '--json',
    ]);

    // Assess
    expect(report(run)).toMatchObject({ read: 3, imported: 0, duplicates: 3 });
  });
});

describe('tracer import --endpoint', () => {
  let dataDir: string;
  let server: LocalServer;

  beforeAll(async () => {
    dataDir = await tempDir();
    server = await startLocalServer({
      port: 0,
      dataDir,
      aws: 'off',
      samples: false,
      logger: silentLogger,
      clock: { nowMs: () => NOW_MS },
    });
  });

  afterAll(async () => {
    await server?.close();
    await removeDir(dataDir);
  });

  it('imports into a local server, and the second run finds only duplicates', async () => {
    // Act
    const first = await tracerImport(['--file', SAMPLE_EVENTS, '--endpoint', server.url, '--json'], {
      realTargets: true,
    });
    const second = await tracerImport(['--file', SAMPLE_EVENTS, '--endpoint', server.url], {
      realTargets: true,
    });

    // Assess
    expect(report(first)).toMatchObject({ read: 15, imported: 15, duplicates: 0, skipped: 0 });
    expect(second.stdout).toContain(
      `imported file ${SAMPLE_EVENTS} into the local server at ${server.url}\n`,
    );
    expect(second.stdout).toContain('  duplicates    15 already recorded\n');
    const tasks = await fetch(`${server.url}/clusters/default/tasks`).then((r) => r.json());
    expect(tasks).toMatchObject({ tasks: [{}, {}, {}] });
  });

  it('fails with exit code 1 when nothing listens at the endpoint', async () => {
    // Prepare
    const closedDir = await tempDir();
    const closed = await startLocalServer({
      port: 0,
      dataDir: closedDir,
      aws: 'off',
      samples: false,
      logger: silentLogger,
    });
    await closed.close();
    await removeDir(closedDir);

    // Act
    const run = await tracerImport(['--file', SAMPLE_EVENTS, '--endpoint', closed.url], {
      realTargets: true,
    });

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('is the local server running (npm start)?');
    expect(run.stderr).toContain('before it stopped: read 15, imported 0, duplicates 0, skipped 0\n');
  });
});

describe('the tracer import command line', () => {
  it.each([
    [[], 'choose one source: --log-group NAME, --file PATH, or --ecs --cluster NAME'],
    [
      ['--file', 'a', '--log-group', 'g'],
      'choose one source: --log-group NAME, --file PATH, or --ecs --cluster NAME',
    ],
    [['--file', 'a', '--since', '1h'], '--since and --until apply to --log-group'],
    [['--file', 'a', '--cluster', 'c'], '--cluster applies to --ecs'],
    [['--ecs'], '--ecs needs --cluster NAME'],
    [
      ['--file', 'a', '--table', 't', '--endpoint', 'http://127.0.0.1:1'],
      'choose one target: --table NAME or --endpoint URL',
    ],
    [
      ['--file', 'a'],
      'choose a target: --table NAME (or TRACER_TABLE_NAME), or --endpoint URL of a local server',
    ],
    [
      ['--log-group', 'g', '--since', 'yesterday', '--table', 't'],
      '--since: "yesterday" is not a time; use ISO 8601 (2024-05-01T12:00:00Z) or a duration ago (12h, 30d)',
    ],
    [
      ['--log-group', 'g', '--since', '1h', '--until', '2h', '--table', 't'],
      '--since must not be after --until',
    ],
    [['--file', 'a', '--endpoint', 'ftp://x'], '--endpoint: "ftp://x" must start with http:// or https://'],
    [
      ['--file', 'a', '--endpoint', 'http://x', '--retention-days', '9'],
      '--retention-days applies to --table',
    ],
    [
      ['--file', 'a', '--table', 't', '--retention-days', '0'],
      '--retention-days: must be a whole number of days, at least 1, got "0"',
    ],
    [['--file', 'a', '--table', 't', 'extra'], 'unexpected argument "extra"'],
  ])('rejects %j with exit code 2', async (argv, message) => {
    // Act
    const run = await tracerImport(argv);

    // Assess
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr: `tracer import: ${message}\nusage: tracer import (--log-group NAME | --file PATH | --ecs --cluster NAME) (--table NAME | --endpoint URL)\n`,
    });
  });

  it('rejects an unknown flag with exit code 2', async () => {
    // Act
    const run = await tracerImport(['--fil', 'a']);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^tracer import: Unknown option '--fil'/);
  });

  it('takes the retention from TRACER_RETENTION_DAYS for the table', () => {
    // Act
    const command = parseImportArgs(['--file', 'a', '--table', 't'], {
      env: { TRACER_RETENTION_DAYS: '400' },
      nowMs: NOW_MS,
    });

    // Assess
    expect(command).toMatchObject({ target: { kind: 'table', tableName: 't', retentionDays: 400 } });
  });

  it('is reachable as a tracer subcommand, with its own help', async () => {
    // Act
    const run = await runTracer(['import', '--help']);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^tracer import: backfill tracer with ECS history/);
    expect(run.stderr).toBe('');
  });
});
