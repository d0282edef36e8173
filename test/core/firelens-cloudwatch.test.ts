import { describe, expect, it } from 'vitest';
import {
  type CloudWatchOutputLocation,
  type CloudWatchPlugin,
  locateCloudWatchOutput,
} from '../../lambda/core/firelens-cloudwatch.js';
import { type FireLensTask, fireLensTag } from '../../lambda/core/fluent-bit-templates.js';

const TASK_ID = 'a6eaf0150a4248dAA1bcbd688121014e';
const TAG = `app-firelens-${TASK_ID}`;

/** The Fargate task of the fivexl fixture (test/fixtures/events/task-state-change_fargate_stopped_fivexl-fixture.json). */
const FARGATE: FireLensTask = {
  taskArn: `arn:aws:ecs:eu-central-1:111111111111:task/test/${TASK_ID}`,
  taskId: TASK_ID,
  clusterName: 'test',
  clusterArn: 'arn:aws:ecs:eu-central-1:111111111111:cluster/test',
  launchType: 'FARGATE',
  taskDefinitionArn: 'arn:aws:ecs:eu-central-1:111111111111:task-definition/example-api-v1:20',
  containerName: 'app',
  runtimeId: `${TASK_ID}-527074092`,
  ecsMetadata: true,
  customConfig: false,
};
const EC2: FireLensTask = { ...FARGATE, launchType: 'EC2', runtimeId: '8a78a445b4e66ee0f2c7624d' };
const NO_METADATA: FireLensTask = { ...FARGATE, ecsMetadata: false };
const CUSTOM_CONFIG: FireLensTask = { ...FARGATE, customConfig: true };

const BASE = { region: 'eu-central-1', log_group_name: '/ecs/example-api' } as const;

function located(logGroup: string, logStream: string, notes: string[] = []): CloudWatchOutputLocation {
  return { kind: 'located', logGroup, logStream, region: 'eu-central-1', notes };
}

describe('fireLensTag', () => {
  it('joins the container name and the task id as FireLens tags the records', () => {
    expect(fireLensTag('app', TASK_ID)).toBe(TAG);
  });
});

