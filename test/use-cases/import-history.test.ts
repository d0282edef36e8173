import { describe, expect, it } from 'vitest';
import { parseEcsEvent } from '../../lambda/core/ecs-event.js';
import type { TaskTransition } from '../../lambda/core/model.js';
import {
  type EventOutcome,
  type EventSink,
  type HistoryRecord,
  type HistorySource,
  type ImportCounts,
  ImportFailedError,
  importHistory,
  parseEventDocument,
  parseEventLine,
  recordsFromJson,
  syntheticEventId,
  taskStateChangeEvent,
} from '../../lambda/use-cases/import-history.js';
import { eventFixtureNames, loadEvent } from '../support/fixtures.js';

const EVENT_A = { id: 'a', 'detail-type': 'ECS Task State Change', detail: { version: 1 } };
const EVENT_B = { id: 'b', 'detail-type': 'ECS Task State Change', detail: { version: 2 } };

/** What `aws logs filter-log-events` prints. */
const FILTER_LOG_EVENTS_OUTPUT = {
  events: [
    { logStreamName: 's', timestamp: 1, message: JSON.stringify(EVENT_A), ingestionTime: 2, eventId: '1' },
    { logStreamName: 's', timestamp: 3, message: JSON.stringify(EVENT_B), ingestionTime: 4, eventId: '2' },
  ],
  searchedLogStreams: [],
};

describe('parseEventDocument', () => {
  it.each<[string, string, HistoryRecord[]]>([
    ['an empty body', '  \n', []],
    [
      'one event on one line',
      JSON.stringify(EVENT_A),
      [{ kind: 'event', position: 'line 1', event: EVENT_A }],
    ],
    [
      'one pretty-printed event',
      JSON.stringify(EVENT_A, null, 2),
      [{ kind: 'event', position: 'document', event: EVENT_A }],
    ],
    [
      'a pretty-printed JSON array',
      JSON.stringify([EVENT_A, EVENT_B], null, 2),
      [
        { kind: 'event', position: 'item 1', event: EVENT_A },
        { kind: 'event', position: 'item 2', event: EVENT_B },
      ],
    ],
    [
      'JSON Lines with blank lines and CRLF endings',
      `${JSON.stringify(EVENT_A)}\r\n\r\n${JSON.stringify(EVENT_B)}\r\n`,
      [
        { kind: 'event', position: 'line 1', event: EVENT_A },
        { kind: 'event', position: 'line 3', event: EVENT_B },
      ],
    ],
    [
      'the output of aws logs filter-log-events',
      JSON.stringify(FILTER_LOG_EVENTS_OUTPUT, null, 4),
      [
        { kind: 'event', position: 'log event 1', event: EVENT_A },
        { kind: 'event', position: 'log event 2', event: EVENT_B },
      ],
    ],
    [
      'JSON Lines of CloudWatch Logs events (jq -c .events[])',
      FILTER_LOG_EVENTS_OUTPUT.events.map((e) => JSON.stringify(e)).join('\n'),
      [
        { kind: 'event', position: 'line 1', event: EVENT_A },
        { kind: 'event', position: 'line 2', event: EVENT_B },
      ],
    ],
  ])('reads %s', (_name, text, expected) => {
    // Act
    const records = parseEventDocument(text);

    // Assess
    expect(records).toEqual(expected);
  });

  it('skips a malformed line with its number and reason, and still reads the others', () => {
    // Prepare
    const text = [JSON.stringify(EVENT_A), '{"id": "broken"', JSON.stringify(EVENT_B)].join('\n');

    // Act
    const records = parseEventDocument(text);

    // Assess
    expect(records.map((r) => [r.kind, r.position])).toEqual([
      ['event', 'line 1'],
      ['malformed', 'line 2'],
      ['event', 'line 3'],
    ]);
    expect(records[1]).toMatchObject({ reason: expect.stringMatching(/^not JSON \(.+\)$/) });
  });

  it('rejects a broken pretty-printed array as one malformed document', () => {
    // Act
    const records = parseEventDocument('[\n  {"id": "a"},\n  {"id": \n]');

    // Assess
    expect(records).toEqual([
      { kind: 'malformed', position: 'document', reason: expect.stringMatching(/^not JSON/) },
    ]);
  });

  it('rejects a log event whose message is not JSON, naming the log event', () => {
    // Prepare
    const text = JSON.stringify({ events: [{ eventId: '1', timestamp: 1, message: 'START RequestId' }] });

    // Act
    const records = parseEventDocument(text);

    // Assess
    expect(records).toEqual([
      {
        kind: 'malformed',
        position: 'log event 1',
        reason: expect.stringMatching(/^its message is not JSON/),
      },
    ]);
  });
});

