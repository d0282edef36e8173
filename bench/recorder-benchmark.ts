/**
 * The recorder: events per second and DynamoDB requests per event, against dynalite on loopback, beside a
 * bare PutItem loop against the same server in the same run.
 *
 * The recorder runs as in Lambda: the handler (makeRecorderHandler) with the production DynamoDB adapters
 * and the SDK client, fed SQS batches of 10 records, 8 records in flight. ECS (DescribeTaskDefinition,
 * DescribeServices) is replaced by in-memory fakes, so only DynamoDB is on the wire. A middleware on each
 * client counts its commands, HTTP attempts and conditional-check failures. The recorder and the bare loop
 * run interleaved SQS batch by SQS batch (see `interleaved`), each timed on its own, so that both meet the
 * same server state and the same moment of a shared machine; the table gives medians over rounds.
 *
 * dynalite runs in a child process, so this process's CPU time is the client side alone: the recorder's own
 * work (parsing, encoding, the SDK's serialization, signing and HTTP) beside the bare loop's, per event.
 * Wall time also includes the server's work, which for dynalite's UpdateItem expressions is far more than
 * for a PutItem; both ratios are reported. A third pass sends the recorder's own UpdateItems again without
 * the recorder (bench/support/request-replay.ts), which splits its CPU time between its requests and the
 * rest of its work.
 */
import { makeRecorderHandler } from '../lambda/handlers/recorder.js';
import { dynamoRecorderDeps } from '../test/support/recorder.js';
import { measureCapacity, type TallyFigures } from './recorder-capacity.js';
import type { Benchmark, BenchmarkOutcome } from './support/benchmark.js';
import { ASSUMPTIONS, costPerMillionEvents, standardIaBreakEvenMonths } from './support/cost-model.js';
import { startDynaliteProcess } from './support/dynalite-process.js';
import { ecsWorkload, REVISIONS, serviceAnswers, taskDefinitionAnswers } from './support/ecs-workload.js';
import { fixed, goalsTable, readBaseline } from './support/goals.js';
import {
  barePutBatch,
  CONCURRENCY,
  countingClient,
  deliverBatch,
  figures,
  interleaved,
  type PhaseFigures,
  RequestCounter,
  SQS_BATCH_SIZE,
} from './support/recorder-loops.js';
import { captureUpdateItems, replayUpdateItems } from './support/request-replay.js';
import { median, round } from './support/stats.js';
import type { Table } from './support/table.js';

