import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lambda/config/logger.js';
import { EndpointEventSink, EndpointImportError, RecorderEventSink } from '../../lambda/local/event-sinks.js';
import type { PostedEventsAnswer } from '../../lambda/local/local-event-intake.js';
import { createRecorderCache } from '../../lambda/use-cases/record-event.js';
import {
  FakeServiceEventSource,
  FakeTaskDefinitionSource,
  InMemoryServiceEventStore,
  InMemoryTaskDefinitionStore,
  InMemoryTransitionStore,
} from '../fakes/in-memory-recorder.js';
import { InMemoryInstanceStore } from '../fakes/instance-store.js';
import { loadEvent } from '../support/fixtures.js';

interface Received {
  readonly method: string;
  readonly path: string;
  readonly body: string;
}

/** A loopback server that answers each request with the next of `answers`. */
async function fakeServer(
  answers: ReadonlyArray<(received: Received) => { status: number; body: string }>,
): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry = {
        method: request.method ?? '',
        path: request.url ?? '',
        body: Buffer.concat(chunks).toString(),
      };
      received.push(entry);
      const answer = answers[Math.min(received.length, answers.length) - 1]?.(entry) ?? {
        status: 500,
        body: '',
      };
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, server };
}

const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** What the local server answers: every posted event stored. */
function storedAll(received: Received) {
  const events = JSON.parse(received.body) as unknown[];
  const answer: PostedEventsAnswer = {
    received: events.length,
    stored: events.length,
    duplicates: 0,
    rejected: 0,
    failed: 0,
    results: events.map((_, index) => ({
      index,
      position: `item ${index + 1}`,
      status: index === 0 ? 'duplicate' : 'stored',
      type: 'task-state-change',
    })),
  };
  return { status: 200, body: JSON.stringify(answer) };
}

const noSleep = async () => {};
const EVENT = loadEvent('lifecycle-fargate-1-provisioning');

describe('EndpointEventSink', () => {
  it('posts the EventBridge events as a JSON array and rejects anything else itself, keeping the order', async () => {
    // Prepare
    const fake = await fakeServer([storedAll]);
    const sink = new EndpointEventSink({ endpoint: fake.url, sleep: noSleep });

    // Act
    const outcomes = await sink.record([EVENT, [EVENT], { ...EVENT, id: 'other' }]);

    // Assess
    expect(outcomes).toEqual([
      { status: 'duplicate', type: 'task-state-change' },
      { status: 'rejected', reason: '(event): Invalid input: expected object, received array' },
      { status: 'stored', type: 'task-state-change' },
    ]);
    expect(fake.received).toHaveLength(1);
    expect(fake.received[0]).toMatchObject({ method: 'POST', path: '/events' });
    expect(JSON.parse(fake.received[0]?.body ?? '')).toEqual([EVENT, { ...EVENT, id: 'other' }]);
  });

  it('reads the rejections of a batch the server refused as a whole', async () => {
    // Prepare
    const refused: PostedEventsAnswer = {
      received: 1,
      stored: 0,
      duplicates: 0,
      rejected: 1,
      failed: 0,
      results: [
        { index: 0, position: 'item 1', status: 'rejected', reason: 'detail.version: expected a number' },
      ],
    };
    const fake = await fakeServer([() => ({ status: 400, body: JSON.stringify(refused) })]);

    // Act
    const outcomes = await new EndpointEventSink({ endpoint: fake.url, sleep: noSleep }).record([EVENT]);

    // Assess
    expect(outcomes).toEqual([{ status: 'rejected', reason: 'detail.version: expected a number' }]);
  });

  it('sends a batch again after a server failure, since recording is idempotent', async () => {
    // Prepare
    const fake = await fakeServer([
      () => ({ status: 500, body: JSON.stringify({ error: { code: 'InternalError', message: 'boom' } }) }),
      storedAll,
    ]);
    const sink = new EndpointEventSink({ endpoint: `${fake.url}/`, sleep: noSleep });

    // Act
    const outcomes = await sink.record([EVENT]);

    // Assess
    expect(outcomes).toEqual([{ status: 'duplicate', type: 'task-state-change' }]);
    expect(fake.received).toHaveLength(2);
  });

  it('fails after its attempts, quoting the last answer', async () => {
    // Prepare
    const fake = await fakeServer([
      () => ({ status: 503, body: JSON.stringify({ error: { message: 'shutting down' } }) }),
    ]);
    const sink = new EndpointEventSink({ endpoint: fake.url, sleep: noSleep, maxAttempts: 2 });

    // Act
    const record = sink.record([EVENT]);

    // Assess
    await expect(record).rejects.toThrow(
      new EndpointImportError(`the server at ${fake.url}/events answered 503: shutting down`),
    );
    expect(fake.received).toHaveLength(2);
  });

  it('fails at once when the endpoint is not a tracer local server', async () => {
    // Prepare
    const notFound = await fakeServer([() => ({ status: 404, body: '<html>not here</html>' })]);
    const otherApi = await fakeServer([() => ({ status: 200, body: '{"ok":true}' })]);

    // Act
    const missing = new EndpointEventSink({ endpoint: notFound.url, sleep: noSleep }).record([EVENT]);
    const other = new EndpointEventSink({ endpoint: otherApi.url, sleep: noSleep }).record([EVENT]);

    // Assess
    await expect(missing).rejects.toThrow(
      `the server at ${notFound.url}/events answered 404: <html>not here</html>`,
    );
    await expect(other).rejects.toThrow('is not a tracer local server');
    expect(notFound.received).toHaveLength(1);
  });

  it('fails when the server answers a different number of results', async () => {
    // Prepare
    const fake = await fakeServer([() => ({ status: 200, body: JSON.stringify({ results: [] }) })]);

    // Act
    const record = new EndpointEventSink({ endpoint: fake.url, sleep: noSleep }).record([EVENT]);

    // Assess
    await expect(record).rejects.toThrow('answered 0 results for 1 events');
  });

  it('fails with a hint when nothing listens at the endpoint', async () => {
    // Prepare
    const fake = await fakeServer([storedAll]);
    const url = fake.url;
    fake.server.close();

    // Act
    const record = new EndpointEventSink({ endpoint: url, sleep: noSleep }).record([EVENT]);

    // Assess
    await expect(record).rejects.toThrow(/^cannot reach .+; is the local server running \(npm start\)\?$/);
  });

  it('answers an empty batch without calling the server', async () => {
    // Prepare
    const fake = await fakeServer([storedAll]);

    // Act
    const outcomes = await new EndpointEventSink({ endpoint: fake.url }).record([]);

    // Assess
    expect(outcomes).toEqual([]);
    expect(fake.received).toEqual([]);
  });
});

