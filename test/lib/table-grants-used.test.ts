/**
 * The DynamoDB grants against the calls the code makes. Each function runs with its production wiring
 * (`*DepsFromEnv`) through a loopback proxy in front of dynalite that records every DynamoDB request; ECS,
 * CloudWatch Logs, SNS and SQS are mocked. Every recorded call must be allowed by a statement of that
 * function's role in the synthesized template (action, table or index, `dynamodb:LeadingKeys`), and every
 * granted action, index and key pattern must have been used by some call.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { type AttributeValue, DeleteItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
} from '@aws-sdk/client-ecs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TASK_DEFINITION_SK } from '../../lambda/adapters/dynamodb/keys.js';
import { EnvName } from '../../lambda/config/env.js';
import type { ContainerLogConfig } from '../../lambda/core/model.js';
import { apiDepsFromEnv, makeApiHandler } from '../../lambda/handlers/api.js';
import { makeNotifierHandler, notifierDepsFromEnv } from '../../lambda/handlers/notifier.js';
import { makeRecorderHandler, recorderDepsFromEnv } from '../../lambda/handlers/recorder.js';
import { type DynaliteHandle, startDynalite } from '../support/dynalite.js';
import { loadEvent } from '../support/fixtures.js';
import { sqsBatch } from '../support/recorder.js';
import { loadReferences, REFERENCE_CLUSTER, REFERENCE_TASK_IDS } from '../support/reference-fixtures.js';
import { synthTracer, tableGrants } from './support.js';

/** One DynamoDB request as the proxy saw it: the action, the index it named and the partition keys. */
interface TableCall {
  readonly action: string;
  readonly index?: string;
  /** The partition key values a write touches (`dynamodb:LeadingKeys`); reads are not conditioned. */
  readonly partitionKeys: readonly string[];
}

type Role = 'recorder' | 'query' | 'notifier';
const FUNCTION_PREFIX: Record<Role, string> = {
  recorder: 'TracerRecorderFunction',
  query: 'TracerApiFunction',
  notifier: 'TracerNotifierFunction',
};

const fixtures = loadReferences();
// Ten years: the reference tasks ran in 2021, and the functions read with the real clock.
const RETENTION_DAYS = 3650;
const calls: Record<Role, TableCall[]> = { recorder: [], query: [], notifier: [] };
let current: Role = 'recorder';
let db: DynaliteHandle;
let proxy: Server;
const savedEnv = { ...process.env };
const ecs = mockClient(ECSClient);
const cloudWatchLogs = mockClient(CloudWatchLogsClient);
const sns = mockClient(SNSClient);
const sqs = mockClient(SQSClient);
const secrets = mockClient(SecretsManagerClient);

function partitionKeysOf(action: string, input: Record<string, unknown>): string[] {
  const pk = (item: unknown) =>
    ((item as Record<string, AttributeValue> | undefined)?.pk as { S?: string })?.S;
  const requests = Object.values((input.RequestItems as Record<string, unknown[]> | undefined) ?? {}).flat();
  const keys =
    action === 'BatchWriteItem'
      ? requests.map((r) => pk((r as { PutRequest?: { Item: unknown } }).PutRequest?.Item))
      : [pk(input.Key ?? input.Item)];
  return keys.filter((k): k is string => k !== undefined);
}

/** Forwards DynamoDB requests to dynalite and records each for the function that is running. */
function startRecordingProxy(target: string): Promise<Server> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const action = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const input = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
      calls[current].push({
        action,
        ...(typeof input.IndexName === 'string' ? { index: input.IndexName } : {}),
        partitionKeys: partitionKeysOf(action, input),
      });
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 500, answer.headers);
          answer.pipe(res);
        },
      );
      forward.end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Deletes the stored task definitions, so that the next trace describes its revision and keeps a copy. */
async function forgetTaskDefinitions(): Promise<void> {
  const { Items } = await db.client.send(new ScanCommand({ TableName: db.tableName }));
  for (const item of Items ?? []) {
    if (item.sk?.S !== TASK_DEFINITION_SK || item.pk === undefined) continue;
    await db.client.send(
      new DeleteItemCommand({ TableName: db.tableName, Key: { pk: item.pk, sk: item.sk } }),
    );
  }
}

function logOptionsOf(c: ContainerLogConfig): Record<string, string> {
  return {
    ...(c.logGroup ? { 'awslogs-group': c.logGroup } : {}),
    ...(c.streamPrefix ? { 'awslogs-stream-prefix': c.streamPrefix } : {}),
    ...(c.region ? { 'awslogs-region': c.region } : {}),
    ...c.logOptions,
  };
}

function mockAwsServices(): void {
  const definitions = new Map(
    fixtures.flatMap((f) => f.taskDefinitions).map((d) => [d.taskDefinitionArn, d]),
  );
  ecs.on(DescribeTaskDefinitionCommand).callsFake((input: { taskDefinition: string }) => {
    const known = definitions.get(input.taskDefinition);
    const containers = known?.status === 'described' ? known.containers : [];
    return {
      taskDefinition: {
        taskDefinitionArn: input.taskDefinition,
        containerDefinitions: containers.map((c) => ({
          name: c.containerName,
          ...(c.logDriver ? { logConfiguration: { logDriver: c.logDriver, options: logOptionsOf(c) } } : {}),
        })),
      },
    };
  });
  ecs.on(DescribeServicesCommand).callsFake((input: { services: string[] }) => ({
    services: [
      {
        serviceName: input.services[0],
        status: 'ACTIVE',
        events: fixtures
          .flatMap((f) => f.serviceEvents)
          .map((e) => ({ id: e.eventId, createdAt: new Date(e.createdAt), message: e.message })),
      },
    ],
  }));
  ecs.on(DescribeTasksCommand).resolves({ tasks: [] });
  cloudWatchLogs
    .on(GetLogEventsCommand)
    .resolves({ events: [], nextForwardToken: 'f/end', nextBackwardToken: 'b/end', $metadata: {} });
  sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
  sqs.on(ChangeMessageVisibilityCommand).resolves({});
  secrets.on(GetSecretValueCommand).resolves({ SecretString: 'cursor-key-'.padEnd(64, 'k') });
}

