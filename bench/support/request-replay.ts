/**
 * The recorder's UpdateItems (its task items, and the cluster registry on a first sighting), captured as it
 * sends them and sent again, unchanged but for their keys, through a client of the same settings: what the
 * one-item-per-task design costs in the SDK and on the wire, apart from tracer's own parsing, validation,
 * classification and encoding. Its BatchWriteItems of service events (about 0.02 an event) are not replayed.
 */
import {
  type DynamoDBClient,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { TABLE_KEY } from '../../lambda/adapters/dynamodb/keys.js';
import { mapWithConcurrency } from '../../lambda/core/concurrency.js';

/** Collects the UpdateItem inputs that a client sends while capturing is on. */
export interface UpdateItemCapture {
  /** Starts a new capture, dropping what the last one collected. */
  start(): void;
  /** Stops capturing and returns what was sent since `start`. */
  take(): UpdateItemCommandInput[];
}

export function captureUpdateItems(client: DynamoDBClient): UpdateItemCapture {
  let captured: UpdateItemCommandInput[] | undefined;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (captured && context.commandName === 'UpdateItemCommand') {
        captured.push(args.input as UpdateItemCommandInput);
      }
      return next(args);
    },
    { step: 'initialize', name: 'benchUpdateItemCapture' },
  );
  return {
    start: () => {
      captured = [];
    },
    take: () => {
      const taken = captured ?? [];
      captured = undefined;
      return taken;
    },
  };
}

/**
 * Sends captured UpdateItems again, `concurrency` in flight, each on its partition key plus `keySuffix`:
 * fresh items that go through the same versions, conditions and returned items as the recorder's did. A
 * condition that fails is an answer, as it is for the recorder. Resolves to 0, the failed records that
 * `interleaved` counts for a side.
 */
export async function replayUpdateItems(
  client: DynamoDBClient,
  inputs: readonly UpdateItemCommandInput[],
  concurrency: number,
  keySuffix: string,
): Promise<number> {
  await mapWithConcurrency(inputs, concurrency, (input) => {
    const pk = input.Key?.[TABLE_KEY.partitionKey]?.S;
    if (pk === undefined) throw new Error('bench: a captured UpdateItem has no string partition key');
    return client
      .send(
        new UpdateItemCommand({
          ...input,
          Key: { ...input.Key, [TABLE_KEY.partitionKey]: { S: `${pk}${keySuffix}` } },
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof Error && error.name === 'ConditionalCheckFailedException')) throw error;
      });
  });
  return 0;
}
