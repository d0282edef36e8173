/**
 * The recorder: events per second and DynamoDB requests per event, against dynalite on loopback, beside a
 * bare PutItem loop against the same server in the same run.
 *
 * The recorder runs as in Lambda: the handler (makeRecorderHandler) with the production DynamoDB adapters
 * and the SDK client, fed SQS batches of 10 records, 8 records in flight. ECS (DescribeTaskDefinition,
 * DescribeServices) is replaced by in-memory fakes, so only DynamoDB is on the wire. A middleware on each
 * client counts its commands, HTTP attempts and conditional-check failures. Rounds alternate between the
 * recorder and the bare loop, so that both see the same server state; the table gives medians.
 */
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { ServiceEvent, TaskDefinitionInfo } from '../lambda/core/model.js';
import { makeRecorderHandler } from '../lambda/handlers/recorder.js';
import { startDynalite } from '../test/support/dynalite.js';
import { loadEvent } from '../test/support/fixtures.js';
import { dynamoRecorderDeps, sqsBatch } from '../test/support/recorder.js';
import type { Benchmark, BenchmarkOutcome } from './support/benchmark.js';
import { median, round } from './support/stats.js';
import type { Table } from './support/table.js';

/** The six events of one Fargate task's life, PROVISIONING to STOPPED (real ECS events). */
const LIFECYCLE = [
  'lifecycle-fargate-1-provisioning',
  'lifecycle-fargate-2-pending',
  'lifecycle-fargate-3-pending',
  'lifecycle-fargate-4-running',
  'lifecycle-fargate-5-deprovisioning',
  'lifecycle-fargate-6-stopped',
] as const;
const TEMPLATE_TASK_ID = 'c13b4cb40f1f4fe4a2971f76ae5a47ad';
const TEMPLATE_CLUSTER = 'FargateCluster';
const TEMPLATE_TASK_DEFINITION = 'task-definition/sample-fargate:1';
const TEMPLATE_GROUP = 'family:sample-fargate';
const ACCOUNT_REGION = 'us-west-2:111122223333';
/** Task definition revisions in use: each is described once, then served from memory. */
const REVISIONS = 10;
const SQS_BATCH_SIZE = 10;
/** Same as the handler's default: records of a batch processed at once. */
const CONCURRENCY = 8;
/** Tasks that start together; their events interleave as a burst of launches would. */
const COHORT = 10;

const WRITE_COMMANDS = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
]);

