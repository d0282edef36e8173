/**
 * A data folder whose cluster items predate the active-day registry: local mode fills the registry from
 * the recorded summaries at start, so that listings read only the days that hold tasks.
 */
import { join } from 'node:path';
import { QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lambda/config/logger.js';
import type { TaskListResponse } from '../../lambda/core/api-types.js';
import { LOCAL_TABLE_NAME, startLocalServer } from '../../lambda/local/local-server.js';
import { CapturingLogger } from '../fakes/in-memory-recorder.js';
import { startDynalite } from '../support/dynalite.js';
import { REFERENCE_TASK_IDS } from '../support/reference-fixtures.js';
import { call, removeDir, tempDir } from './local-harness.js';

const clock = { nowMs: () => Date.parse('2024-06-01T00:00:00Z') };

/** Removes `activeDays` from every cluster item, as the recorder wrote them before the registry existed. */
async function stripActiveDays(dataDir: string): Promise<string[]> {
  const db = await startDynalite({ path: join(dataDir, 'dynamodb'), createTable: false });
  try {
    const { Items = [] } = await db.client.send(
      new QueryCommand({
        TableName: LOCAL_TABLE_NAME,
        KeyConditionExpression: 'pk = :clusters',
        ExpressionAttributeValues: { ':clusters': { S: 'CLUSTERS' } },
      }),
    );
    const names = Items.flatMap((item) => (item.sk?.S ? [item.sk.S] : []));
    for (const name of names) {
      await db.client.send(
        new UpdateItemCommand({
          TableName: LOCAL_TABLE_NAME,
          Key: { pk: { S: 'CLUSTERS' }, sk: { S: name } },
          UpdateExpression: 'REMOVE activeDays',
        }),
      );
    }
    return names;
  } finally {
    await db.stop();
  }
}

/** The sample cluster's key segment: its account, region and name. */
const SAMPLE_SCOPE = '123456789012:ap-northeast-1:default';

describe('local mode on a table from before the active-day registry', () => {
  let dataDir: string;
  const logger = new CapturingLogger();

  beforeAll(async () => {
    dataDir = await tempDir();
    const first = await startLocalServer({ port: 0, dataDir, clock, aws: 'off', logger: silentLogger });
    await first.close();
  });

  afterAll(async () => {
    await removeDir(dataDir);
  });

  it('fills the registry at start and lists the sample tasks from it', async () => {
    // Prepare
    const stripped = await stripActiveDays(dataDir);

    // Act
    const server = await startLocalServer({ port: 0, dataDir, clock, aws: 'off', logger });
    try {
      const answer = await call(server.url, 'GET', '/clusters/default/tasks');

      // Assess
      expect(stripped).toEqual([SAMPLE_SCOPE]);
      expect(logger.at('info')).toContainEqual(
        expect.objectContaining({
          message: 'registered the active days of clusters',
          fields: { clusters: [SAMPLE_SCOPE] },
        }),
      );
      expect((answer.json as TaskListResponse).tasks.map((t) => t.taskId)).toEqual([
        REFERENCE_TASK_IDS.serviceReplaced,
        REFERENCE_TASK_IDS.failedPull,
        REFERENCE_TASK_IDS.userStopped,
      ]);
    } finally {
      await server.close();
    }
  });
});
