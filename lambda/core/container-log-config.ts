/**
 * What tracer keeps of a container definition's logging: the log driver, its options (credentials
 * redacted), the names of its secret options and the FireLens router configuration. One reading of the
 * container definition for DescribeTaskDefinition's answer and for task definitions posted to local mode.
 */
import type { ContainerLogConfig, FireLensConfiguration, TaskDefinitionInfo } from './model.js';
import { redactSecrets } from './redact.js';
import { truncateText } from './text.js';

/** A stored option value is cut here: option values are names, hosts and templates, never long prose. */
const MAX_OPTION_CHARS = 2048;
/** Options kept per container; task definitions carry a handful, so more is malformed input. */
const MAX_OPTIONS = 100;

/**
 * Option names whose value is a credential: Datadog's `apikey`, New Relic's `licenseKey`, Splunk's
 * `splunk-token`, `http_passwd`, `Cloud_Auth`, Azure's `shared_key` and the like. Their values are never
 * stored; names such as `log_key` or `s3_key_format` are not credentials and stay.
 */
const CREDENTIAL_OPTION =
  /api[_-]?key|licen[cs]e[_-]?key|access[_-]?key|secret|token|passw|pwd|credential|private[_-]?key|shared[_-]?key|signature|auth/i;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Log driver options as tracer stores and prints them: string values only, credential values replaced by
 * `[REDACTED]`, and credentials inside other values (a password in a URL) redacted too.
 * @example storableLogOptions({ Name: 'datadog', apikey: 'abc' }) // { Name: 'datadog', apikey: '[REDACTED]' }
 */
export function storableLogOptions(options: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(options)) return out;
  let kept = 0;
  for (const [name, value] of Object.entries(options)) {
    if (typeof value !== 'string' || kept >= MAX_OPTIONS) continue;
    out[name] = CREDENTIAL_OPTION.test(name)
      ? '[REDACTED]'
      : truncateText(redactSecrets(value), MAX_OPTION_CHARS);
    kept += 1;
  }
  return out;
}

function secretOptionNamesOf(secretOptions: unknown): string[] | undefined {
  if (!Array.isArray(secretOptions)) return undefined;
  // `valueFrom` (the secret's ARN or parameter name) is deliberately not read.
  const names = secretOptions
    .map((secret) => (isObject(secret) ? optionalString(secret.name) : undefined))
    .filter((name): name is string => name !== undefined);
  return names.length > 0 ? names : undefined;
}

function fireLensConfigurationOf(value: unknown): FireLensConfiguration | undefined {
  if (!isObject(value)) return undefined;
  const type = optionalString(value.type);
  if (!type) return undefined;
  const options = isObject(value.options) ? storableLogOptions(value.options) : undefined;
  return options && Object.keys(options).length > 0 ? { type, options } : { type };
}

/**
 * A container definition's log configuration, as ECS's DescribeTaskDefinition returns it (or as
 * `aws ecs describe-task-definition` prints it). Fields ECS did not set are left out.
 * @example toContainerLogConfig({ name: 'app', logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/app' } } }, 'app')
 */
export function toContainerLogConfig(container: unknown, containerName: string): ContainerLogConfig {
  const definition = isObject(container) ? container : {};
  const log = isObject(definition.logConfiguration) ? definition.logConfiguration : undefined;
  const options = log && isObject(log.options) ? log.options : {};
  const config: Record<string, unknown> = {
    containerName,
    logDriver: log ? optionalString(log.logDriver) : undefined,
    logGroup: optionalString(options['awslogs-group']),
    streamPrefix: optionalString(options['awslogs-stream-prefix']),
    region: optionalString(options['awslogs-region']),
    logOptions: log ? storableLogOptions(options) : undefined,
    secretOptionNames: log ? secretOptionNamesOf(log.secretOptions) : undefined,
    firelensConfiguration: fireLensConfigurationOf(definition.firelensConfiguration),
    essential: definition.essential !== false,
  };
  return Object.fromEntries(
    Object.entries(config).filter(([, value]) => value !== undefined),
  ) as unknown as ContainerLogConfig;
}

/**
 * True for a described revision that tracer recorded before it kept log options: its FireLens and other
 * non-awslogs containers cannot be located from the record, so the revision is worth describing again.
 * @example predatesLogOptions({ status: 'described', containers: [{ containerName: 'app', logDriver: 'awsfirelens', essential: true }], ... }) === true
 */
export function predatesLogOptions(info: TaskDefinitionInfo): boolean {
  return (
    info.status === 'described' &&
    info.containers.some((c) => c.logDriver && c.logDriver !== 'awslogs' && c.logOptions === undefined)
  );
}
