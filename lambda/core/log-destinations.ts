/**
 * Where logs go when they do not go to CloudWatch Logs: the FireLens output plugins (Fluent Bit's `Name`,
 * Fluentd's `@type`) and the other Docker log drivers, named for people together with the stream, delivery
 * stream, bucket, index or host that the options give. Only the options listed here are ever printed, so
 * credentials in other options (API keys, passwords, tokens) never reach a trace.
 */
import { redactSecrets } from './redact.js';
import { truncateText } from './text.js';

/** Option names (any of, compared without case) and how the description labels their value. */
type Detail = readonly [names: readonly string[], label: string];

interface Destination {
  readonly label: string;
  readonly details: readonly Detail[];
}

const REGION: Detail = [['region', 'aws_region'], 'region'];
const HOST: Detail = [['host'], 'host'];
const PORT: Detail = [['port'], 'port'];

const DATADOG: Destination = {
  label: 'Datadog',
  details: [[['dd_service', 'service'], 'service'], [['dd_source'], 'source'], HOST],
};
const SPLUNK: Destination = {
  label: 'Splunk',
  details: [HOST, PORT, [['event_index', 'splunk-index', 'index'], 'index']],
};
const NEW_RELIC: Destination = { label: 'New Relic', details: [[['base_uri', 'endpoint'], 'endpoint']] };
const FIREHOSE: Destination = {
  label: 'Amazon Data Firehose',
  details: [[['delivery_stream', 'delivery_stream_name'], 'delivery stream'], REGION],
};
const KINESIS: Destination = {
  label: 'Amazon Kinesis Data Streams',
  details: [[['stream', 'stream_name'], 'stream'], REGION],
};
const S3: Destination = {
  label: 'Amazon S3',
  details: [[['bucket', 's3_bucket'], 'bucket'], [['s3_key_format', 'path'], 'key format'], REGION],
};
const SEARCH: Destination = {
  label: 'OpenSearch/Elasticsearch',
  details: [HOST, [['index', 'index_name'], 'index'], [['logstash_prefix'], 'index prefix'], REGION],
};
const FORWARD: Destination = { label: 'a Fluentd forward endpoint', details: [HOST, PORT] };

/** Output plugins by name: Fluent Bit's (C and Go) and Fluentd's. */
const OUTPUTS: Readonly<Record<string, Destination>> = {
  datadog: DATADOG,
  datadog_logs: DATADOG,
  splunk: SPLUNK,
  splunk_hec: SPLUNK,
  nrlogs: NEW_RELIC,
  newrelic: NEW_RELIC,
  kinesis_firehose: FIREHOSE,
  firehose: FIREHOSE,
  kinesis_streams: KINESIS,
  kinesis: KINESIS,
  s3: S3,
  es: SEARCH,
  elasticsearch: SEARCH,
  opensearch: { ...SEARCH, label: 'OpenSearch' },
  http: { label: 'an HTTP endpoint', details: [HOST, PORT] },
  loki: { label: 'Grafana Loki', details: [HOST, [['tenant_id'], 'tenant']] },
  forward: FORWARD,
  kafka: {
    label: 'Kafka',
    details: [
      [['brokers'], 'brokers'],
      [['topics', 'default_topic'], 'topic'],
    ],
  },
  syslog: { label: 'syslog', details: [HOST, PORT] },
  tcp: { label: 'a TCP endpoint', details: [HOST, PORT] },
  gelf: { label: 'a GELF endpoint', details: [HOST, PORT] },
  opentelemetry: { label: 'an OpenTelemetry endpoint', details: [HOST, PORT] },
  stackdriver: { label: 'Google Cloud Logging', details: [] },
  azure: { label: 'Azure Log Analytics', details: [[['customer_id'], 'workspace']] },
  azure_blob: { label: 'Azure Blob Storage', details: [[['account_name'], 'account']] },
  logdna: { label: 'Mezmo (LogDNA)', details: [] },
  cloudwatch_logs: {
    label: 'CloudWatch Logs',
    details: [[['log_group_name'], 'group'], [['log_stream_name'], 'stream'], REGION],
  },
};

/** Outputs that keep nothing anywhere a person could read later. */
const DISCARDING_OUTPUTS: Readonly<Record<string, string>> = {
  null: 'discards them (output null)',
  counter: 'only counts them (output counter)',
  stdout: "prints them to the log router's own output, which is the log router container's log",
  file: 'writes them to a file inside the log router container, which went with the task',
};

/** Docker log drivers other than awslogs and awsfirelens. */
const DRIVERS: Readonly<Record<string, Destination>> = {
  splunk: {
    label: 'Splunk',
    details: [
      [['splunk-url'], 'url'],
      [['splunk-index'], 'index'],
      [['splunk-source'], 'source'],
    ],
  },
  fluentd: {
    label: 'Fluentd',
    details: [
      [['fluentd-address'], 'address'],
      [['tag'], 'tag'],
    ],
  },
  gelf: { label: 'a GELF endpoint', details: [[['gelf-address'], 'address']] },
  syslog: { label: 'syslog', details: [[['syslog-address'], 'address']] },
  logentries: { label: 'Logentries', details: [] },
};

const DRIVERS_KEEPING_NOTHING: Readonly<Record<string, string>> = {
  none: 'the none log driver discards them',
  'json-file': "the json-file log driver keeps them on the container instance's disk",
  local: "the local log driver keeps them on the container instance's disk",
  journald: "the journald log driver keeps them in the container instance's journal",
};

const MAX_DETAIL_CHARS = 200;

function describe(destination: Destination, options: Readonly<Record<string, string>>): string {
  const byName = new Map(Object.entries(options).map(([name, value]) => [name.toLowerCase(), value]));
  const parts: string[] = [];
  for (const [names, label] of destination.details) {
    const value = names.map((name) => byName.get(name)).find((v) => v !== undefined && v !== '');
    if (value !== undefined && value !== '[REDACTED]') {
      parts.push(`${label} ${truncateText(redactSecrets(value), MAX_DETAIL_CHARS)}`);
    }
  }
  return parts.length > 0 ? `${destination.label} (${parts.join(', ')})` : destination.label;
}

/**
 * Where a FireLens output plugin sends the logs, for people: "sends them to Datadog (service web)".
 * @example describeFireLensOutput('kinesis_firehose', { delivery_stream: 'app-logs', region: 'us-east-1' }) === 'sends them to Amazon Data Firehose (delivery stream app-logs, region us-east-1)'
 */
export function describeFireLensOutput(plugin: string, options: Readonly<Record<string, string>>): string {
  const name = plugin.toLowerCase();
  const discarding = DISCARDING_OUTPUTS[name];
  if (discarding) return discarding;
  const destination = OUTPUTS[name] ?? { label: `the ${plugin} output`, details: [HOST] };
  return `sends them to ${describe(destination, options)}`;
}

/**
 * Where a log driver other than awslogs and awsfirelens puts the logs, for people.
 * @example describeLogDriver('splunk', { 'splunk-url': 'https://splunk.example.com:8088' }) === 'the splunk log driver sends them to Splunk (url https://splunk.example.com:8088)'
 */
export function describeLogDriver(logDriver: string, options: Readonly<Record<string, string>>): string {
  const keeping = DRIVERS_KEEPING_NOTHING[logDriver];
  if (keeping) return keeping;
  const destination = DRIVERS[logDriver];
  return destination
    ? `the ${logDriver} log driver sends them to ${describe(destination, options)}`
    : `they go to the ${logDriver} log driver`;
}