export const recorderBenchmark: Benchmark = async (context): Promise<BenchmarkOutcome> => {
  const quick = context.options.quick;
  const tasksPerRound = quick ? 20 : 30;
  const rounds: number = quick ? 2 : 9;
  const cluster = 'BenchCluster';
  const db = await startDynaliteProcess(context.root);
  const recorderCounter = new RequestCounter();
  const bareCounter = new RequestCounter();
  const replayCounter = new RequestCounter();
  const recorderClient = countingClient(db.endpoint, recorderCounter);
  const bareClient = countingClient(db.endpoint, bareCounter);
  const replayClient = countingClient(db.endpoint, replayCounter);
  const capture = captureUpdateItems(recorderClient);
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
    const warmup = ecsWorkload('WarmupCluster', 0xffff, 30).bodies;
    capture.start();
    await interleaved(warmup, [
      (batch, at) => barePutBatch(bareClient, db.tableName, batch, `warmup#${at}`),
      (batch, at) => deliverBatch(handler, batch, at),
    ]);
    await replayUpdateItems(replayClient, capture.take(), CONCURRENCY, '#replay-warmup');

    const first: PhaseFigures[] = [];
    const duplicate: PhaseFigures[] = [];
    const bare: PhaseFigures[] = [];
    const bareBesideDuplicates: PhaseFigures[] = [];
    const replayed: PhaseFigures[] = [];
    const bareBesideReplays: PhaseFigures[] = [];
    for (let round = 1; round <= rounds; round++) {
      const bodies = ecsWorkload(cluster, round, tasksPerRound).bodies;
      context.progress(`recorder: round ${round} of ${rounds}, ${bodies.length} events`);
      const barePass = (pass: string) => (batch: readonly string[], at: number) =>
        barePutBatch(bareClient, db.tableName, batch, `${round}#${pass}#${at}`);

      bareCounter.reset();
      recorderCounter.reset();
      // Kept by batch, so that each replayed batch meets the same bare batch as the recorder's did.
      const writesByBatch = new Map<number, ReturnType<typeof capture.take>>();
      const [b, f] = await interleaved(bodies, [
        barePass('a'),
        async (batch, at) => {
          capture.start();
          const failed = await deliverBatch(handler, batch, at);
          writesByBatch.set(at, capture.take());
          return failed;
        },
      ]);
      bare.push(figures(bodies.length, b, bareCounter, 0));
      first.push(figures(bodies.length, f, recorderCounter, f.failed));

      bareCounter.reset();
      replayCounter.reset();
      const [b3, r] = await interleaved(bodies, [
        barePass('c'),
        (_batch, at) =>
          replayUpdateItems(replayClient, writesByBatch.get(at) ?? [], CONCURRENCY, `#replay${round}`),
      ]);
      bareBesideReplays.push(figures(bodies.length, b3, bareCounter, 0));
      replayed.push(figures(bodies.length, r, replayCounter, 0));

      bareCounter.reset();
      recorderCounter.reset();
      const [b2, d] = await interleaved(bodies, [
        barePass('b'),
        (batch, at) => deliverBatch(handler, batch, at),
      ]);
      bareBesideDuplicates.push(figures(bodies.length, b2, bareCounter, 0));
      duplicate.push(figures(bodies.length, d, recorderCounter, d.failed));
    }

    // Each round's ratio compares the two loops under the same conditions; the table shows their median.
    const besides = (phases: readonly PhaseFigures[]) =>
      phases === duplicate ? bareBesideDuplicates : phases === replayed ? bareBesideReplays : bare;
    const overhead = (phases: readonly PhaseFigures[]) =>
      median(phases.map((p, i) => (besides(phases)[i]?.eventsPerSecond ?? Number.NaN) / p.eventsPerSecond));
    const cpuPerEvent = (p: PhaseFigures) => p.cpuMs / p.events;
    const cpuOverhead = (phases: readonly PhaseFigures[]) =>
      median(
        phases.map((p, i) => {
          const reference = besides(phases)[i];
          return cpuPerEvent(p) / (reference ? cpuPerEvent(reference) : Number.NaN);
        }),
      );
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
      const cpuRatio = cpuOverhead(phases);
      const cpuMsPerEvent = median(phases.map(cpuPerEvent));
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
          cpuMsPerEvent.toFixed(3),
          `${cpuRatio.toFixed(2)}×`,
          sum((p) => p.failedRecords),
        ],
        rate,
        ratio,
        cpuRatio,
        cpuMsPerEvent,
      };
    };
    const rows = [
      row('recorder, first delivery', first),
      row('recorder, duplicate delivery', duplicate),
      row('bare PutItem', bare),
      row("recorder's UpdateItems, replayed", replayed),
    ];
    const table: Table = {
      title: `Recorder against dynalite (medians of ${rounds} round${rounds === 1 ? '' : 's'}; ${tasksPerRound} tasks a round, ${ecsWorkload(cluster, 1, tasksPerRound).bodies.length} events)`,
      columns: [
        'workload',
        'events',
        'events/s',
        'write requests/event',
        'read requests/event',
        'Put / BatchWrite / Get per event',
        'conditional failures/event',
        'HTTP requests/event',
        'wall time/event vs bare',
        'CPU ms/event',
        'CPU time/event vs bare',
        'failed records',
      ],
      rows: rows.map((r) => r.cells),
      notes: [
        'recorder = the Lambda handler with the production DynamoDB adapters, SQS batches of 10, 8 records in flight; ECS answered by in-memory fakes.',
        `The workload (bench/support/ecs-workload.ts): a third each of Fargate tasks (6 real events), Fargate service tasks (7) and EC2 service tasks with two containers (8 or 9); one in five fails; a service stop copies 4 DescribeServices events; one deployment event per 10 tasks; ${REVISIONS} revisions per family.`,
        'duplicate delivery = the same events again: every conditional write fails its condition and changes nothing.',
        'bare PutItem = one unconditional PutItem of the raw event (its whole JSON) per event, in the same SQS batches of 10 with 8 records in flight, same server and client settings.',
        "wall time/event vs bare = bare events/s ÷ recorder events/s within each round (median over rounds). It includes dynalite's own work, which is far slower than DynamoDB's and slower still for an UpdateItem's expressions than for a PutItem: it bounds the recorder's overhead from above.",
        "CPU ms/event = this process's CPU time (user + system, process.cpuUsage) per event; dynalite runs in a child process of its own, so this is the client side alone: the handler, the adapters and the SDK's serialization, signing and HTTP. CPU time/event vs bare = the recorder's CPU per event ÷ the bare loop's within each round (median over rounds): the recorder's own time per event, as Lambda bills it minus the wait for DynamoDB.",
        "recorder's UpdateItems, replayed = the UpdateItems that the first delivery sent (its task items, and the cluster registry on a first sighting), sent again as they were but on fresh partition keys (the same versions, conditions and returned items), batch by batch beside a bare pass of their own: the SDK's and the wire's share of the recorder's time, without tracer's parsing, validation, classification and encoding. Its BatchWriteItems of service events (0.02 an event) are not replayed. The events counted are the workload's.",
        'Task definitions are already cached in memory (a warm container), as for all but the first event of a revision.',
      ],
    };
    context.progress('recorder: metering write capacity and storage');
    const capacity = await measureCapacity(db, {
      tasks: quick ? 30 : 60,
      nowMs: Date.parse('2020-01-24T00:00:00.000Z'),
      taskDefinitions: taskDefinitionAnswers(),
      services: serviceAnswers,
      concurrency: CONCURRENCY,
      batchSize: SQS_BATCH_SIZE,
    });
    const capacityRow = (label: string, t: TallyFigures) => [
      label,
      capacity.events,
      fixed(t.unitsPerEvent),
      fixed(t.tableUnitsPerEvent),
      fixed(t.indexUnitsPerEvent),
      fixed(t.requestsPerEvent),
      fixed(t.conditionalFailuresPerEvent),
      Object.entries(t.commands)
        .map(([name, n]) => `${name.replace(/Command$/, '')} ${fixed(n / capacity.events)}`)
        .join(', '),
    ];
    const capacityTable: Table = {
      title: `Recorder write capacity and storage, by DynamoDB's item-size rules (${capacity.tasks} tasks, ${capacity.taskEvents} task events, ${capacity.serviceEvents} deployment events)`,
      columns: [
        'delivery',
        'events',
        'WCU/event',
        'table WCU/event',
        'index WCU/event',
        'write requests/event',
        'conditional failures/event',
        'requests by command, per event',
      ],
      rows: [
        capacityRow('first delivery', capacity.first),
        capacityRow('duplicate delivery', capacity.duplicate),
      ],
      notes: [
        'WCU: the table item by the larger of its old and new sizes, rounded up to 1 KB; each index by its projection (a new entry a put, a changed key a delete and a put, an unchanged projection nothing); a failed condition still costs the item size. Sizes follow the documented rules: attribute names count, numbers take 1 byte per 2 significant digits plus 1, binaries their raw bytes, each list or map element 1 byte more.',
        `Storage after the first delivery: ${capacity.storage.items} items and ${capacity.storage.indexEntries} index entries, ${fixed(capacity.storage.bytesPerTask / 1024)} KiB per task (table ${fixed(capacity.storage.tableBytesPerTask / 1024)}, indexes ${fixed(capacity.storage.indexBytesPerTask / 1024)}), 100 bytes of overhead per item and per index entry, every item of the table counted (service events, task definitions, cluster).`,
        'One Lambda container from a cold start: each task definition revision is described and stored once, the cluster registered once.',
      ],
    };
    // The figures as the goals print them (two decimals), so that the README can quote the same arithmetic.
    const two = (value: number) => Math.round(value * 100) / 100;
    const costFigures = {
      writeUnitsPerEvent: two(capacity.first.unitsPerEvent),
      eventsPerTask: two(capacity.events / capacity.tasks),
      kibPerTask: two(capacity.storage.bytesPerTask / 1024),
      tableKibPerTask: two(capacity.storage.tableBytesPerTask / 1024),
    };
    const cost = costPerMillionEvents(costFigures);
    const costIa = costPerMillionEvents(costFigures, 'STANDARD_INFREQUENT_ACCESS');
    const costTable: Table = {
      title: 'Cost per million ECS events, all in (us-east-1 list prices, bench/support/cost-model.ts)',
      columns: ['part', 'arithmetic', 'per million events'],
      rows: [
        ...cost.parts.map((p) => [p.part, p.arithmetic, `$${p.dollars.toFixed(2)}`]),
        ['total', '', `$${cost.total.toFixed(2)}`],
      ],
      notes: [
        `From the first delivery above: ${costFigures.writeUnitsPerEvent} write units per event, ${costFigures.eventsPerTask} events per task, ${costFigures.kibPerTask} KiB stored per task of which ${costFigures.tableKibPerTask} KiB in the table.`,
        `Assumed at 10,000 tasks a day: ${ASSUMPTIONS.eventsPerBatch} events a batch, ${ASSUMPTIONS.lambdaBaseSeconds * 1000} ms plus ${ASSUMPTIONS.lambdaSecondsPerEvent * 1000} ms an event at ${ASSUMPTIONS.lambdaGb * 1024} MB, ${ASSUMPTIONS.retentionMonths} months kept; the total adds the parts as rounded.`,
        `Standard-IA (tableClass): $${costIa.total.toFixed(2)} per million at ${ASSUMPTIONS.retentionMonths} months; it costs less than Standard from ${standardIaBreakEvenMonths(costFigures).toFixed(1)} months of retention.`,
      ],
    };
    const baseline = readBaseline()?.recorder;
    const timeVsBare = rows[0]?.cpuRatio ?? Number.NaN;
    const requestsVsBare = rows[3]?.cpuRatio ?? Number.NaN;
    // Round by round, so that the two ratios of a difference met the same moment of the machine.
    const ownWorkVsBare = median(
      first.map((f, i) => {
        const [b, r, rb] = [bare[i], replayed[i], bareBesideReplays[i]];
        if (!b || !r || !rb) return Number.NaN;
        return cpuPerEvent(f) / cpuPerEvent(b) - cpuPerEvent(r) / cpuPerEvent(rb);
      }),
    );
    const wallVsBare = rows[0]?.ratio ?? Number.NaN;
    const goals = goalsTable(
      'Recorder goals',
      [
        {
          goal: 'WCU per ECS event, index writes included',
          today: fixed(baseline?.unitsPerEvent),
          now: fixed(capacity.first.unitsPerEvent),
          target: '≤ 2',
          met: capacity.first.unitsPerEvent <= 2,
        },
        {
          goal: 'KiB stored per recorded task',
          today: fixed(baseline && baseline.bytesPerTask / 1024),
          now: fixed(capacity.storage.bytesPerTask / 1024),
          target: '≤ 4',
          met: capacity.storage.bytesPerTask <= 4096,
        },
        {
          goal: 'write requests per event',
          today: fixed(baseline?.requestsPerEvent),
          now: fixed(capacity.first.requestsPerEvent),
          target: '≤ 1.1',
          met: capacity.first.requestsPerEvent <= 1.1,
        },
        {
          goal: 'write requests per duplicate',
          today: fixed(baseline?.duplicateRequestsPerEvent),
          now: fixed(capacity.duplicate.requestsPerEvent),
          target: '≤ 1',
          met: capacity.duplicate.requestsPerEvent <= 1,
        },
        {
          goal: 'cost per million ECS events, all in',
          today: '≈ 6.90',
          now: cost.total.toFixed(2),
          target: '≤ $2',
          met: cost.total <= 2,
        },
        {
          goal: 'recorder CPU time per event ÷ bare PutItem',
          today: baseline?.cpuVsBare === undefined ? '–' : `${fixed(baseline.cpuVsBare)}×`,
          now: `${fixed(timeVsBare)}×`,
          target: '≤ 1.3×',
          met: timeVsBare <= 1.3,
        },
        {
          goal: 'wall time per event ÷ bare PutItem, dynalite included',
          today: baseline ? `${fixed(baseline.timeVsBare)}×` : '–',
          now: `${fixed(wallVsBare)}×`,
          target: '(≤ 1.3×)',
          met: wallVsBare <= 1.3,
        },
      ],
      [
        `before = ${readBaseline()?.measured ?? 'no bench/baseline.json'}; the CPU row: ${baseline?.cpuVsBareMeasured ?? 'not measured then'}. Times are ratios within each run; the machine is shared and noisy.`,
        `Of the recorder's CPU time, its UpdateItems replayed alone take ${fixed(requestsVsBare)}× a bare PutItem's; the rest, ${fixed(ownWorkVsBare)}× (the median over rounds of each round's difference), is tracer's own work per event and its few BatchWriteItems.`,
      ],
    );
    return {
      tables: [table, capacityTable, costTable, goals],
      data: {
        capacity,
        costPerMillion: cost,
        tasksPerRound,
        rounds,
        concurrency: CONCURRENCY,
        sqsBatchSize: SQS_BATCH_SIZE,
        overheadRatio: rows[0]?.ratio,
        duplicateOverheadRatio: rows[1]?.ratio,
        cpuRatio: rows[0]?.cpuRatio,
        duplicateCpuRatio: rows[1]?.cpuRatio,
        cpuMsPerEvent: {
          first: rows[0]?.cpuMsPerEvent,
          duplicate: rows[1]?.cpuMsPerEvent,
          bare: rows[2]?.cpuMsPerEvent,
          replayedUpdateItems: rows[3]?.cpuMsPerEvent,
        },
        replayedCpuRatio: rows[3]?.cpuRatio,
        ownWorkVsBare,
        phases: { first, duplicate, bare, bareBesideDuplicates, replayed, bareBesideReplays },
      },
    };
  } finally {
    recorderClient.destroy();
    bareClient.destroy();
    replayClient.destroy();
    await db.stop();
  }
};
