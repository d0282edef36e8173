import { describe, expect, it } from 'vitest';
import { toContainerLogConfig } from '../../lambda/core/container-log-config.js';
import { type LogTarget, planLogTargets } from '../../lambda/core/log-targets.js';
import type { ContainerLogConfig, TaskSummary } from '../../lambda/core/model.js';
import { loadSummary } from '../support/notify-fixtures.js';

/** The Fargate task of the fivexl fixture: containers envoy and app, task a6eaf015... in cluster test. */
const FARGATE: TaskSummary = loadSummary('task-state-change_fargate_stopped_fivexl-fixture.json');
const TASK_ID = FARGATE.taskId;
const ROUTER = toContainerLogConfig(
  {
    name: 'envoy',
    firelensConfiguration: { type: 'fluentbit' },
    logConfiguration: {
      logDriver: 'awslogs',
      options: { 'awslogs-group': '/ecs/router', 'awslogs-stream-prefix': 'firelens' },
    },
  },
  'envoy',
);

/** The app container of the fixture with a log configuration as ECS describes it. */
function app(logDriver: string, options: Record<string, string>): ContainerLogConfig {
  return toContainerLogConfig({ name: 'app', logConfiguration: { logDriver, options } }, 'app');
}

function plan(...containers: ContainerLogConfig[]) {
  return planLogTargets(FARGATE, containers);
}

const CLOUDWATCH = { Name: 'cloudwatch_logs', region: 'eu-central-1', log_group_name: '/ecs/example-api' };

describe('planLogTargets: FireLens to CloudWatch Logs', () => {
  it('reads the router on awslogs and the app from the stream of its Fluent Bit output', () => {
    const result = plan(ROUTER, app('awsfirelens', { ...CLOUDWATCH, log_stream_prefix: 'from-fluent-bit-' }));

    expect(result).toEqual({
      targets: [
        { containerName: 'envoy', logGroup: '/ecs/router', logStream: `firelens/envoy/${TASK_ID}` },
        {
          containerName: 'app',
          logGroup: '/ecs/example-api',
          logStream: `from-fluent-bit-app-firelens-${TASK_ID}`,
          region: 'eu-central-1',
          records: { format: 'firelens-json', taskArn: FARGATE.taskArn, shared: false },
        },
      ],
      notices: [],
    });
  });

  it('reads a log_key stream as plain lines', () => {
    const result = plan(
      ROUTER,
      app('awsfirelens', { ...CLOUDWATCH, log_stream_prefix: 'fb-', log_key: 'log' }),
    );

    expect(result.targets[1]).toEqual<LogTarget>({
      containerName: 'app',
      logGroup: '/ecs/example-api',
      logStream: `fb-app-firelens-${TASK_ID}`,
      region: 'eu-central-1',
    });
  });

  it('keeps each container to its own records when two containers write to one stream', () => {
    const sidecar = toContainerLogConfig(
      {
        name: 'envoy',
        firelensConfiguration: { type: 'fluentbit' },
        logConfiguration: {
          logDriver: 'awsfirelens',
          options: { ...CLOUDWATCH, Name: 'cloudwatch', log_stream_name: '$(ecs_task_id)' },
        },
      },
      'envoy',
    );
    const result = plan(
      sidecar,
      app('awsfirelens', { ...CLOUDWATCH, Name: 'cloudwatch', log_stream_name: '$(ecs_task_id)' }),
    );

    expect(result.targets.map((t) => t.records?.containerId)).toEqual([
      `${TASK_ID}-4057181352`,
      `${TASK_ID}-527074092`,
    ]);
  });

  it.each<[string, ContainerLogConfig[], string[]]>([
    [
      'a fixed stream that other tasks share',
      [ROUTER, app('awsfirelens', { ...CLOUDWATCH, log_stream_name: 'app' })],
      [
        'logs of container app are in log stream app in log group /ecs/example-api, which other tasks share; only records that name this task (ecs_task_arn) are shown',
      ],
    ],
    [
      "the Go plugin's default stream when a template fails",
      [ROUTER, app('awsfirelens', { ...CLOUDWATCH, Name: 'cloudwatch', log_stream_name: '$(team)' })],
      [
        'logs of container app: its FireLens cloudwatch output\'s log_stream_name "$(team)" does not resolve (the records have no field team), so the plugin uses default_log_stream_name /fluentbit-default',
        'logs of container app are in log stream /fluentbit-default in log group /ecs/example-api, which other tasks share; only records that name this task (ecs_task_arn) are shown',
      ],
    ],
  ])('reads %s, saying so', (_name, containers, notices) => {
    const result = plan(...containers);

    expect(result.notices).toEqual(notices);
    expect(result.targets.find((t) => t.containerName === 'app')?.records?.shared).toBe(true);
  });

  it.each<[string, ContainerLogConfig[], string]>([
    [
      'a shared stream whose records carry no task (ECS metadata off)',
      [
        {
          ...ROUTER,
          firelensConfiguration: { type: 'fluentbit', options: { 'enable-ecs-log-metadata': 'false' } },
        },
        app('awsfirelens', { ...CLOUDWATCH, log_stream_name: 'app' }),
      ],
      "logs of container app could not be read: log stream app in log group /ecs/example-api is shared with other tasks, and the log router adds no ecs_task_arn to the records (enable-ecs-log-metadata is false), so this task's lines cannot be told apart",
    ],
    [
      'a shared stream of bare log values (log_key)',
      [ROUTER, app('awsfirelens', { ...CLOUDWATCH, log_stream_name: 'app', log_key: 'log' })],
      "logs of container app could not be read: log stream app in log group /ecs/example-api is shared with other tasks, and log_key log keeps only that field of each record, so this task's lines cannot be told apart",
    ],
    [
      'a group in another account (role_arn)',
      [
        ROUTER,
        app('awsfirelens', {
          ...CLOUDWATCH,
          log_stream_prefix: 'fb-',
          role_arn: 'arn:aws:iam::222222222222:role/central-logging',
        }),
      ],
      'logs of container app are not in this account: its FireLens cloudwatch_logs output writes them to log group /ecs/example-api in account 222222222222 (role_arn); tracer reads its own account only',
    ],
    [
      'options Fluent Bit refuses',
      [
        ROUTER,
        app('awsfirelens', { Name: 'cloudwatch_logs', log_group_name: '/ecs/x', log_stream_prefix: 'fb-' }),
      ],
      'logs of container app could not be located: the options of its FireLens cloudwatch_logs output are invalid (region is required), so the log router does not start it',
    ],
    [
      'a task definition without a log router',
      [app('awsfirelens', { ...CLOUDWATCH, log_stream_prefix: 'fb-' })],
      'logs of container app could not be located: it logs through FireLens, but the task definition has no log router container (firelensConfiguration)',
    ],
    [
      "options that name no output, routed by the router's own file",
      [
        {
          ...ROUTER,
          firelensConfiguration: {
            type: 'fluentbit',
            options: {
              'config-file-type': 's3',
              'config-file-value': 'arn:aws:s3:::my-bucket/fluent-bit.conf',
            },
          },
        },
        app('awsfirelens', {}),
      ],
      "logs of container app are not in a place tracer can read: the log router's own configuration file (arn:aws:s3:::my-bucket/fluent-bit.conf) decides where they go",
    ],
    [
      'options that name no output at all',
      [ROUTER, app('awsfirelens', {})],
      'logs of container app are not in a place tracer can read: its FireLens options name no output (Name), so the log router sends them nowhere',
    ],
    [
      'a Fluentd router writing to CloudWatch Logs',
      [
        { ...ROUTER, firelensConfiguration: { type: 'fluentd' } },
        app('awsfirelens', {
          '@type': 'cloudwatch_logs',
          log_group_name: '/ecs/app',
          log_stream_name: 'app',
          region: 'eu-central-1',
        }),
      ],
      "logs of container app could not be located: FireLens (log router envoy) sends them to CloudWatch Logs (group /ecs/app, stream app, region eu-central-1) through Fluentd, and tracer reads Fluent Bit's CloudWatch outputs only",
    ],
  ])('reports %s', (_name, containers, notice) => {
    const result = plan(...containers);

    expect(result.notices).toEqual([notice]);
    expect(result.targets.some((t) => t.containerName === 'app')).toBe(false);
  });
});

