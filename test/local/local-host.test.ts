/**
 * Local mode and the host's side: container instance events and EC2's Spot and rebalance notices posted
 * to `POST /events`, then a trace with its `INSTANCE` lines, as the API gives it.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lambda/config/logger.js';
import type { PostedEventsAnswer } from '../../lambda/local/local-event-intake.js';
import { type LocalServer, startLocalServer } from '../../lambda/local/local-server.js';
import { loadEvent } from '../support/fixtures.js';
import { loadLogDriverFixture } from '../support/log-driver-fixtures.js';
import { call, removeDir, tempDir } from './local-harness.js';

const clock = { nowMs: () => Date.parse('2024-06-01T00:00:00Z') };

describe('local mode with the host of an EC2 task', () => {
  let dataDir: string;
  let server: LocalServer;

  beforeAll(async () => {
    dataDir = await tempDir();
    server = await startLocalServer({ port: 0, dataDir, aws: 'off', logger: silentLogger, clock });
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await removeDir(dataDir);
  });

  it('records container instance events and EC2 notices, and says what each was', async () => {
    // Act
    const answer = await call(
      server.url,
      'POST',
      '/events',
      JSON.stringify([
        loadEvent('container-instance-state-change_awsdocs'),
        loadEvent('ec2-spot-instance-interruption-warning_awsdocs'),
        loadEvent('ec2-instance-rebalance-recommendation_awsdocs'),
      ]),
    );

    // Assess
    expect(answer.status).toBe(200);
    const body = answer.json as PostedEventsAnswer;
    expect(body.stored).toBe(3);
    expect(body.results.map((r) => [r.type, r.containerInstanceId ?? r.ec2InstanceId])).toEqual([
      ['container-instance-change', 'b54a2a04-046f-4331-9d74-3f6d7f6ca315'],
      ['ec2-instance-notice', 'i-1234567890abcdef0'],
      ['ec2-instance-notice', 'i-1234567890abcdef0'],
    ]);
  }, 60_000);

  it('rejects an EC2 notice without an instance, naming the field', async () => {
    const raw = loadEvent('ec2-spot-instance-interruption-warning_awsdocs');
    raw.detail = {};
    raw.resources = [];

    const answer = await call(server.url, 'POST', '/events', JSON.stringify(raw));

    expect(answer.status).toBe(400);
    expect((answer.json as PostedEventsAnswer).results[0]?.reason).toBe(
      'detail.instance-id: expected an EC2 instance id (i-...), got nothing',
    );
  }, 60_000);

  it.each([['hostDrained'], ['hostSpot']] as const)(
    'traces the %s task with its INSTANCE lines, exactly as the golden trace',
    async (name) => {
      // Prepare: a server of its own, as both tasks are the same task on the same host
      const ownDir = await tempDir();
      const own = await startLocalServer({
        port: 0,
        dataDir: ownDir,
        aws: 'off',
        logger: silentLogger,
        clock,
      });
      try {
        await traceMatchesGolden(own, name);
      } finally {
        await own.close();
        await removeDir(ownDir);
      }
    },
    60_000,
  );
});

async function traceMatchesGolden(server: LocalServer, name: 'hostDrained' | 'hostSpot'): Promise<void> {
  const fixture = loadLogDriverFixture(name);
  const batches = fixture.streams.map(({ logGroup, logStream, events }) => ({
    logGroup,
    logStream,
    events,
  }));

  // Act
  const events = await call(server.url, 'POST', '/events', JSON.stringify(fixture.events));
  const definitions = await call(
    server.url,
    'POST',
    '/task-definitions',
    JSON.stringify(fixture.describeTaskDefinition),
  );
  const logs = await call(server.url, 'POST', '/logs', JSON.stringify(batches));
  const text = await call(server.url, 'GET', `/clusters/Features/tasks/${fixture.taskId}/trace?tz=UTC`);

  // Assess
  expect([events.status, definitions.status, logs.status]).toEqual([200, 200, 200]);
  expect(text.text).toBe(readFileSync(fixture.goldenPath, 'utf8'));
}