describe('locateCloudWatchOutput: cloudwatch_logs (the core plugin)', () => {
  it.each<[string, Record<string, string>, FireLensTask, CloudWatchOutputLocation]>([
    [
      'log_stream_prefix followed by the tag, with nothing between them',
      { ...BASE, log_stream_prefix: 'from-fluent-bit-' },
      FARGATE,
      located('/ecs/example-api', `from-fluent-bit-${TAG}`),
    ],
    [
      'a fixed log_stream_name',
      { ...BASE, log_stream_name: 'app' },
      FARGATE,
      located('/ecs/example-api', 'app'),
    ],
    [
      'option names in any case, as Fluent Bit reads them',
      { Region: 'eu-central-1', Log_Group_Name: '/ecs/example-api', LOG_STREAM_PREFIX: 'fb-' },
      FARGATE,
      located('/ecs/example-api', `fb-${TAG}`),
    ],
    [
      'a stream template of ECS metadata fields, dot-separated as record accessor templates must be',
      { ...BASE, log_stream_prefix: 'fb-', log_stream_template: '$ecs_task_definition.$container_id' },
      FARGATE,
      located('/ecs/example-api', `example-api-v1:20.${TASK_ID}-527074092`),
    ],
    [
      '$TAG and $TAG[0] as the whole tag, which has no dots',
      { ...BASE, log_stream_prefix: 'fb-', log_stream_template: 'app/$TAG[0]' },
      FARGATE,
      located('/ecs/example-api', `app/${TAG}`),
    ],
    [
      '$TAG[1] as nothing, since the tag has one part only',
      { ...BASE, log_stream_prefix: 'fb-', log_stream_template: 'x-$TAG[1]' },
      FARGATE,
      located('/ecs/example-api', 'x-'),
    ],
    [
      'the ECS cluster as Fargate reports it (its ARN) in a group template',
      { ...BASE, log_stream_prefix: 'fb-', log_group_template: '/ecs/$ecs_cluster' },
      FARGATE,
      located('/ecs/arn:aws:ecs:eu-central-1:111111111111:cluster/test', `fb-${TAG}`),
    ],
    [
      'the ECS cluster as EC2 reports it (its name) in a group template',
      { ...BASE, log_stream_prefix: 'fb-', log_group_template: '/ecs/$ecs_cluster' },
      EC2,
      located('/ecs/test', `fb-${TAG}`),
    ],
    [
      'the fallback to log_group_name when the records lack a field of the group template',
      { ...BASE, log_stream_prefix: 'fb-', log_group_template: "/eks/$kubernetes['namespace_name']" },
      FARGATE,
      located('/ecs/example-api', `fb-${TAG}`, [
        `log_group_template "/eks/$kubernetes['namespace_name']" does not resolve (the records have no field kubernetes), so the plugin uses log_group_name /ecs/example-api`,
      ]),
    ],
    [
      'the fallback to log_stream_name when ECS metadata is off',
      { ...BASE, log_stream_name: 'shared', log_stream_template: '$ecs_task_arn' },
      NO_METADATA,
      located('/ecs/example-api', 'shared', [
        'log_stream_template "$ecs_task_arn" does not resolve (the records have no field ecs_task_arn), so the plugin uses log_stream_name shared',
      ]),
    ],
    [
      'the container name from the records on Fargate',
      { ...BASE, log_stream_prefix: 'fb-', log_stream_template: '$container_name' },
      FARGATE,
      located('/ecs/example-api', 'app'),
    ],
  ])('resolves %s', (_name, options, task, expected) => {
    expect(locateCloudWatchOutput('cloudwatch_logs', options, task)).toEqual(expected);
  });

  it('keeps log_key, whose value the events carry instead of the record', () => {
    expect(
      locateCloudWatchOutput(
        'cloudwatch_logs',
        { ...BASE, log_stream_prefix: 'fb-', log_key: 'log' },
        FARGATE,
      ),
    ).toMatchObject({ kind: 'located', logKey: 'log' });
  });

  it.each<[string, Record<string, string>, FireLensTask, string]>([
    [
      'a field that differs from record to record',
      { ...BASE, log_stream_prefix: 'fb-', log_stream_template: '$source.$ecs_task_arn' },
      FARGATE,
      'names the log stream with log_stream_template "$source.$ecs_task_arn", and the record field source differs from record to record',
    ],
    [
      'the container name Docker generates on EC2',
      { ...BASE, log_stream_prefix: 'fb-', log_stream_template: '$container_name' },
      EC2,
      'names the log stream with log_stream_template "$container_name", and on EC2 the record field container_name is the name Docker generated (/ecs-<family>-<revision>-<container>-<random>)',
    ],
    [
      "a field that the router's own configuration file may add",
      { ...BASE, log_stream_prefix: 'fb-', log_group_template: '/app/$env' },
      CUSTOM_CONFIG,
      'names the log group with log_group_template "/app/$env", and the log router\'s own configuration file may set the record field env',
    ],
    [
      'an environment variable of the log router, which Fluent Bit fills in when it loads the options',
      { ...BASE, log_stream_name: `app/\${ECS_TASK_ID}` },
      FARGATE,
      `names log_stream_name with \${ECS_TASK_ID}, an environment variable of the log router that tracer cannot see`,
    ],
  ])('cannot resolve %s', (_name, options, task, reason) => {
    expect(locateCloudWatchOutput('cloudwatch_logs', options, task)).toEqual({
      kind: 'unresolvable',
      reason,
    });
  });

  it.each<[string, Record<string, string>, string]>([
    ['no region', { log_group_name: '/ecs/app', log_stream_prefix: 'fb-' }, 'region is required'],
    [
      'a group template without log_group_name',
      { region: 'eu-central-1', log_group_template: '/ecs/$ecs_cluster', log_stream_prefix: 'fb-' },
      'log_group_name is required',
    ],
    ['neither stream option', { ...BASE }, 'log_stream_name or log_stream_prefix is required'],
    [
      'both stream options',
      { ...BASE, log_stream_name: 'a', log_stream_prefix: 'b' },
      'log_stream_name and log_stream_prefix cannot both be set',
    ],
    [
      'two keys not separated by a dot or comma',
      { ...BASE, log_stream_prefix: 'fb-', log_stream_template: '$ecs_task_id/$container_name' },
      'log_stream_template "$ecs_task_id/$container_name" cannot be parsed: "$ecs_task_id/$container_name" is not a record accessor key such as $key or $key[\'sub\']',
    ],
    [
      "the Go plugin's $(var) syntax",
      { ...BASE, log_stream_prefix: 'fb-', log_stream_template: '$(ecs_task_id)' },
      'log_stream_template "$(ecs_task_id)" cannot be parsed: "$(ecs_task_id)" is not a record accessor key such as $key or $key[\'sub\']',
    ],
  ])('rejects %s as Fluent Bit does at start-up', (_name, options, reason) => {
    expect(locateCloudWatchOutput('cloudwatch_logs', options, FARGATE)).toEqual({ kind: 'invalid', reason });
  });
});