/** What a client sent: commands by name, HTTP attempts (retries included), conditional-check failures. */
class RequestCounter {
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
function countingClient(endpoint: string, counter: RequestCounter): DynamoDBClient {
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

function taskIdOf(round: number, index: number): string {
  return `${round.toString(16).padStart(4, '0')}${index.toString(16).padStart(28, '0')}`;
}

/** EventBridge events (as SQS message bodies) of `tasks` new tasks, in the order a burst delivers them. */
function taskEvents(cluster: string, round: number, tasks: number): string[] {
  const templates = LIFECYCLE.map((name) => JSON.stringify(loadEvent(name)));
  const bodies: string[] = [];
  for (let first = 0; first < tasks; first += COHORT) {
    for (let v = 0; v < templates.length; v++) {
      for (let index = first; index < Math.min(tasks, first + COHORT); index++) {
        const taskId = taskIdOf(round, index);
        const event = JSON.parse(
          (templates[v] as string)
            .replaceAll(TEMPLATE_TASK_ID, taskId)
            .replaceAll(TEMPLATE_CLUSTER, cluster)
            .replaceAll(TEMPLATE_TASK_DEFINITION, `task-definition/sample-fargate:${1 + (index % REVISIONS)}`)
            // Every other task belongs to a service, so its stop copies the service's recent events.
            .replaceAll(TEMPLATE_GROUP, index % 2 === 0 ? 'service:web' : TEMPLATE_GROUP),
        ) as { id: string };
        event.id = `${taskId.slice(0, 8)}-bench-${round}-${index}-${v + 1}`;
        bodies.push(JSON.stringify(event));
      }
    }
  }
  return bodies;
}

function taskDefinitionAnswers(): Map<string, TaskDefinitionInfo> {
  const answers = new Map<string, TaskDefinitionInfo>();
  for (let revision = 1; revision <= REVISIONS; revision++) {
    const arn = `arn:aws:ecs:${ACCOUNT_REGION}:task-definition/sample-fargate:${revision}`;
    answers.set(arn, {
      status: 'described',
      taskDefinitionArn: arn,
      describedAt: '2020-01-23T17:00:00.000Z',
      containers: [
        {
          containerName: 'FargateApp',
          logDriver: 'awslogs',
          logGroup: '/ecs/sample-fargate',
          streamPrefix: 'ecs',
          essential: true,
        },
      ],
    });
  }
  return answers;
}

/** What DescribeServices remembers of the service: a deployment around the tasks' lives. */
function serviceAnswers(cluster: string): Map<string, ServiceEvent[]> {
  const messages = [
    '(service web) has started 10 tasks: (task 1) (task 2) (task 3).',
    '(service web) registered 10 targets in (target-group arn:aws:elasticloadbalancing:us-west-2:111122223333:targetgroup/web/1)',
    '(service web) has reached a steady state.',
    '(service web) has stopped 10 running tasks: (task 1) (task 2) (task 3).',
  ];
  const times = [
    '2020-01-23T17:57:30.000Z',
    '2020-01-23T17:58:10.000Z',
    '2020-01-23T18:04:00.000Z',
    '2020-01-23T18:12:00.000Z',
  ];
  return new Map([
    [
      `${cluster}/web`,
      messages.map((message, i) => ({
        clusterName: cluster,
        serviceName: 'web',
        eventId: `bench-service-event-${i}`,
        createdAt: times[i] as string,
        message,
        source: 'describe-services' as const,
      })),
    ],
  ]);
}

interface PhaseFigures {
  readonly events: number;
  readonly elapsedMs: number;
  readonly eventsPerSecond: number;
  readonly commands: Record<string, number>;
  readonly writes: number;
  readonly reads: number;
  readonly attempts: number;
  readonly conditionalFailures: number;
  readonly failedRecords: number;
}

function figures(
  events: number,
  elapsedMs: number,
  counter: RequestCounter,
  failedRecords: number,
): PhaseFigures {
  return {
    events,
    elapsedMs,
    eventsPerSecond: events / (elapsedMs / 1000),
    commands: Object.fromEntries(counter.commands),
    writes: counter.writes,
    reads: counter.reads,
    attempts: counter.attempts,
    conditionalFailures: counter.conditionalFailures,
    failedRecords,
  };
}

type Handler = ReturnType<typeof makeRecorderHandler>;

async function deliver(handler: Handler, bodies: readonly string[]): Promise<number> {
  let failed = 0;
  for (let first = 0; first < bodies.length; first += SQS_BATCH_SIZE) {
    const response = await handler(sqsBatch(bodies.slice(first, first + SQS_BATCH_SIZE), first));
    if ('batchItemFailures' in response) failed += response.batchItemFailures.length;
  }
  return failed;
}

/** One unconditional PutItem per event, 8 in flight: the least any recorder could do. Fails nothing. */
async function barePuts(
  client: DynamoDBClient,
  tableName: string,
  bodies: readonly string[],
  round: number,
): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const index = next++;
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            pk: { S: `BARE#${round}#${Math.floor(index / LIFECYCLE.length)}` },
            sk: { S: `V#${String(index % LIFECYCLE.length).padStart(10, '0')}` },
            event: { S: bodies[index] as string },
          },
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return 0;
}

async function timed(work: () => Promise<number>): Promise<{ elapsedMs: number; failed: number }> {
  const started = performance.now();
  const failed = await work();
  return { elapsedMs: performance.now() - started, failed };
}

