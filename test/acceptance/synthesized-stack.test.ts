/**
 * Acceptance of what ships: the Lambda bundles that `cdk synth` writes to its output folder, each run in a
 * fresh Node process with exactly the environment the template gives it, against emulators of the AWS wire
 * protocols (dynalite for DynamoDB, moto_server for CloudWatch Logs, ECS, SNS and SQS).
 *
 * Needs moto_server (Python's moto) on PATH; skips with that reason where it is missing.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateTableCommand, type CreateTableCommandInput, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import {
  CreateSecretCommand,
  GetRandomPasswordCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynaliteHandle, startDynalite } from '../support/dynalite.js';
import { MOTO_SKIP_REASON, type MotoHandle, motoAvailable, startMoto } from '../support/moto.js';

const execFileAsync = promisify(execFile);
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'AKIDACCEPTANCE', secretAccessKey: 'acceptance-secret' };
const CLUSTER = 'acceptance';
const TASK_ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const hasMoto = motoAvailable();

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface CfnResource {
  Type: string;
  Properties?: Record<string, Json>;
  Metadata?: Record<string, Json>;
}

interface Shipped {
  outDir: string;
  resources: Record<string, CfnResource>;
  /** The template as `cdk synth` wrote it. */
  text: string;
}

async function synthesize(): Promise<Shipped> {
  const outDir = await mkdtemp(join(tmpdir(), 'tracer-synth-'));
  await execFileAsync('npx', ['cdk', 'synth', '--quiet', '--output', outDir], {
    env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true' },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 540_000,
  });
  const text = await readFile(join(outDir, 'Tracer.template.json'), 'utf8');
  const template = JSON.parse(text) as { Resources: Record<string, CfnResource> };
  return { outDir, resources: template.Resources, text };
}

/** Resolves the intrinsic functions that appear in function environments to the emulators' names. */
function resolver(
  resources: Record<string, CfnResource>,
  names: { table: string; topicArn: string; cursorSecretArn: string },
) {
  const refOf = (logicalId: string): string => {
    const type = resources[logicalId]?.Type;
    if (type === 'AWS::DynamoDB::Table') return names.table;
    if (type === 'AWS::SNS::Topic') return names.topicArn;
    if (type === 'AWS::SecretsManager::Secret') return names.cursorSecretArn;
    if (type === 'AWS::ApiGateway::RestApi') return 'acceptanceapi';
    if (type === 'AWS::ApiGateway::Stage') return 'prod';
    if (logicalId === 'AWS::Region') return REGION;
    if (logicalId === 'AWS::URLSuffix') return 'amazonaws.com';
    if (logicalId === 'AWS::Partition') return 'aws';
    if (logicalId === 'AWS::AccountId') return '123456789012';
    throw new Error(`acceptance: no emulator value for Ref ${logicalId} (${type ?? 'pseudo parameter'})`);
  };
  const resolve = (value: Json): string => {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      if ('Ref' in value && typeof value.Ref === 'string') return refOf(value.Ref);
      if ('Fn::GetAtt' in value && Array.isArray(value['Fn::GetAtt']))
        return refOf(String(value['Fn::GetAtt'][0]));
      if ('Fn::Join' in value && Array.isArray(value['Fn::Join'])) {
        const [separator, parts] = value['Fn::Join'];
        return (Array.isArray(parts) ? parts : []).map(resolve).join(String(separator));
      }
    }
    throw new Error(`acceptance: cannot resolve ${JSON.stringify(value)}`);
  };
  return resolve;
}

