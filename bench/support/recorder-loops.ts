/**
 * The loops the recorder benchmark times: SQS batches through the recorder handler, the bare PutItem loop
 * beside it, interleaved batch by batch, and the clients that count what each side sends.
 */
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mapWithConcurrency } from '../../lambda/core/concurrency.js';
import type { makeRecorderHandler } from '../../lambda/handlers/recorder.js';
import { sqsBatch } from '../../test/support/recorder.js';
import { cpuMsSince } from './dynalite-process.js';

export const SQS_BATCH_SIZE = 10;
/** Same as the handler's default: records of a batch processed at once. */
export const CONCURRENCY = 8;

const WRITE_COMMANDS = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
]);

/** What a client sent: commands by name, HTTP attempts (retries included), conditional-check failures. */
export class RequestCounter {
  readonly commands = new Map<string, number>();
  attempts = 0;
  conditionalFailures = 0;

  get writes(): number {
    let n = 0;
    for (const [name, count] of this.commands) if (WRITE_COMMANDS.has(name)) n += count;
    return n;
  }

  get reads(): number {
    let n = 0;
    for (const [name, count] of this.commands) if (!WRITE_COMMANDS.has(name)) n += count;
    return n;
  }

  reset(): void {
    this.commands.clear();
    this.attempts = 0;
    this.conditionalFailures = 0;
  }
}

function attemptsOf(value: unknown): number {
  const metadata =
    typeof value === 'object' && value !== null && '$metadata' in value ? value.$metadata : undefined;
  return typeof metadata === 'object' && metadata !== null && 'attempts' in metadata
    ? Number(metadata.attempts ?? 1)
    : 1;
}

/** A client of the dynalite server whose every command is counted. */
export function countingClient(endpoint: string, counter: RequestCounter): DynamoDBClient {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'dynalite', secretAccessKey: 'dynalite' },
    maxAttempts: 8,
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? 'unknown';
      counter.commands.set(name, (counter.commands.get(name) ?? 0) + 1);
      try {
        const output = await next(args);
        counter.attempts += attemptsOf(output.output);
        return output;
      } catch (error) {
        counter.attempts += attemptsOf(error);
        if (error instanceof Error && error.name === 'ConditionalCheckFailedException') {
          counter.conditionalFailures += 1;
        }
        throw error;
      }
    },
    { step: 'initialize', name: 'benchRequestCounter' },
  );
  return client;
}

export interface PhaseFigures {
  readonly events: number;
  readonly elapsedMs: number;
  /** CPU time (user and system) of this process during the phase: the client side, without dynalite. */
  readonly cpuMs: number;
  readonly eventsPerSecond: number;
  readonly commands: Record<string, number>;
  readonly writes: number;
  readonly reads: number;
  readonly attempts: number;
  readonly conditionalFailures: number;
  readonly failedRecords: number;
}

export function figures(
  events: number,
  run: { elapsedMs: number; cpuMs: number },
  counter: RequestCounter,
  failedRecords: number,
): PhaseFigures {
  const { elapsedMs, cpuMs } = run;
  return {
    events,
    elapsedMs,
    cpuMs,
    eventsPerSecond: events / (elapsedMs / 1000),
    commands: Object.fromEntries(counter.commands),
    writes: counter.writes,
    reads: counter.reads,
    attempts: counter.attempts,
    conditionalFailures: counter.conditionalFailures,
    failedRecords,
  };
}

export type Handler = ReturnType<typeof makeRecorderHandler>;

/** One SQS batch through the handler: the number of records it reports as failed. */
export async function deliverBatch(
  handler: Handler,
  batch: readonly string[],
  first: number,
): Promise<number> {
  const response = await handler(sqsBatch(batch, first));
  return 'batchItemFailures' in response ? response.batchItemFailures.length : 0;
}

/**
 * One unconditional PutItem of the raw event per event, delivered as the recorder gets them (SQS batches of
 * 10, 8 records of a batch in flight, one batch after the other): the least any recorder could do.
 */
export async function barePutBatch(
  client: DynamoDBClient,
  tableName: string,
  batch: readonly string[],
  keyPrefix: string,
): Promise<number> {
  await mapWithConcurrency(batch, CONCURRENCY, (body, i) =>
    client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { pk: { S: `BARE#${keyPrefix}#${i}` }, sk: { S: 'EVENT' }, event: { S: body } },
      }),
    ),
  );
  return 0;
}

export interface Timing {
  elapsedMs: number;
  cpuMs: number;
  failed: number;
}

export async function timed(work: () => Promise<number>): Promise<Timing> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const failed = await work();
  return { elapsedMs: performance.now() - started, cpuMs: cpuMsSince(cpu), failed };
}

/**
 * Runs two loops over the same events batch by batch, one batch of one then the same batch of the other,
 * the first side changing from batch to batch, and times each side on its own. A shared machine's load
 * changes within seconds; interleaved at this grain, both sides meet the same load.
 */
export async function interleaved(
  bodies: readonly string[],
  sides: readonly [
    (batch: readonly string[], first: number) => Promise<number>,
    (batch: readonly string[], first: number) => Promise<number>,
  ],
): Promise<[Timing, Timing]> {
  const totals: [Timing, Timing] = [
    { elapsedMs: 0, cpuMs: 0, failed: 0 },
    { elapsedMs: 0, cpuMs: 0, failed: 0 },
  ];
  for (let first = 0, n = 0; first < bodies.length; first += SQS_BATCH_SIZE, n++) {
    const batch = bodies.slice(first, first + SQS_BATCH_SIZE);
    for (const side of n % 2 === 0 ? [0, 1] : [1, 0]) {
      const t = await timed(() => (sides[side] as (typeof sides)[0])(batch, first));
      const total = totals[side] as Timing;
      total.elapsedMs += t.elapsedMs;
      total.cpuMs += t.cpuMs;
      total.failed += t.failed;
    }
  }
  return totals;
}