describe('parseEventLine and recordsFromJson', () => {
  it('reads nothing from a blank line', () => {
    expect(parseEventLine('   ', 4)).toEqual([]);
  });

  it('rejects a CloudWatch Logs event without a message', () => {
    // Act
    const records = recordsFromJson({ events: [{ eventId: '9', timestamp: 1 }] }, 'line 2');

    // Assess
    expect(records).toEqual([
      {
        kind: 'malformed',
        position: 'line 2, log event 1',
        reason: 'a CloudWatch Logs event without a message',
      },
    ]);
  });

  it('passes any other value on as an event, for the recorder to accept or reject', () => {
    expect(recordsFromJson(42, 'line 1')).toEqual([{ kind: 'event', position: 'line 1', event: 42 }]);
  });
});

describe('taskStateChangeEvent', () => {
  const names = eventFixtureNames().filter((name) => {
    const event = loadEvent(name);
    return event['detail-type'] === 'ECS Task State Change';
  });

  it.each(names)('turns the state of %s back into an event the recorder stores identically', (name) => {
    // Prepare
    const parsed = parseEcsEvent(loadEvent(name));
    if (parsed.type !== 'task-state-change') throw new Error('fixture is not a task state change');
    const task: TaskTransition = parsed.transition;

    // Act
    const event = taskStateChangeEvent(task);

    // Assess
    const again = parseEcsEvent(event);
    expect(again).toEqual({
      type: 'task-state-change',
      transition: { ...task, eventId: syntheticEventId(task.taskId, task.version) },
    });
  });

  it('gives the same task and version the same event id, so a second import is a duplicate', () => {
    expect(syntheticEventId('abc', 3)).toBe(syntheticEventId('abc', 3));
    expect(syntheticEventId('abc', 3)).not.toBe(syntheticEventId('abc', 4));
  });
});

/** A source over fixed records. */
function sourceOf(records: readonly HistoryRecord[]): HistorySource {
  return {
    description: 'test records',
    async *records() {
      yield* records;
    },
  };
}

/** A sink that keeps events by id: the same id again is a duplicate; ids starting with `bad` are rejected. */
class FakeSink implements EventSink {
  readonly stored = new Set<string>();
  readonly batches: number[] = [];
  failOnBatch: number | undefined;

  async record(events: readonly unknown[]): Promise<EventOutcome[]> {
    this.batches.push(events.length);
    if (this.failOnBatch === this.batches.length) throw new Error('the table is unreachable');
    return events.map((event) => {
      const { id, type } = event as { id: string; type?: string };
      if (id.startsWith('bad')) return { status: 'rejected', reason: `detail.version: ${id} is wrong` };
      if (type === 'service') return { status: 'stored', type: 'service-event' };
      if (this.stored.has(id)) return { status: 'duplicate', type: 'task-state-change' };
      this.stored.add(id);
      return { status: 'stored', type: 'task-state-change' };
    });
  }
}

function events(ids: readonly string[]): HistoryRecord[] {
  return ids.map((id, index) => ({ kind: 'event', position: `line ${index + 1}`, event: { id } }));
}

