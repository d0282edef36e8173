/**
 * Where a FireLens container's Fluent Bit CloudWatch output writes: the log group, the log stream and the
 * region, worked out from the container's FireLens options the way each plugin does it.
 *
 * - `cloudwatch_logs` (the core plugin, in C): `log_group_name` is required; `log_group_template` and
 *   `log_stream_template` are record accessor templates (`$key`, `$key['sub']`, `$TAG`, `$TAG[n]`) that win
 *   when every key resolves, and fall back to `log_group_name` and to `log_stream_name` or
 *   `log_stream_prefix` + tag otherwise. Names are used as they are.
 * - `cloudwatch` (the Go plugin, aws/amazon-cloudwatch-logs-for-fluent-bit): `log_group_name` and
 *   `log_stream_name` take `$(var)` templates (`$(ecs_task_id)`, `$(ecs_cluster)`, `$(ecs_task_arn)`,
 *   `$(uuid)`, `$(tag)`, `$(tag[n])`, `$(key['sub'])` of the record). A template that fails falls back to
 *   `default_log_group_name` (`fluentbit-default`) or `default_log_stream_name` (`/fluentbit-default`).
 *   Group names keep only `[A-Za-z0-9_./-]` and stream names lose `:` and `*` (each becomes `.`), both cut
 *   at 512 bytes; `log_stream_prefix` + tag is used as it is.
 *
 * FireLens tags a container's records `<container name>-firelens-<task id>`, and with ECS metadata on (the
 * default) adds `ecs_cluster`, `ecs_task_arn` and `ecs_task_definition` to each record, next to the
 * `log`, `source`, `container_id` and `container_name` of the Docker fluentd driver.
 */
import {
  type FireLensTask,
  fireLensTag,
  GROUP_BYTE,
  parseRecordAccessor,
  type Resolved,
  STREAM_BYTE,
  sanitizeGo,
  translateGoTemplate,
  translateRecordAccessor,
} from './fluent-bit-templates.js';

/** Fluent Bit's two CloudWatch Logs outputs. */
export type CloudWatchPlugin = 'cloudwatch_logs' | 'cloudwatch';

export type CloudWatchOutputLocation =
  | {
      readonly kind: 'located';
      readonly logGroup: string;
      readonly logStream: string;
      readonly region: string;
      /** `log_key`: the events are that field's value instead of JSON records. */
      readonly logKey?: string;
      /** How a name was arrived at when it was not the obvious one (a fallback, a default). */
      readonly notes: readonly string[];
    }
  /** Fluent Bit refuses the options, so the router does not start this output. */
  | { readonly kind: 'invalid'; readonly reason: string }
  /** The name depends on something tracer cannot know before reading the records. */
  | { readonly kind: 'unresolvable'; readonly reason: string };

/** The options that name the group, the stream or the region. */
const NAME_OPTIONS = [
  'region',
  'log_group_name',
  'log_group_template',
  'default_log_group_name',
  'log_stream_name',
  'log_stream_prefix',
  'log_stream_template',
  'default_log_stream_name',
] as const;
const ENVIRONMENT_VARIABLE = /\$\{[^}]*\}/;
const GO_DEFAULT_GROUP = 'fluentbit-default';
const GO_DEFAULT_STREAM = '/fluentbit-default';

/** Fluent Bit matches property names without regard to case. */
function optionReader(options: Readonly<Record<string, string>>): (name: string) => string | undefined {
  const byName = new Map<string, string>();
  for (const [name, value] of Object.entries(options)) {
    if (value !== '') byName.set(name.toLowerCase(), value);
  }
  return (name) => byName.get(name);
}

/** Checks what each plugin refuses at start-up. */
function invalidOptions(plugin: CloudWatchPlugin, option: (name: string) => string | undefined) {
  if (!option('region')) return 'region is required';
  if (!option('log_group_name')) return 'log_group_name is required';
  const name = option('log_stream_name');
  const prefix = option('log_stream_prefix');
  if (!name && !prefix) return 'log_stream_name or log_stream_prefix is required';
  if (name && prefix) return 'log_stream_name and log_stream_prefix cannot both be set';
  if (plugin === 'cloudwatch_logs') {
    for (const templateOption of ['log_group_template', 'log_stream_template']) {
      const template = option(templateOption);
      const parts = template === undefined ? [] : parseRecordAccessor(template);
      if ('error' in parts) return `${templateOption} "${template}" cannot be parsed: ${parts.error}`;
    }
    return undefined;
  }
  for (const nameOption of ['log_group_name', 'log_stream_name']) {
    const template = option(nameOption);
    const open = template?.lastIndexOf('$(') ?? -1;
    if (template && open !== -1 && template.indexOf(')', open + 2) === -1) {
      return `${nameOption} "${template}" opens $( without closing it`;
    }
  }
  return undefined;
}

/** "names the log stream with log_stream_template "..."", the start of an unresolvable reason. */
function namesWith(optionName: string, template: string): string {
  const what = optionName.includes('group') ? 'log group' : 'log stream';
  return `names the ${what} with ${optionName} "${template}"`;
}

