/**
 * The recorder's write capacity, write requests and storage, metered by DynamoDB's documented rules
 * (support/capacity-meter.ts) over the realistic workload, on a table of its own: what each event costs
 * on first delivery and as a duplicate, and what each recorded task occupies afterwards.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ServiceEvent, TaskDefinitionInfo } from '../lambda/core/model.js';
import { makeRecorderHandler } from '../lambda/handlers/recorder.js';
import { createTracerTable, type DynaliteHandle } from '../test/support/dynalite.js';
import { dynamoRecorderDeps, sqsBatch } from '../test/support/recorder.js';
import { type CapacityTally, emptyTally, meterWrites, tableStorage } from './support/capacity-meter.js';
import { ecsWorkload } from './support/ecs-workload.js';

export interface CapacityFigures {
  readonly tasks: number;
  readonly events: number;
  readonly taskEvents: number;
  readonly serviceEvents: number;
  readonly first: TallyFigures;
  readonly duplicate: TallyFigures;
  readonly storage: {
    readonly items: number;
    readonly indexEntries: number;
    readonly bytesPerTask: number;
    readonly tableBytesPerTask: number;
    readonly indexBytesPerTask: number;
  };
}

export interface TallyFigures {
  readonly requestsPerEvent: number;
  readonly unitsPerEvent: number;
  readonly tableUnitsPerEvent: number;
  readonly indexUnitsPerEvent: number;
  readonly conditionalFailuresPerEvent: number;
  readonly commands: Record<string, number>;
}

function perEvent(tally: CapacityTally, events: number): TallyFigures {
  return {
    requestsPerEvent: tally.requests / events,
    unitsPerEvent: (tally.tableUnits + tally.indexUnits) / events,
    tableUnitsPerEvent: tally.tableUnits / events,
    indexUnitsPerEvent: tally.indexUnits / events,
    conditionalFailuresPerEvent: tally.conditionalFailures / events,
    commands: Object.fromEntries(tally.byCommand),
  };
}

/** Delivers the workload once and again through a metered client; then measures the table. */
export async function measureCapacity(
  db: DynaliteHandle,
  options: {
    readonly tasks: number;
    readonly nowMs: number;
    readonly taskDefinitions: Map<string, TaskDefinitionInfo>;
    readonly services: (cluster: string) => Map<string, ServiceEvent[]>;
    readonly concurrency: number;
    readonly batchSize: number;
  },
): Promise<CapacityFigures> {
  const tableName = 'capacity';
  await createTracerTable(db.client, tableName);
  const client = new DynamoDBClient({
    endpoint: db.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'dynalite', secretAccessKey: 'dynalite' },
    maxAttempts: 8,
  });
  let tally = emptyTally();
  meterWrites(client, db.client, tableName, () => tally);
  const cluster = 'CapacityCluster';
  try {
    const handler = makeRecorderHandler(
      dynamoRecorderDeps({
        client,
        tableName,
        nowMs: options.nowMs,
        taskDefinitions: options.taskDefinitions,
        services: options.services(cluster),
        concurrency: options.concurrency,
      }),
    );
    const workload = ecsWorkload(cluster, 1, options.tasks);
    const deliverAll = async () => {
      for (let first = 0; first < workload.bodies.length; first += options.batchSize) {
        const response = await handler(
          sqsBatch(workload.bodies.slice(first, first + options.batchSize), first),
        );
        if ('batchItemFailures' in response && response.batchItemFailures.length > 0) {
          throw new Error(
            `the recorder failed ${response.batchItemFailures.length} records of the capacity workload`,
          );
        }
      }
    };
    await deliverAll();
    const first = perEvent(tally, workload.bodies.length);
    tally = emptyTally();
    await deliverAll();
    const duplicate = perEvent(tally, workload.bodies.length);
    const storage = await tableStorage(db.client, tableName);
    return {
      tasks: workload.tasks,
      events: workload.bodies.length,
      taskEvents: workload.taskEvents,
      serviceEvents: workload.serviceEvents,
      first,
      duplicate,
      storage: {
        items: storage.items,
        indexEntries: storage.indexEntries,
        bytesPerTask: (storage.tableBytes + storage.indexBytes) / workload.tasks,
        tableBytesPerTask: storage.tableBytes / workload.tasks,
        indexBytesPerTask: storage.indexBytes / workload.tasks,
      },
    };
  } finally {
    client.destroy();
  }
}
