import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  predatesLogOptions,
  storableLogOptions,
  toContainerLogConfig,
} from '../../lambda/core/container-log-config.js';
import type { ContainerLogConfig, TaskDefinitionInfo } from '../../lambda/core/model.js';

const FIRELENS_TASK_DEFINITION = JSON.parse(
  readFileSync(new URL('../fixtures/ecs/firelens-task-definition.json', import.meta.url), 'utf8'),
) as { taskDefinition: { containerDefinitions: Array<Record<string, unknown> & { name: string }> } };

describe('storableLogOptions', () => {
  it.each<[string, Record<string, unknown>, Record<string, string>]>([
    [
      'Datadog',
      { Name: 'datadog', apikey: 'abc', dd_service: 'web' },
      { Name: 'datadog', apikey: '[REDACTED]', dd_service: 'web' },
    ],
    [
      'New Relic',
      { Name: 'nrlogs', licenseKey: 'x', apiKey: 'y' },
      { Name: 'nrlogs', licenseKey: '[REDACTED]', apiKey: '[REDACTED]' },
    ],
    [
      'Splunk (driver)',
      { 'splunk-token': 't', 'splunk-url': 'https://s:8088' },
      { 'splunk-token': '[REDACTED]', 'splunk-url': 'https://s:8088' },
    ],
    [
      'HTTP',
      { http_user: 'me', http_passwd: 'p', Header: 'Authorization Bearer abcdefghijkl' },
      { http_user: 'me', http_passwd: '[REDACTED]', Header: 'Authorization Bearer [REDACTED]' },
    ],
    [
      'Elasticsearch',
      { Cloud_Auth: 'elastic:pw', AWS_Auth: 'On', Index: 'app' },
      { Cloud_Auth: '[REDACTED]', AWS_Auth: '[REDACTED]', Index: 'app' },
    ],
    [
      'a password in a URL',
      { Host: 'https://u:pw@logs.example.com' },
      { Host: 'https://u:[REDACTED]@logs.example.com' },
    ],
    [
      'names that are not credentials',
      { log_key: 'log', s3_key_format: '/$TAG/%Y', log_stream_prefix: 'fb-' },
      { log_key: 'log', s3_key_format: '/$TAG/%Y', log_stream_prefix: 'fb-' },
    ],
    ['values that are not strings', { Name: 'x', retries: 3, nested: { a: 'b' } }, { Name: 'x' }],
  ])('keeps the %s options without their credentials', (_name, options, stored) => {
    expect(storableLogOptions(options)).toEqual(stored);
  });
});

describe('toContainerLogConfig', () => {
  it('reads the FireLens task definition fixture as DescribeTaskDefinition returns it', () => {
    const containers = FIRELENS_TASK_DEFINITION.taskDefinition.containerDefinitions.map((c) =>
      toContainerLogConfig(c, c.name),
    );

    expect(containers).toEqual<ContainerLogConfig[]>([
      {
        containerName: 'log_router',
        logDriver: 'awslogs',
        logGroup: '/ecs/example-api-firelens',
        streamPrefix: 'firelens',
        region: 'eu-central-1',
        logOptions: {
          'awslogs-group': '/ecs/example-api-firelens',
          'awslogs-region': 'eu-central-1',
          'awslogs-create-group': 'true',
          'awslogs-stream-prefix': 'firelens',
          mode: 'non-blocking',
          'max-buffer-size': '25m',
        },
        firelensConfiguration: { type: 'fluentbit', options: { 'enable-ecs-log-metadata': 'true' } },
        essential: true,
      },
      {
        containerName: 'app',
        logDriver: 'awsfirelens',
        logOptions: {
          Name: 'cloudwatch_logs',
          region: 'eu-central-1',
          log_group_name: '/ecs/example-api',
          auto_create_group: 'true',
          log_stream_prefix: 'from-fluent-bit-',
          'log-driver-buffer-limit': '2097152',
        },
        essential: true,
      },
      {
        containerName: 'audit',
        logDriver: 'awsfirelens',
        logOptions: {
          Name: 'datadog',
          apikey: '[REDACTED]',
          Host: 'http-intake.logs.datadoghq.eu',
          dd_service: 'example-api-audit',
          dd_source: 'audit',
          dd_tags: 'project:example-api',
          TLS: 'on',
          provider: 'ecs',
        },
        secretOptionNames: ['http_passwd'],
        essential: false,
      },
    ]);
  });

  it.each<[string, unknown, ContainerLogConfig]>([
    ['a container without log configuration', { name: 'init' }, { containerName: 'init', essential: true }],
    [
      'a log configuration without options',
      { logConfiguration: { logDriver: 'awsfirelens' } },
      { containerName: 'c', logDriver: 'awsfirelens', logOptions: {}, essential: true },
    ],
    [
      'malformed parts, ignored',
      {
        essential: 'no',
        logConfiguration: { logDriver: 7, options: [], secretOptions: 'x' },
        firelensConfiguration: {},
      },
      { containerName: 'c', logOptions: {}, essential: true },
    ],
    ['not an object', 'nonsense', { containerName: 'c', essential: true }],
  ])('reads %s', (_name, container, expected) => {
    expect(toContainerLogConfig(container, (container as { name?: string }).name ?? 'c')).toEqual(expected);
  });
});

describe('predatesLogOptions', () => {
  const described = (containers: ContainerLogConfig[]): TaskDefinitionInfo => ({
    status: 'described',
    taskDefinitionArn: 'arn:aws:ecs:eu-central-1:111111111111:task-definition/example-api-v1:21',
    containers,
    describedAt: '2024-01-01T00:00:00.000Z',
  });

  it.each<[boolean, string, TaskDefinitionInfo]>([
    [
      true,
      'a FireLens container recorded without options',
      described([{ containerName: 'app', logDriver: 'awsfirelens', essential: true }]),
    ],
    [
      false,
      'a FireLens container recorded with options',
      described([{ containerName: 'app', logDriver: 'awsfirelens', logOptions: {}, essential: true }]),
    ],
    [
      false,
      'awslogs containers, which never needed them',
      described([{ containerName: 'app', logDriver: 'awslogs', logGroup: '/ecs/app', essential: true }]),
    ],
    [false, 'a container without log configuration', described([{ containerName: 'app', essential: true }])],
    [
      false,
      'an unavailable revision',
      {
        status: 'unavailable',
        taskDefinitionArn: 'arn',
        reason: 'gone',
        describedAt: '2024-01-01T00:00:00.000Z',
      },
    ],
  ])('is %s for %s', (expected, _name, info) => {
    expect(predatesLogOptions(info)).toBe(expected);
  });
});
