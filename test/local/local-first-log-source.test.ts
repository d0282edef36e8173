import { describe, expect, it } from 'vitest';
import { LogUnavailableError } from '../../lambda/core/errors.js';
import { LocalFirstLogSource } from '../../lambda/local/local-first-log-source.js';
import { LocalLogStore } from '../../lambda/local/local-log-store.js';
import type { LogSource, LogStreamRequest, LogStreamResult } from '../../lambda/use-cases/ports.js';

function request(logGroup: string, logStream: string): LogStreamRequest {
  return { containerName: 'app', logGroup, logStream, startMs: 0, endMs: 100 };
}

/** CloudWatch Logs as a fake: one stream it holds, or one error for everything. */
class FakeCloudWatch implements LogSource {
  readonly asked: string[] = [];
  constructor(private readonly failure?: LogUnavailableError) {}

  async readLogStream(req: LogStreamRequest): Promise<LogStreamResult> {
    this.asked.push(`${req.logGroup}/${req.logStream}`);
    if (this.failure) throw this.failure;
    return { events: [{ timestampMs: 1, message: 'from CloudWatch' }], calls: 2, truncated: false };
  }
}

async function localStore(): Promise<LocalLogStore> {
  const store = await LocalLogStore.open();
  await store.append([
    { logGroup: '/ecs/local', logStream: 'ecs/app/1', events: [{ timestampMs: 5, message: 'local' }] },
  ]);
  return store;
}

describe('LocalFirstLogSource', () => {
  it('reads a stream from the local store when it holds it, without asking CloudWatch', async () => {
    // Prepare
    const cloudWatch = new FakeCloudWatch();
    const source = new LocalFirstLogSource(await localStore(), cloudWatch);

    // Act
    const result = await source.readLogStream(request('/ecs/local', 'ecs/app/1'));

    // Assess
    expect(result.events).toEqual([{ timestampMs: 5, message: 'local' }]);
    expect(cloudWatch.asked).toEqual([]);
  });

  it('reads any other stream from CloudWatch Logs', async () => {
    // Prepare
    const cloudWatch = new FakeCloudWatch();
    const source = new LocalFirstLogSource(await localStore(), cloudWatch);

    // Act
    const result = await source.readLogStream(request('/ecs/real', 'ecs/app/2'));

    // Assess
    expect(result).toEqual({
      events: [{ timestampMs: 1, message: 'from CloudWatch' }],
      calls: 2,
      truncated: false,
    });
    expect(cloudWatch.asked).toEqual(['/ecs/real/ecs/app/2']);
  });

  it('reports the local answer for a missing stream of a local group, whatever CloudWatch said', async () => {
    // Prepare
    const cloudWatch = new FakeCloudWatch(
      new LogUnavailableError('log-group-not-found', 'log group /ecs/local does not exist'),
    );
    const source = new LocalFirstLogSource(await localStore(), cloudWatch);

    // Act
    const read = source.readLogStream(request('/ecs/local', 'ecs/app/never-started'));

    // Assess
    await expect(read).rejects.toMatchObject({
      reason: 'log-stream-not-found',
      message: 'log stream ecs/app/never-started does not exist in log group /ecs/local',
    });
  });

  it.each([
    [
      'throttling, even for a local group',
      '/ecs/local',
      new LogUnavailableError('throttled', 'kept throttling'),
    ],
    [
      'any failure for a group it does not hold',
      '/ecs/real',
      new LogUnavailableError('access-denied', 'denied'),
    ],
  ])('passes on CloudWatch failures: %s', async (_name, group, failure) => {
    // Prepare
    const source = new LocalFirstLogSource(await localStore(), new FakeCloudWatch(failure));

    // Act
    const read = source.readLogStream(request(group, 'ecs/app/9'));

    // Assess
    await expect(read).rejects.toBe(failure);
  });

  it('answers from the local store alone when there is no CloudWatch', async () => {
    // Prepare
    const source = new LocalFirstLogSource(await localStore());

    // Act
    const read = source.readLogStream(request('/ecs/real', 'ecs/app/2'));

    // Assess
    await expect(read).rejects.toMatchObject({ reason: 'log-group-not-found' });
  });
});