function locateCoreOutput(
  option: (name: string) => string | undefined,
  task: FireLensTask,
): CloudWatchOutputLocation {
  const notes: string[] = [];
  const tag = fireLensTag(task.containerName, task.taskId);
  const resolve = (templateOption: string, fallback: string, fallbackName: string): Resolved => {
    const template = option(templateOption);
    if (template === undefined) return { kind: 'value', value: fallback };
    const resolved = translateRecordAccessor(template, task);
    if (resolved.kind === 'failed') {
      notes.push(
        `${templateOption} "${template}" does not resolve (${resolved.why}), so the plugin uses ${fallbackName} ${fallback}`,
      );
      return { kind: 'value', value: fallback };
    }
    if (resolved.kind === 'unknown') {
      return { kind: 'unknown', why: `${namesWith(templateOption, template)}, and ${resolved.why}` };
    }
    return resolved;
  };
  const streamName = option('log_stream_name');
  const fallbackStream = streamName ?? `${option('log_stream_prefix') ?? ''}${tag}`;
  const group = resolve('log_group_template', option('log_group_name') as string, 'log_group_name');
  if (group.kind !== 'value') return { kind: 'unresolvable', reason: group.why };
  const stream = resolve(
    'log_stream_template',
    fallbackStream,
    streamName ? 'log_stream_name' : 'log_stream_prefix + tag',
  );
  if (stream.kind !== 'value') return { kind: 'unresolvable', reason: stream.why };
  return located(group.value, stream.value, option, notes);
}

function locateGoOutput(
  option: (name: string) => string | undefined,
  task: FireLensTask,
): CloudWatchOutputLocation {
  const notes: string[] = [];
  const resolve = (
    nameOption: string,
    defaultOption: string,
    builtIn: string,
    keep: (byte: number) => boolean,
  ): Resolved => {
    const template = option(nameOption) as string;
    const fallback = option(defaultOption) ?? builtIn;
    const resolved = translateGoTemplate(template, task);
    if (resolved.kind === 'unknown') {
      return { kind: 'unknown', why: `${namesWith(nameOption, template)}, and ${resolved.why}` };
    }
    if (resolved.kind !== 'value') {
      notes.push(
        `${nameOption} "${template}" does not resolve (${resolved.why}), so the plugin uses ${defaultOption} ${fallback}`,
      );
      return { kind: 'value', value: fallback };
    }
    const value = sanitizeGo(resolved.value, keep);
    return { kind: 'value', value: value === '' ? fallback : value };
  };
  const group = resolve('log_group_name', 'default_log_group_name', GO_DEFAULT_GROUP, GROUP_BYTE);
  if (group.kind !== 'value') return { kind: 'unresolvable', reason: group.why };
  const prefix = option('log_stream_prefix');
  if (prefix !== undefined) {
    return located(group.value, `${prefix}${fireLensTag(task.containerName, task.taskId)}`, option, notes);
  }
  const stream = resolve('log_stream_name', 'default_log_stream_name', GO_DEFAULT_STREAM, STREAM_BYTE);
  if (stream.kind !== 'value') return { kind: 'unresolvable', reason: stream.why };
  return located(group.value, stream.value, option, notes);
}

function located(
  logGroup: string,
  logStream: string,
  option: (name: string) => string | undefined,
  notes: readonly string[],
): CloudWatchOutputLocation {
  const logKey = option('log_key');
  return {
    kind: 'located',
    logGroup,
    logStream,
    region: option('region') as string,
    ...(logKey ? { logKey } : {}),
    notes,
  };
}

/**
 * Where a Fluent Bit CloudWatch output writes the task's records of one container.
 * @example locateCloudWatchOutput('cloudwatch_logs', { region: 'us-east-1', log_group_name: '/ecs/app', log_stream_prefix: 'from-fluent-bit-' }, task)
 *   // { kind: 'located', logGroup: '/ecs/app', logStream: 'from-fluent-bit-app-firelens-<task id>', region: 'us-east-1', notes: [] }
 */
export function locateCloudWatchOutput(
  plugin: CloudWatchPlugin,
  options: Readonly<Record<string, string>>,
  task: FireLensTask,
): CloudWatchOutputLocation {
  const option = optionReader(options);
  // Fluent Bit puts the router's environment into ${VAR} when it loads its configuration, before the plugin
  // sees the value; tracer does not see that environment.
  for (const name of NAME_OPTIONS) {
    const variable = ENVIRONMENT_VARIABLE.exec(option(name) ?? '')?.[0];
    if (variable) {
      return {
        kind: 'unresolvable',
        reason: `names ${name} with ${variable}, an environment variable of the log router that tracer cannot see`,
      };
    }
  }
  const invalid = invalidOptions(plugin, option);
  if (invalid) return { kind: 'invalid', reason: invalid };
  return plugin === 'cloudwatch_logs' ? locateCoreOutput(option, task) : locateGoOutput(option, task);
}