describe.skipIf(!hasMoto)('the synthesized stack, run from its bundles against emulators', () => {
  let shipped: Shipped;
  let dynalite: DynaliteHandle;
  let moto: MotoHandle;
  let work: string;
  let queueUrl: string;
  const env: Record<string, Record<string, string>> = {};
  const bundle: Record<string, string> = {};

  beforeAll(async () => {
    [shipped, dynalite, moto] = await Promise.all([synthesize(), startDynalite(), startMoto()]);
    work = await mkdtemp(join(tmpdir(), 'tracer-acceptance-'));
    const clientConfig = { region: REGION, endpoint: moto.endpoint, credentials: CREDENTIALS };

    // The table exactly as the template declares it.
    const [tableId, table] =
      Object.entries(shipped.resources).find(([, r]) => r.Type === 'AWS::DynamoDB::Table') ?? [];
    if (!tableId || !table?.Properties) throw new Error('the template declares no table');
    const tableName = 'tracer-acceptance';
    const p = table.Properties as unknown as CreateTableCommandInput;
    await new DynamoDBClient({ region: REGION, endpoint: dynalite.endpoint, credentials: CREDENTIALS }).send(
      new CreateTableCommand({
        TableName: tableName,
        KeySchema: p.KeySchema,
        AttributeDefinitions: p.AttributeDefinitions,
        GlobalSecondaryIndexes: p.GlobalSecondaryIndexes,
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));

    const sns = new SNSClient(clientConfig);
    const sqs = new SQSClient(clientConfig);
    const topic = await sns.send(new CreateTopicCommand({ Name: 'tracer-failures' }));
    const topicArn = topic.TopicArn ?? '';
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: 'tracer-subscriber' }));
    queueUrl = queue.QueueUrl ?? '';
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    await sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'sqs',
        Endpoint: attributes.Attributes?.QueueArn ?? '',
      }),
    );

    // The cursor key as the stack generates it: a random string in a secret only the query function reads.
    const secrets = new SecretsManagerClient(clientConfig);
    const password = await secrets.send(
      new GetRandomPasswordCommand({ PasswordLength: 64, ExcludePunctuation: true }),
    );
    const secret = await secrets.send(
      new CreateSecretCommand({ Name: 'tracer-cursor-key', SecretString: password.RandomPassword ?? '' }),
    );
    const cursorSecretArn = secret.ARN ?? '';
    const resolve = resolver(shipped.resources, { table: tableName, topicArn, cursorSecretArn });
    for (const [logicalId, resource] of Object.entries(shipped.resources)) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      const assetPath = resource.Metadata?.['aws:asset:path'];
      if (typeof assetPath !== 'string') continue;
      const variables = ((resource.Properties?.Environment as Record<string, Json> | undefined)?.Variables ??
        {}) as Record<string, Json>;
      const role = logicalId.match(/Recorder|Query|Api|Notifier/i)?.[0].toLowerCase();
      if (!role) continue;
      const key = role === 'query' ? 'api' : role;
      bundle[key] = join(shipped.outDir, assetPath);
      env[key] = Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, resolve(value)]));
    }
  }, 600_000);

  afterAll(async () => {
    await Promise.all([dynalite?.stop(), moto?.stop()]);
    if (work) await rm(work, { recursive: true, force: true });
    if (shipped) await rm(shipped.outDir, { recursive: true, force: true });
  });

  async function invoke(role: string, event: unknown): Promise<Json> {
    const dir = bundle[role];
    if (!dir) throw new Error(`the template has no ${role} function`);
    const eventFile = join(work, `${role}-${Date.now()}.json`);
    await writeFile(eventFile, JSON.stringify(event));
    // Only what the template gives the function, plus what the Lambda service itself sets.
    const { stdout } = await execFileAsync(
      process.execPath,
      [join(import.meta.dirname, 'invoke-bundle.mjs'), dir, eventFile],
      {
        env: {
          ...env[role],
          PATH: process.env.PATH ?? '',
          AWS_REGION: REGION,
          AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
          AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
          AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: moto.endpoint,
          AWS_ENDPOINT_URL_ECS: moto.endpoint,
          AWS_ENDPOINT_URL_SNS: moto.endpoint,
          AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.endpoint,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const last = stdout.trim().split('\n').pop() ?? '';
    const outcome = JSON.parse(last) as { ok: boolean; result?: Json; error?: string };
    if (!outcome.ok) throw new Error(`${role} bundle failed: ${outcome.error}`);
    return outcome.result ?? null;
  }

  it('takes its configuration only from the environment the template declares', () => {
    expect(Object.keys(bundle).sort()).toEqual(['api', 'notifier', 'recorder']);
    for (const role of Object.keys(env)) expect(env[role]?.TRACER_TABLE_NAME).toBe('tracer-acceptance');
  });

  it('names no region, whatever region the CDK CLI assumed, so the template deploys to any region', () => {
    expect(shipped.text.match(/\b(?:[a-z]{2}|us-gov)-[a-z]+-\d\b/g)).toBeNull();
  });

  it('records a crashed task, serves its trace with the container logs, and notifies once', async () => {
    // Prepare: a task definition and the container's log stream in the emulators.
    const clientConfig = { region: REGION, endpoint: moto.endpoint, credentials: CREDENTIALS };
    const registered = await new ECSClient(clientConfig).send(
      new RegisterTaskDefinitionCommand({
        family: 'acceptance-app',
        containerDefinitions: [
          {
            name: 'app',
            image: 'public.ecr.aws/docker/library/busybox:latest',
            essential: true,
            memory: 128,
            logConfiguration: {
              logDriver: 'awslogs',
              options: {
                'awslogs-group': '/ecs/acceptance',
                'awslogs-stream-prefix': 'ecs',
                'awslogs-region': REGION,
              },
            },
          },
        ],
      }),
    );
    const taskDefinitionArn = registered.taskDefinition?.taskDefinitionArn ?? '';
    const base = Date.now() - 10 * 60_000;
    const at = (seconds: number) => new Date(base + seconds * 1000).toISOString();
    const logs = new CloudWatchLogsClient(clientConfig);
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/acceptance' }));
    const logStreamName = `ecs/app/${TASK_ID}`;
    await logs.send(new CreateLogStreamCommand({ logGroupName: '/ecs/acceptance', logStreamName }));
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: '/ecs/acceptance',
        logStreamName,
        logEvents: [
          { timestamp: base + 21_000, message: 'starting worker' },
          { timestamp: base + 58_000, message: 'panic: connection refused to db:5432' },
        ],
      }),
    );
    const taskArn = `arn:aws:ecs:${REGION}:123456789012:task/${CLUSTER}/${TASK_ID}`;
    const detail = (version: number, lastStatus: string, extra: Record<string, unknown>) => ({
      version: '0',
      id: `acceptance-${version}`,
      'detail-type': 'ECS Task State Change',
      source: 'aws.ecs',
      account: '123456789012',
      time: at(version * 10),
      region: REGION,
      resources: [taskArn],
      detail: {
        clusterArn: `arn:aws:ecs:${REGION}:123456789012:cluster/${CLUSTER}`,
        taskArn,
        taskDefinitionArn,
        group: 'family:acceptance-app',
        launchType: 'FARGATE',
        desiredStatus: lastStatus === 'STOPPED' ? 'STOPPED' : 'RUNNING',
        lastStatus,
        version,
        createdAt: at(0),
        containers: [{ name: 'app', lastStatus, ...(lastStatus === 'STOPPED' ? { exitCode: 2 } : {}) }],
        ...extra,
      },
    });
    const events = [
      detail(1, 'PROVISIONING', {}),
      detail(2, 'RUNNING', { pullStartedAt: at(5), pullStoppedAt: at(15), startedAt: at(20) }),
      detail(3, 'STOPPED', {
        pullStartedAt: at(5),
        pullStoppedAt: at(15),
        startedAt: at(20),
        stoppingAt: at(59),
        executionStoppedAt: at(60),
        stoppedAt: at(61),
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
      }),
    ];
    const sqsEvent = (bodies: unknown[]) => ({
      Records: bodies.map((body, i) => ({
        messageId: `m-${i}-${Date.now()}`,
        receiptHandle: 'r',
        body: JSON.stringify(body),
        attributes: { ApproximateReceiveCount: '1' },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:${REGION}:123456789012:tracer`,
        awsRegion: REGION,
      })),
    });

    // Act: deliver out of order and twice, ask the API, then let the notifier see STOPPED twice.
    const recorded = await invoke('recorder', sqsEvent([events[2], events[0], events[1], events[2]]));
    const trace = (await invoke('api', {
      resource: '/clusters/{cluster}/tasks/{taskId}/trace',
      path: `/clusters/${CLUSTER}/tasks/${TASK_ID}/trace`,
      httpMethod: 'GET',
      headers: { Accept: 'text/plain' },
      multiValueHeaders: {},
      queryStringParameters: { tz: 'UTC' },
      multiValueQueryStringParameters: { tz: ['UTC'] },
      pathParameters: { cluster: CLUSTER, taskId: TASK_ID },
      stageVariables: null,
      requestContext: { requestId: 'acceptance', stage: 'prod' },
      body: null,
      isBase64Encoded: false,
    })) as { statusCode: number; body: string };
    await invoke('notifier', sqsEvent([events[2]]));
    await invoke('notifier', sqsEvent([events[2]]));

    // Assess
    expect(recorded).toEqual({ batchItemFailures: [] });
    expect(trace.statusCode).toBe(200);
    const lines = trace.body.trim().split('\n');
    expect(lines.some((line) => line.endsWith('\tTASK\tStarted'))).toBe(true);
    expect(trace.body).toContain('CONTAINER:app\tstarting worker');
    expect(trace.body).toContain('CONTAINER:app\tpanic: connection refused to db:5432');
    expect(trace.body).toContain('TASK\tStoppedCode:EssentialContainerExited');
    expect(trace.body).toMatch(/TRACER\t.*app/);
    const received = await new SQSClient(clientConfig).send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    const messages = (received.Messages ?? []).map(
      (m) => JSON.parse(m.Body ?? '{}') as { Subject?: string; Message?: string },
    );
    expect(messages).toHaveLength(1);
    expect(messages[0]?.Subject).toContain(`Tracer: ${TASK_ID} on ${CLUSTER}`);
    expect(messages[0]?.Message).toContain('panic: connection refused to db:5432');
  }, 120_000);
});

if (!hasMoto) {
  describe('the synthesized stack against emulators', () => {
    it.skip(MOTO_SKIP_REASON, () => {});
  });
}