describe('planLogTargets: other destinations', () => {
  it.each<[string, Record<string, string>, string]>([
    [
      'datadog',
      {
        Name: 'datadog',
        apikey: 'dd0123456789abcdef',
        Host: 'http-intake.logs.datadoghq.com',
        dd_service: 'web',
      },
      'Datadog (service web, host http-intake.logs.datadoghq.com)',
    ],
    [
      'splunk',
      {
        Name: 'splunk',
        Host: 'splunk.example.com',
        Port: '8088',
        splunk_token: 'b1e4-55aa',
        event_index: 'main',
      },
      'Splunk (host splunk.example.com, port 8088, index main)',
    ],
    [
      'nrlogs',
      { Name: 'nrlogs', licenseKey: 'eu01xx0123456789', base_uri: 'https://log-api.eu.newrelic.com/log/v1' },
      'New Relic (endpoint https://log-api.eu.newrelic.com/log/v1)',
    ],
    [
      'kinesis_firehose',
      { Name: 'kinesis_firehose', region: 'us-east-1', delivery_stream: 'app-logs' },
      'Amazon Data Firehose (delivery stream app-logs, region us-east-1)',
    ],
    [
      'firehose (Go)',
      { Name: 'firehose', region: 'us-east-1', delivery_stream: 'app-logs' },
      'Amazon Data Firehose (delivery stream app-logs, region us-east-1)',
    ],
    [
      'kinesis_streams',
      { Name: 'kinesis_streams', region: 'us-east-1', stream: 'app' },
      'Amazon Kinesis Data Streams (stream app, region us-east-1)',
    ],
    [
      'kinesis (Go)',
      { Name: 'kinesis', region: 'us-east-1', stream: 'app' },
      'Amazon Kinesis Data Streams (stream app, region us-east-1)',
    ],
    [
      's3',
      { Name: 's3', bucket: 'my-logs', region: 'us-east-1', total_file_size: '1M' },
      'Amazon S3 (bucket my-logs, region us-east-1)',
    ],
    [
      'es',
      {
        Name: 'es',
        Host: 'search-app.us-east-1.es.amazonaws.com',
        Index: 'app',
        AWS_Auth: 'On',
        AWS_Region: 'us-east-1',
      },
      'OpenSearch/Elasticsearch (host search-app.us-east-1.es.amazonaws.com, index app, region us-east-1)',
    ],
    [
      'opensearch',
      { Name: 'opensearch', Host: 'search.example.com', Index: 'app' },
      'OpenSearch (host search.example.com, index app)',
    ],
    [
      'http with a password in the host',
      {
        Name: 'http',
        Host: 'https://user:hunter2@logs.example.com',
        http_passwd: 'hunter2',
        URI: '/v1/logs',
      },
      'an HTTP endpoint (host https://user:[REDACTED]@logs.example.com)',
    ],
    [
      'loki',
      { Name: 'loki', host: 'loki.example.com', http_passwd: 'x', tenant_id: 'team-a' },
      'Grafana Loki (host loki.example.com, tenant team-a)',
    ],
    [
      'forward',
      { Name: 'forward', Host: 'fluentd.internal', Port: '24224' },
      'a Fluentd forward endpoint (host fluentd.internal, port 24224)',
    ],
    [
      'an output tracer does not know',
      { Name: 'sumologic_x', Host: 'collectors.sumologic.com' },
      'the sumologic_x output (host collectors.sumologic.com)',
    ],
  ])('names %s and where it sends the logs, without credentials', (_name, options, destination) => {
    const result = plan(ROUTER, app('awsfirelens', options));

    expect(result.notices).toEqual([
      `logs of container app are not in CloudWatch Logs: FireLens (log router envoy) sends them to ${destination}`,
    ]);
    expect(result.notices[0]).not.toMatch(/hunter2|dd0123|b1e4-55aa|eu01xx/);
  });

  it('names an output that keeps nothing', () => {
    expect(plan(ROUTER, app('awsfirelens', { Name: 'null' })).notices).toEqual([
      'logs of container app are not in CloudWatch Logs: FireLens (log router envoy) discards them (output null)',
    ]);
  });

  it.each<[string, Record<string, string>, string]>([
    [
      'splunk',
      { 'splunk-url': 'https://splunk.example.com:8088', 'splunk-token': 'x', 'splunk-index': 'main' },
      'logs of container app are not in CloudWatch Logs: the splunk log driver sends them to Splunk (url https://splunk.example.com:8088, index main)',
    ],
    [
      'fluentd',
      { 'fluentd-address': 'fluentd.internal:24224', tag: 'app' },
      'logs of container app are not in CloudWatch Logs: the fluentd log driver sends them to Fluentd (address fluentd.internal:24224, tag app)',
    ],
    [
      'gelf',
      { 'gelf-address': 'udp://graylog.internal:12201' },
      'logs of container app are not in CloudWatch Logs: the gelf log driver sends them to a GELF endpoint (address udp://graylog.internal:12201)',
    ],
    [
      'syslog',
      { 'syslog-address': 'tcp://syslog.internal:514' },
      'logs of container app are not in CloudWatch Logs: the syslog log driver sends them to syslog (address tcp://syslog.internal:514)',
    ],
    [
      'json-file',
      { 'max-size': '10m' },
      "logs of container app are not in CloudWatch Logs: the json-file log driver keeps them on the container instance's disk",
    ],
    [
      'journald',
      {},
      "logs of container app are not in CloudWatch Logs: the journald log driver keeps them in the container instance's journal",
    ],
    ['none', {}, 'logs of container app are not kept: the none log driver discards them'],
    ['awslogs2', {}, 'logs of container app are not in CloudWatch Logs: they go to the awslogs2 log driver'],
  ])('names the %s log driver', (driver, options, notice) => {
    expect(plan(app(driver, options)).notices).toEqual([notice]);
  });
});

describe('planLogTargets: awslogs', () => {
  it("names an EC2 stream without a prefix after the container's runtimeId", () => {
    const ec2 = loadSummary(
      'task-state-change_ec2_stopped-userinitiated_aws-samples-stopped-tasks-cwlogs.json',
    );
    const webapp = toContainerLogConfig(
      {
        name: 'Webapp',
        logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/webapp' } },
      },
      'Webapp',
    );

    expect(planLogTargets(ec2, [webapp]).targets).toEqual([
      {
        containerName: 'Webapp',
        logGroup: '/ecs/webapp',
        logStream: '8a78a445b4e66ee0f2c7624d9b52af4e3685039444a44999d884e1af2283e804',
      },
    ]);
  });
});