describe('importHistory', () => {
  it('counts new transitions, duplicates, service events and skipped records with their reasons', async () => {
    // Prepare
    const sink = new FakeSink();
    const records: HistoryRecord[] = [
      ...events(['t1', 't2', 't1']),
      { kind: 'malformed', position: 'line 4', reason: 'not JSON (Unexpected end)' },
      { kind: 'event', position: 'line 5', event: { id: 'bad-1' } },
      { kind: 'event', position: 'line 6', event: { id: 's1', type: 'service' } },
    ];

    // Act
    const report = await importHistory({ source: sourceOf(records), sink });

    // Assess
    expect(report).toEqual({
      source: 'test records',
      read: 6,
      imported: 2,
      duplicates: 1,
      serviceEvents: 1,
      hostEvents: 0,
      skipped: 2,
      skippedRecords: [
        { position: 'line 4', reason: 'not JSON (Unexpected end)' },
        { position: 'line 5', reason: 'detail.version: bad-1 is wrong' },
      ],
    });
  });

  it('changes nothing when the same history is imported twice', async () => {
    // Prepare
    const sink = new FakeSink();
    const records = events(['t1', 't2', 't3']);
    await importHistory({ source: sourceOf(records), sink });

    // Act
    const second = await importHistory({ source: sourceOf(records), sink });

    // Assess
    expect(second).toMatchObject({ read: 3, imported: 0, duplicates: 3, skipped: 0 });
    expect([...sink.stored]).toEqual(['t1', 't2', 't3']);
  });

  it('sends batches of the chosen size and reports progress after each', async () => {
    // Prepare
    const sink = new FakeSink();
    const progress: ImportCounts[] = [];

    // Act
    await importHistory(
      { source: sourceOf(events(['a', 'b', 'c', 'd', 'e'])), sink },
      { batchSize: 2, onProgress: (counts) => progress.push(counts) },
    );

    // Assess
    expect(sink.batches).toEqual([2, 2, 1]);
    expect(progress.map((p) => p.imported)).toEqual([2, 4, 5, 5]);
  });

  it('counts every skipped record but lists only the first ones', async () => {
    // Prepare
    const records: HistoryRecord[] = Array.from({ length: 5 }, (_, i) => ({
      kind: 'malformed',
      position: `line ${i + 1}`,
      reason: 'not JSON',
    }));

    // Act
    const report = await importHistory(
      { source: sourceOf(records), sink: new FakeSink() },
      { maxReportedSkips: 2 },
    );

    // Assess
    expect(report.skipped).toBe(5);
    expect(report.skippedRecords.map((s) => s.position)).toEqual(['line 1', 'line 2']);
  });

  it('fails with the counts so far when the sink fails, naming where it stopped', async () => {
    // Prepare
    const sink = new FakeSink();
    sink.failOnBatch = 2;

    // Act
    const run = importHistory({ source: sourceOf(events(['a', 'b', 'c', 'd'])), sink }, { batchSize: 2 });

    // Assess
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportFailedError);
    expect((error as ImportFailedError).message).toBe(
      'the import stopped at line 3: the table is unreachable; running it again is safe',
    );
    expect((error as ImportFailedError).cause).toBeInstanceOf(Error);
    expect((error as ImportFailedError).report).toMatchObject({ read: 4, imported: 2 });
  });

  it('fails when the sink answers a different number of outcomes than events', async () => {
    // Prepare
    const sink: EventSink = { record: async () => [] };

    // Act
    const run = importHistory({ source: sourceOf(events(['a'])), sink });

    // Assess
    await expect(run).rejects.toThrow('the target answered 0 outcomes for 1 events');
  });

  it('counts the kept events that are older than the target keeps, and only when asked', async () => {
    // Prepare
    const records: HistoryRecord[] = [
      { kind: 'event', position: 'line 1', event: { id: 'old', time: '2021-01-01T00:00:00Z' } },
      { kind: 'event', position: 'line 2', event: { id: 'bad-old', time: '2021-01-01T00:00:00Z' } },
      { kind: 'event', position: 'line 3', event: { id: 'new', time: '2024-05-01T00:00:00Z' } },
      { kind: 'event', position: 'line 4', event: { id: 'timeless' } },
    ];

    // Act
    const asked = await importHistory(
      { source: sourceOf(records), sink: new FakeSink() },
      { retentionCutoffMs: Date.parse('2024-01-01T00:00:00Z') },
    );
    const notAsked = await importHistory({ source: sourceOf(records), sink: new FakeSink() });

    // Assess
    expect(asked.olderThanRetention).toBe(1);
    expect(notAsked).not.toHaveProperty('olderThanRetention');
  });

  it('reports an empty source as nothing read', async () => {
    // Act
    const report = await importHistory({ source: sourceOf([]), sink: new FakeSink() });

    // Assess
    expect(report).toMatchObject({ read: 0, imported: 0, duplicates: 0, skipped: 0 });
  });
});
