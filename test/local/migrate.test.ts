/**
 * `tracer migrate`: history that the earlier layout holds (one item per transition and a summary per
 * task, written here as that recorder wrote them) reads the same after the migration, in place and from
 * another table, and a second run changes nothing.
 */

import { join } from 'node:path';
import { BatchWriteItemCommand, type DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbTaskHistory } from '../../lambda/adapters/dynamodb/dynamodb-task-history.js';
import type { CliIo } from '../../lambda/cli/io.js';
import { silentLogger } from '../../lambda/config/logger.js';
import type { TaskListResponse } from '../../lambda/core/api-types.js';
import { parseEcsEvent } from '../../lambda/core/ecs-event.js';
import { classifyFailure } from '../../lambda/core/failure.js';
import type { TaskTransition } from '../../lambda/core/model.js';
import { EARLIER_LOCAL_TABLE_NAME } from '../../lambda/local/earlier-table.js';
import { LOCAL_TABLE_NAME, startLocalServer } from '../../lambda/local/local-server.js';
import { runMigrate } from '../../lambda/local/migrate-command.js';
import { captureStream } from '../cli/run-cli.js';
import { FIXTURE_CLUSTERS } from '../support/clusters.js';
import { createTracerTable, type DynaliteHandle, scanTable, startDynalite } from '../support/dynalite.js';
import { eventFixtureNames, loadEvent } from '../support/fixtures.js';
import { call, removeDir, tempDir } from './local-harness.js';

const NOW_MS = Date.parse('2020-07-01T00:00:00Z');
const RETENTION_DAYS = 3650;

let db: DynaliteHandle;
let tables = 0;

beforeAll(async () => {
  db = await startDynalite({ createTable: false });
});
afterAll(async () => {
  await db.stop();
});

async function freshTable(): Promise<string> {
  tables += 1;
  const name = `migrate-${tables}`;
  await createTracerTable(db.client, name);
  return name;
}

function transitions(names: readonly string[]): TaskTransition[] {
  return names.map((name) => {
    const event = parseEcsEvent(loadEvent(name));
    if (event.type !== 'task-state-change') throw new Error(`${name} is not a task state change`);
    return event.transition;
  });
}

const FARGATE = transitions(eventFixtureNames('lifecycle-fargate-'));
const OOM = transitions(['task-stopped-oom']);

/** Writes a task as the earlier recorder did: `V#` items, a `SUMMARY` with its listing keys, the cluster. */
async function writeEarlierLayout(
  client: DynamoDBClient,
  tableName: string,
  task: readonly TaskTransition[],
) {
  const newest = task.at(-1) as TaskTransition;
  const pk = `T#${newest.clusterName}#${newest.taskId}`;
  const expiresAt = Math.floor(Date.parse(newest.eventTime) / 1000) + RETENTION_DAYS * 86_400;
  const failure = classifyFailure(newest);
  const listedAt = newest.createdAt ?? newest.eventTime;
  const items = [
    ...task.map((t) => ({
      pk,
      sk: `V#${String(t.version).padStart(12, '0')}`,
      itemType: 'transition',
      ...t,
      expiresAt,
    })),
    {
      pk,
      sk: 'SUMMARY',
      itemType: 'summary',
      ...newest,
      ...(failure ? { failure } : {}),
      gsi1pk: `C#${newest.clusterName}#${listedAt.slice(0, 10)}`,
      gsi1sk: `${listedAt}#${newest.taskId}`,
      expiresAt,
    },
    {
      pk: 'CLUSTERS',
      sk: newest.clusterName,
      itemType: 'cluster',
      clusterName: newest.clusterName,
      lastSeenAt: `${newest.eventTime.slice(0, 10)}T00:00:00.000Z`,
      activeDays: new Set([listedAt.slice(0, 10)]),
      expiresAt,
    },
  ];
  await client.send(
    new BatchWriteItemCommand({
      RequestItems: {
        [tableName]: items.map((item) => ({
          PutRequest: { Item: marshall(item, { removeUndefinedValues: true }) },
        })),
      },
    }),
  );
}

function io(): CliIo & { out: () => string; err: () => string } {
  const stdout = captureStream();
  const stderr = captureStream();
  return {
    stdout,
    stderr,
    env: {},
    nowMs: () => NOW_MS,
    localTimeZone: 'UTC',
    out: () => stdout.text(),
    err: () => stderr.text(),
  };
}

function history(tableName: string): DynamoDbTaskHistory {
  return new DynamoDbTaskHistory({
    client: db.client,
    tableName,
    retentionDays: RETENTION_DAYS,
    clock: { nowMs: () => NOW_MS },
  });
}

async function migrate(args: string[]) {
  const streams = io();
  const code = await runMigrate(
    [...args, '--retention-days', String(RETENTION_DAYS), '--json'],
    streams,
    () => db.client,
  );
  return { code, counts: code === 0 ? JSON.parse(streams.out()) : undefined, stderr: streams.err() };
}