function recorderDeps(transitions = new InMemoryTransitionStore()) {
  return {
    transitions,
    taskDefinitions: new InMemoryTaskDefinitionStore(),
    taskDefinitionSource: new FakeTaskDefinitionSource(),
    serviceEvents: new InMemoryServiceEventStore(),
    serviceEventSource: new FakeServiceEventSource(),
    clock: { nowMs: () => Date.parse('2024-01-01T00:00:00Z') },
    logger: silentLogger,
    cache: createRecorderCache(),
  };
}

describe('RecorderEventSink', () => {
  it('stores new versions, reports known ones as duplicates, and rejects what is not an ECS event', async () => {
    // Prepare
    const sink = new RecorderEventSink(recorderDeps());
    const service = loadEvent('service-action_service_steady_state_awsdocs');

    // Act
    const outcomes = await sink.record([EVENT, EVENT, { hello: 'world' }, service]);

    // Assess
    expect(outcomes).toEqual([
      { status: 'stored', type: 'task-state-change' },
      { status: 'duplicate', type: 'task-state-change' },
      { status: 'rejected', reason: expect.stringContaining('id: Invalid input') },
      { status: 'stored', type: 'service-event' },
    ]);
  });

  it('stores container instance events and EC2 notices as host events, in the host store', async () => {
    // Prepare
    const instances = new InMemoryInstanceStore();
    const sink = new RecorderEventSink({ ...recorderDeps(), instances });

    // Act
    const outcomes = await sink.record([
      loadEvent('container-instance-state-change_awsdocs'),
      loadEvent('ec2-spot-instance-interruption-warning_awsdocs'),
    ]);

    // Assess
    expect(outcomes).toEqual([
      { status: 'stored', type: 'host-event' },
      { status: 'stored', type: 'host-event' },
    ]);
    expect(instances.mappings.get('default#b54a2a04-046f-4331-9d74-3f6d7f6ca315')).toBe('i-f3a8506b');
    expect([...instances.notices.keys()]).toEqual(['i-1234567890abcdef0']);
  });

  it('fails the batch when the table fails, so that the import stops and can run again', async () => {
    // Prepare
    const transitions = new InMemoryTransitionStore();
    transitions.failWith = Object.assign(new Error('Throughput exceeds the current capacity'), {
      name: 'ProvisionedThroughputExceededException',
    });
    const sink = new RecorderEventSink(recorderDeps(transitions), 2);

    // Act
    const record = sink.record([EVENT, EVENT, EVENT]);

    // Assess
    await expect(record).rejects.toThrow('Throughput exceeds the current capacity');
  });
});