beforeAll(async () => {
  db = await startDynalite();
  proxy = await startRecordingProxy(db.endpoint);
  mockAwsServices();
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDGRANTS',
    AWS_SECRET_ACCESS_KEY: 'grants-secret',
    AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    [EnvName.TABLE_NAME]: db.tableName,
    [EnvName.RETENTION_DAYS]: String(RETENTION_DAYS),
    [EnvName.TOPIC_ARN]: 'arn:aws:sns:us-east-1:111122223333:tracer',
    [EnvName.NOTIFY_SETTLE_SECONDS]: '0',
    [EnvName.LOG_LEVEL]: 'error',
    [EnvName.CURSOR_SECRET_ARN]:
      'arn:aws:secretsmanager:us-east-1:111122223333:secret:tracer-cursor-key-AbCdEf',
  });

  // The recorder: every reference event, as SQS delivers them.
  current = 'recorder';
  const recorder = makeRecorderHandler(recorderDepsFromEnv(process.env));
  const hostEvents = [
    loadEvent('container-instance-state-change_awsdocs'),
    loadEvent('ec2-spot-instance-interruption-warning_awsdocs'),
  ];
  const bodies = [...fixtures.flatMap((f) => f.events), ...hostEvents].map((e) => JSON.stringify(e));
  for (let i = 0; i < bodies.length; i += 10) await recorder(sqsBatch(bodies.slice(i, i + 10), i));

  // The query function: every route, and a trace whose task definition has to be described again.
  await forgetTaskDefinitions();
  current = 'query';
  const api = makeApiHandler(apiDepsFromEnv(process.env));
  const task = `/clusters/${REFERENCE_CLUSTER}/tasks/${REFERENCE_TASK_IDS.serviceReplaced}`;
  for (const [path, query] of [
    ['/clusters', {}],
    [`/clusters/${REFERENCE_CLUSTER}/tasks`, {}],
    [`/clusters/${REFERENCE_CLUSTER}/tasks`, { failed: 'true' }],
    [task, {}],
    [`${task}/trace`, {}],
  ] as const) {
    const response = await api({ httpMethod: 'GET', path, queryStringParameters: query });
    expect(response.statusCode, `GET ${path}`).toBe(200);
  }

  // The notifier: the STOPPED events of a failed task and of a service's task, their task definitions
  // forgotten too; every stop is notified, so that the service's events are read as well.
  await forgetTaskDefinitions();
  current = 'notifier';
  process.env[EnvName.NOTIFY_FILTERS] = JSON.stringify({ notifyOnEveryStop: true });
  const notifier = makeNotifierHandler(notifierDepsFromEnv(process.env));
  const stoppedEvents = [REFERENCE_TASK_IDS.failedPull, REFERENCE_TASK_IDS.serviceReplaced].map((taskId) =>
    fixtures
      .find((f) => f.taskId === taskId)
      ?.events.filter((e) => JSON.stringify(e).includes('"lastStatus":"STOPPED"'))
      .at(-1),
  );
  const answer = await notifier(sqsBatch(stoppedEvents.map((e) => JSON.stringify(e))));
  expect(answer.batchItemFailures).toEqual([]);
  expect(sns.commandCalls(PublishCommand)).toHaveLength(2);
}, 120_000);

afterAll(async () => {
  for (const mock of [ecs, cloudWatchLogs, sns, sqs]) mock.restore();
  for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
  Object.assign(process.env, savedEnv);
  await new Promise((resolve) => proxy?.close(resolve));
  await db?.stop();
});

const { template } = synthTracer();

/** IAM StringLike: `*` any characters, `?` one. */
function matchesPattern(value: string, pattern: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(value);
}

describe.each(Object.keys(FUNCTION_PREFIX) as Role[])('the %s function', (role) => {
  const grants = tableGrants(template, FUNCTION_PREFIX[role]);
  const resourceOf = (call: TableCall) => (call.index === undefined ? 'table' : `table/index/${call.index}`);
  const allows = (call: TableCall) =>
    grants.filter(
      (g) =>
        g.actions.includes(`dynamodb:${call.action}`) &&
        g.resources.includes(resourceOf(call)) &&
        (g.leadingKeys === undefined ||
          call.partitionKeys.every((key) => g.leadingKeys?.some((pattern) => matchesPattern(key, pattern)))),
    );

  it('makes only DynamoDB calls that its role allows', () => {
    expect(calls[role].length).toBeGreaterThan(0);
    const denied = calls[role].filter((call) => allows(call).length === 0);
    expect(denied).toEqual([]);
  });

  it('uses every DynamoDB action, index and key pattern its role grants', () => {
    const unused: string[] = [];
    for (const grant of grants) {
      for (const action of grant.actions) {
        for (const resource of grant.resources) {
          const used = calls[role].filter(
            (c) =>
              `dynamodb:${c.action}` === action && resourceOf(c) === resource && allows(c).includes(grant),
          );
          if (used.length === 0) unused.push(`${action} on ${resource}`);
          for (const pattern of grant.leadingKeys ?? []) {
            if (!used.some((c) => c.partitionKeys.some((key) => matchesPattern(key, pattern)))) {
              unused.push(`${action} on ${resource} for ${pattern}`);
            }
          }
        }
      }
    }
    expect(unused).toEqual([]);
  });
});