describe('tracer migrate', () => {
  it('moves tasks of the earlier layout into task items that read the same, and deletes the old items', async () => {
    // Prepare
    const tableName = await freshTable();
    await writeEarlierLayout(db.client, tableName, FARGATE);
    await writeEarlierLayout(db.client, tableName, OOM);

    // Act
    const run = await migrate(['--table', tableName]);

    // Assess
    expect(run.code).toBe(0);
    expect(run.counts).toMatchObject({ tasks: 2, transitions: 7, duplicates: 0, deleted: 9 });
    const read = history(tableName);
    expect(
      await read.listTransitions(FIXTURE_CLUSTERS.FargateCluster, FARGATE[0]?.taskId ?? ''),
    ).toStrictEqual(FARGATE);
    const oom = await read.getTask(FIXTURE_CLUSTERS.Features, OOM[0]?.taskId ?? '');
    expect(oom?.summary).toStrictEqual(OOM[0]);
    expect(oom?.failure).toStrictEqual(classifyFailure(OOM[0] as TaskTransition));
    const failed = await read.listTasks({ cluster: FIXTURE_CLUSTERS.Features, failedOnly: true, limit: 10 });
    expect(failed.items.map((t) => t.summary.taskId)).toEqual([OOM[0]?.taskId]);
    const listed = await read.listTasks({ cluster: FIXTURE_CLUSTERS.FargateCluster, limit: 10 });
    expect(listed.items.map((t) => t.summary.version)).toEqual([6]);
    const left = (await scanTable(db.client, tableName)).map((item) => item.sk?.S ?? '');
    expect(left.filter((sk) => sk === 'SUMMARY' || sk.startsWith('V#'))).toEqual([]);
  });

  it('changes nothing when it runs again', async () => {
    // Prepare
    const tableName = await freshTable();
    await writeEarlierLayout(db.client, tableName, FARGATE);
    await migrate(['--table', tableName]);
    const before = await scanTable(db.client, tableName);

    // Act
    const again = await migrate(['--table', tableName]);

    // Assess
    expect(again.counts).toMatchObject({ tasks: 0, transitions: 0, deleted: 0 });
    expect(await scanTable(db.client, tableName)).toEqual(before);
  });

  it('copies from the table an earlier stack kept, leaving that table as it was', async () => {
    // Prepare
    const oldTable = await freshTable();
    const newTable = await freshTable();
    await writeEarlierLayout(db.client, oldTable, FARGATE);
    const oldItems = await scanTable(db.client, oldTable);

    // Act
    const first = await migrate(['--from-table', oldTable, '--table', newTable]);
    const second = await migrate(['--from-table', oldTable, '--table', newTable]);

    // Assess
    // The earlier cluster item, named without its account and region, is registered anew by its task.
    expect(first.counts).toMatchObject({ tasks: 1, transitions: 6, copied: 0 });
    expect(second.counts).toMatchObject({
      tasks: 1,
      transitions: 0,
      duplicates: 6,
      copied: 0,
      alreadyCopied: 0,
    });
    expect(await scanTable(db.client, oldTable)).toEqual(oldItems);
    expect(
      await history(newTable).listTransitions(FIXTURE_CLUSTERS.FargateCluster, FARGATE[0]?.taskId ?? ''),
    ).toStrictEqual(FARGATE);
    expect((await history(newTable).listClusters()).map((c) => c.clusterName)).toEqual(['FargateCluster']);
  });

  it('lets local mode move the history of its earlier table at start, then delete that table', async () => {
    // Prepare
    const dataDir = await tempDir();
    const earlier = await startDynalite({ path: join(dataDir, 'dynamodb'), createTable: false });
    await createTracerTable(earlier.client, EARLIER_LOCAL_TABLE_NAME);
    await writeEarlierLayout(earlier.client, EARLIER_LOCAL_TABLE_NAME, FARGATE);
    await earlier.stop();

    // Act
    const server = await startLocalServer({
      port: 0,
      dataDir,
      clock: { nowMs: () => NOW_MS },
      aws: 'off',
      logger: silentLogger,
      samples: false,
    });
    try {
      const answer = await call(server.url, 'GET', '/clusters/FargateCluster/tasks');

      // Assess
      expect((answer.json as TaskListResponse).tasks.map((t) => t.taskId)).toEqual([FARGATE[0]?.taskId]);
    } finally {
      await server.close();
    }
    const after = await startDynalite({ path: join(dataDir, 'dynamodb'), createTable: false });
    try {
      const { TableNames = [] } = await after.client.send(new ListTablesCommand({}));
      expect(TableNames).toEqual([LOCAL_TABLE_NAME]);
    } finally {
      await after.stop();
      await removeDir(dataDir);
    }
  });

  it('rejects a command line without a table, naming what to pass', async () => {
    const streams = io();

    const code = await runMigrate([], streams, () => db.client);

    expect(code).toBe(2);
    expect(streams.err()).toMatch(/choose the table: --table NAME/);
  });
});