describe('locateCloudWatchOutput: cloudwatch (the Go plugin)', () => {
  it.each<[string, Record<string, string>, FireLensTask, CloudWatchOutputLocation]>([
    [
      'log_stream_prefix followed by the tag',
      { ...BASE, log_stream_prefix: 'from-fluent-bit-' },
      FARGATE,
      located('/ecs/example-api', `from-fluent-bit-${TAG}`),
    ],
    [
      '$(ecs_task_id) in the stream name',
      { ...BASE, log_stream_name: 'app/$(ecs_task_id)' },
      FARGATE,
      located('/ecs/example-api', `app/${TASK_ID}`),
    ],
    [
      "$(ecs_cluster) on EC2, the cluster's name",
      { ...BASE, log_group_name: '/aws/ecs/$(ecs_cluster)', log_stream_name: '$(tag)' },
      EC2,
      located('/aws/ecs/test', TAG),
    ],
    [
      "$(ecs_cluster) on Fargate, the cluster's ARN, cleaned as a group name",
      { ...BASE, log_group_name: '/aws/ecs/$(ecs_cluster)', log_stream_name: '$(tag[0])' },
      FARGATE,
      located('/aws/ecs/arn.aws.ecs.eu-central-1.111111111111.cluster/test', TAG),
    ],
    [
      '$(ecs_task_arn) in a stream name, which loses its colons',
      { ...BASE, log_stream_name: '$(ecs_task_arn)' },
      FARGATE,
      located('/ecs/example-api', `arn.aws.ecs.eu-central-1.111111111111.task/test/${TASK_ID}`),
    ],
    [
      'a record field of the task',
      { ...BASE, log_stream_name: '$(ecs_task_definition)-$(container_name)' },
      FARGATE,
      located('/ecs/example-api', 'example-api-v1.20-app'),
    ],
    [
      'a group name with characters CloudWatch does not take, byte by byte',
      { ...BASE, log_group_name: 'my app é', log_stream_prefix: 'fb-' },
      FARGATE,
      located('my.app...', `fb-${TAG}`),
    ],
    [
      'the default stream when the tag has no second part',
      { ...BASE, log_stream_name: '$(tag[1])' },
      FARGATE,
      located('/ecs/example-api', '/fluentbit-default', [
        `log_stream_name "$(tag[1])" does not resolve (the tag ${TAG} has no part 1), so the plugin uses default_log_stream_name /fluentbit-default`,
      ]),
    ],
    [
      'the configured default group when the records lack a field',
      {
        ...BASE,
        log_group_name: "/eks/$(kubernetes['namespace_name'])",
        default_log_group_name: 'fallback',
        log_stream_prefix: 'fb-',
      },
      FARGATE,
      located('fallback', `fb-${TAG}`, [
        `log_group_name "/eks/$(kubernetes['namespace_name'])" does not resolve (the records have no field kubernetes), so the plugin uses default_log_group_name fallback`,
      ]),
    ],
  ])('resolves %s', (_name, options, task, expected) => {
    expect(locateCloudWatchOutput('cloudwatch', options, task)).toEqual(expected);
  });

  it('cuts names at 512 bytes, as the plugin does', () => {
    const result = locateCloudWatchOutput(
      'cloudwatch',
      { ...BASE, log_stream_name: `${'s'.repeat(600)}` },
      FARGATE,
    );
    expect(result).toMatchObject({ kind: 'located', logStream: 's'.repeat(512) });
  });

  it.each<[string, Record<string, string>, FireLensTask, string]>([
    [
      '$(uuid), drawn when the router starts',
      { ...BASE, log_stream_name: 'fb-$(uuid)' },
      FARGATE,
      'names the log stream with log_stream_name "fb-$(uuid)", and $(uuid) is a random id the log router draws when it starts',
    ],
    [
      "Docker's container name on EC2",
      { ...BASE, log_stream_name: '$(container_name)' },
      EC2,
      'names the log stream with log_stream_name "$(container_name)", and on EC2 the record field container_name is the name Docker generated (/ecs-<family>-<revision>-<container>-<random>)',
    ],
  ])('cannot resolve %s', (_name, options, task, reason) => {
    expect(locateCloudWatchOutput('cloudwatch', options, task)).toEqual({ kind: 'unresolvable', reason });
  });

  it.each<[CloudWatchPlugin, Record<string, string>, string]>([
    [
      'cloudwatch',
      { ...BASE, log_stream_name: '$(ecs_task_id' },
      'log_stream_name "$(ecs_task_id" opens $( without closing it',
    ],
    ['cloudwatch', { log_group_name: 'g', log_stream_name: 's' }, 'region is required'],
  ])('rejects what the %s plugin refuses at start-up: %j', (plugin, options, reason) => {
    expect(locateCloudWatchOutput(plugin, options, FARGATE)).toEqual({ kind: 'invalid', reason });
  });
});