export const recorderBenchmark: Benchmark = async (context): Promise<BenchmarkOutcome> => {
  const quick = context.options.quick;
  const tasksPerRound = quick ? 20 : 30;
  const rounds = quick ? 1 : 5;
  const cluster = 'BenchCluster';
  const db = await startDynalite();
  const recorderCounter = new RequestCounter();
  const bareCounter = new RequestCounter();
  const recorderClient = countingClient(db.endpoint, recorderCounter);
  const bareClient = countingClient(db.endpoint, bareCounter);
  try {
    const deps = dynamoRecorderDeps({
      client: recorderClient,
      tableName: db.tableName,
      nowMs: Date.parse('2020-01-24T00:00:00.000Z'),
      taskDefinitions: taskDefinitionAnswers(),
      services: serviceAnswers(cluster),
      concurrency: CONCURRENCY,
    });
    const handler = makeRecorderHandler(deps);

    // Warm-up: JIT, sockets and the table's first writes, on another cluster and revisions.
    context.progress('recorder: warming up');
    const warmup = taskEvents('WarmupCluster', 0xffff, 30);
    await deliver(handler, warmup);
    await barePuts(bareClient, db.tableName, warmup, 0xffff);

    const first: PhaseFigures[] = [];
    const duplicate: PhaseFigures[] = [];
    const bare: PhaseFigures[] = [];
    for (let round = 1; round <= rounds; round++) {
      const bodies = taskEvents(cluster, round, tasksPerRound);
      context.progress(`recorder: round ${round} of ${rounds}, ${bodies.length} events`);

      bareCounter.reset();
      const b = await timed(() => barePuts(bareClient, db.tableName, bodies, round));
      bare.push(figures(bodies.length, b.elapsedMs, bareCounter, 0));

      recorderCounter.reset();
      const f = await timed(() => deliver(handler, bodies));
      first.push(figures(bodies.length, f.elapsedMs, recorderCounter, f.failed));

      recorderCounter.reset();
      const d = await timed(() => deliver(handler, bodies));
      duplicate.push(figures(bodies.length, d.elapsedMs, recorderCounter, d.failed));
    }

    // Each round's ratio compares the two loops under the same conditions; the table shows their median.
    const overhead = (phases: readonly PhaseFigures[]) =>
      median(phases.map((p, i) => (bare[i]?.eventsPerSecond ?? Number.NaN) / p.eventsPerSecond));
    const perEventText = (count: number, events: number) => (count / events).toFixed(2);
    const row = (label: string, phases: readonly PhaseFigures[]) => {
      const events = phases.reduce((n, p) => n + p.events, 0);
      const sum = (pick: (p: PhaseFigures) => number) => phases.reduce((n, p) => n + pick(p), 0);
      const rate = median(phases.map((p) => p.eventsPerSecond));
      const commands = new Map<string, number>();
      for (const phase of phases) {
        for (const [name, count] of Object.entries(phase.commands))
          commands.set(name, (commands.get(name) ?? 0) + count);
      }
      const perEvent = (name: string) => perEventText(commands.get(name) ?? 0, events);
      const ratio = overhead(phases);
      return {
        cells: [
          label,
          events,
          round(rate),
          perEventText(
            sum((p) => p.writes),
            events,
          ),
          perEventText(
            sum((p) => p.reads),
            events,
          ),
          `${perEvent('PutItemCommand')} / ${perEvent('BatchWriteItemCommand')} / ${perEvent('GetItemCommand')}`,
          perEventText(
            sum((p) => p.conditionalFailures),
            events,
          ),
          perEventText(
            sum((p) => p.attempts),
            events,
          ),
          `${ratio.toFixed(2)}×`,
          sum((p) => p.failedRecords),
        ],
        rate,
        ratio,
      };
    };
    const rows = [
      row('recorder, first delivery', first),
      row('recorder, duplicate delivery', duplicate),
      row('bare PutItem', bare),
    ];
    const table: Table = {
      title: `Recorder against dynalite (medians of ${rounds} round${rounds === 1 ? '' : 's'}; ${tasksPerRound} tasks × ${LIFECYCLE.length} events a round)`,
      columns: [
        'workload',
        'events',
        'events/s',
        'write requests/event',
        'read requests/event',
        'Put / BatchWrite / Get per event',
        'conditional failures/event',
        'HTTP requests/event',
        'time/event vs bare',
        'failed records',
      ],
      rows: rows.map((r) => r.cells),
      notes: [
        'recorder = the Lambda handler with the production DynamoDB adapters, SQS batches of 10, 8 records in flight; ECS answered by in-memory fakes.',
        `Each task: 6 real Fargate events (PROVISIONING to STOPPED); every other task is a service task whose stop copies 4 DescribeServices events; ${REVISIONS} task definition revisions.`,
        'duplicate delivery = the same events again: every write is a conditional put that fails its condition and changes nothing.',
        'bare PutItem = one unconditional PutItem of the raw event per event, 8 in flight, same server and client settings.',
        'time/event vs bare = bare events/s ÷ recorder events/s within each round (median over rounds): the recorder overhead as a ratio. dynalite is far slower than DynamoDB; the ratio travels, the absolute rates do not.',
        'Task definitions are already cached in memory (a warm container), as for all but the first event of a revision.',
      ],
    };
    return {
      tables: [table],
      data: {
        tasksPerRound,
        rounds,
        eventsPerTask: LIFECYCLE.length,
        concurrency: CONCURRENCY,
        sqsBatchSize: SQS_BATCH_SIZE,
        overheadRatio: rows[0]?.ratio,
        duplicateOverheadRatio: rows[1]?.ratio,
        phases: { first, duplicate, bare },
      },
    };
  } finally {
    recorderClient.destroy();
    bareClient.destroy();
    await db.stop();
  }
};
