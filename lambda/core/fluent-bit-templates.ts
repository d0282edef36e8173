/**
 * The templates of Fluent Bit's CloudWatch outputs, resolved from what tracer knows of a FireLens task:
 * record accessor templates (`$key`, `$key['sub']`, `$TAG`, `$TAG[n]`) of the core `cloudwatch_logs`
 * plugin, and the `$(var)` templates of the Go `cloudwatch` plugin. A template resolves to a name, fails
 * (the plugin then falls back to another name), or needs a record field tracer cannot know before reading.
 */
import { arnToName } from './arn.js';

/** What tracer knows of the task when it resolves an output's names. */
export interface FireLensTask {
  readonly taskArn: string;
  readonly taskId: string;
  readonly clusterName: string;
  readonly clusterArn: string;
  readonly launchType?: string;
  readonly taskDefinitionArn?: string;
  readonly containerName: string;
  /** The container's runtime id, which the records carry as `container_id`. */
  readonly runtimeId?: string;
  /** The router's `enable-ecs-log-metadata` (on unless `false`). */
  readonly ecsMetadata: boolean;
  /** The router loads a configuration file of its own, whose filters may add record fields. */
  readonly customConfig: boolean;
}

const GO_MAX_NAME_BYTES = 512;

/** A record field as tracer sees it: its value, certainly missing, or unknowable before reading. */
type Field =
  | { readonly kind: 'value'; readonly value: string }
  | { readonly kind: 'absent' }
  | { readonly kind: 'unknown'; readonly why: string };

/** A template's outcome: the name, a failure the plugin falls back from, or a name tracer cannot know. */
export type Resolved =
  | { readonly kind: 'value'; readonly value: string }
  | { readonly kind: 'failed'; readonly why: string }
  | { readonly kind: 'unknown'; readonly why: string }
  | { readonly kind: 'invalid'; readonly why: string };

/**
 * The FireLens tag of a container's records, which `log_stream_prefix` and `$TAG` use.
 * @example fireLensTag('app', '84b5991528504856a2f003b7da9b2b82') === 'app-firelens-84b5991528504856a2f003b7da9b2b82'
 */
export function fireLensTag(containerName: string, taskId: string): string {
  return `${containerName}-firelens-${taskId}`;
}

/** The cluster as the ECS agent names it: Fargate reports the cluster ARN, EC2 the name it was configured with. */
function agentCluster(task: FireLensTask): string {
  return task.launchType === 'FARGATE' ? task.clusterArn : task.clusterName;
}

/** A top-level field of the task's FireLens records. */
function recordField(task: FireLensTask, name: string): Field {
  const value = (v: string): Field => ({ kind: 'value', value: v });
  const unknown = (why: string): Field => ({ kind: 'unknown', why });
  switch (name) {
    case 'log':
    case 'source':
      return unknown(`the record field ${name} differs from record to record`);
    case 'container_id':
      return task.runtimeId ? value(task.runtimeId) : unknown('ECS did not report the container id');
    case 'container_name':
      // Fargate names the container after its definition; Docker on EC2 generates a unique name.
      return task.launchType === 'FARGATE'
        ? value(task.containerName)
        : unknown(
            'on EC2 the record field container_name is the name Docker generated (/ecs-<family>-<revision>-<container>-<random>)',
          );
    case 'ecs_cluster':
      return task.ecsMetadata ? value(agentCluster(task)) : { kind: 'absent' };
    case 'ecs_task_arn':
      return task.ecsMetadata ? value(task.taskArn) : { kind: 'absent' };
    case 'ecs_task_definition':
      if (!task.ecsMetadata) return { kind: 'absent' };
      return task.taskDefinitionArn
        ? value(arnToName(task.taskDefinitionArn))
        : unknown('the task names no task definition');
    case 'ec2_instance_id':
      return task.ecsMetadata && task.launchType !== 'FARGATE'
        ? unknown('the record field ec2_instance_id names the container instance')
        : { kind: 'absent' };
    default:
      return task.customConfig
        ? unknown(`the log router's own configuration file may set the record field ${name}`)
        : { kind: 'absent' };
  }
}

// ---- cloudwatch_logs: Fluent Bit record accessor templates -------------------------------------------

type AccessorPart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'tag' }
  | { readonly kind: 'tag-part'; readonly index: number }
  | { readonly kind: 'regex-id' }
  | { readonly kind: 'key'; readonly key: string; readonly subkeys: number };

const ACCESSOR_KEY = /^\$([_A-Za-z][A-Za-z0-9_.\-/]*)((?:\[(?:'(?:[^']|'')*'|[1-9][0-9]*|0)\])*)$/;
const ACCESSOR_SUBKEY = /\[(?:'(?:[^']|'')*'|[0-9]+)\]/g;

/**
 * Splits a record accessor template as Fluent Bit does: a key runs from `$` to the next `.`, space, `,` or
 * `"` that is not inside quotes; `$TAG` and `$TAG[n]` stand for the tag.
 */
export function parseRecordAccessor(template: string): AccessorPart[] | { error: string } {
  const parts: AccessorPart[] = [];
  let pre = 0;
  let i = 0;
  const text = (from: number, to: number) => {
    if (to > from) parts.push({ kind: 'text', text: template.slice(from, to) });
  };
  while (i < template.length) {
    if (template[i] !== '$') {
      i += 1;
      continue;
    }
    text(pre, i);
    const n = i + 1;
    if (n >= template.length) {
      pre = i;
      break;
    }
    if (/[0-9]/.test(template[n] as string)) {
      parts.push({ kind: 'regex-id' });
      i = n + 1;
      pre = i;
      continue;
    }
    if (template.startsWith('TAG', n)) {
      if (template[n + 3] === '[' && n + 4 < template.length) {
        const close = template.indexOf(']', n + 3);
        const end = close === -1 ? template.length : close + 1;
        parts.push({ kind: 'tag-part', index: Number.parseInt(template.slice(n + 4), 10) || 0 });
        i = end;
      } else {
        parts.push({ kind: 'tag' });
        i = n + 3;
      }
      pre = i;
      continue;
    }
    let end = i + 1;
    let quotes = 0;
    for (; end < template.length; end++) {
      const c = template[end];
      if (c === "'") quotes += 1;
      else if (c === '.' && quotes % 2 === 1) continue;
      else if (c === '.' || c === ' ' || c === ',' || c === '"') break;
    }
    const meta = template.slice(i, end);
    const match = ACCESSOR_KEY.exec(meta);
    if (!match) return { error: `"${meta}" is not a record accessor key such as $key or $key['sub']` };
    parts.push({
      kind: 'key',
      key: match[1] as string,
      subkeys: (match[2] ?? '').match(ACCESSOR_SUBKEY)?.length ?? 0,
    });
    i = end;
    pre = end;
  }
  text(pre, template.length);
  return parts;
}

/** The tag split on dots, as `$TAG[n]` indexes it; a part past the end adds nothing. */
function tagPart(tag: string, index: number): string {
  return tag.split('.')[index] ?? '';
}

export function translateRecordAccessor(template: string, task: FireLensTask): Resolved {
  const parts = parseRecordAccessor(template);
  if ('error' in parts) return { kind: 'invalid', why: parts.error };
  const tag = fireLensTag(task.containerName, task.taskId);
  let out = '';
  for (const [index, part] of parts.entries()) {
    switch (part.kind) {
      case 'text':
        out += part.text;
        break;
      case 'tag':
        out += tag;
        break;
      case 'tag-part':
        out += tagPart(tag, part.index);
        break;
      case 'regex-id':
        // Outputs pass no regex result: a leading $N fails the translation, a later one adds nothing.
        if (index === 0) return { kind: 'failed', why: 'a regex capture ($N) has no value in an output' };
        break;
      case 'key': {
        const field = recordField(task, part.key);
        if (field.kind === 'unknown') return { kind: 'unknown', why: field.why };
        if (field.kind === 'absent') return { kind: 'failed', why: `the records have no field ${part.key}` };
        if (part.subkeys > 0) return { kind: 'failed', why: `the record field ${part.key} has no subkeys` };
        out += field.value;
        break;
      }
    }
  }
  return { kind: 'value', value: out };
}

// ---- cloudwatch: the Go plugin's $(var) templates ------------------------------------------------------

/** One `$(...)` of a Go plugin template, resolved. */
function goVariable(name: string, task: FireLensTask): Resolved {
  switch (name) {
    case 'ecs_task_id':
      return { kind: 'value', value: task.taskId };
    case 'ecs_cluster':
      return { kind: 'value', value: agentCluster(task) };
    case 'ecs_task_arn':
      return { kind: 'value', value: task.taskArn };
    case 'uuid':
      return { kind: 'unknown', why: '$(uuid) is a random id the log router draws when it starts' };
  }
  const bracket = name.indexOf('[');
  const key = bracket === -1 ? name : name.slice(0, bracket);
  const tag = fireLensTag(task.containerName, task.taskId);
  if (key === 'tag') {
    if (name.length < 5) return { kind: 'value', value: tag };
    const index = Number.parseInt(name.slice(4, 5), 10) || 0;
    const parts = tag.split('.');
    return index < parts.length
      ? { kind: 'value', value: parts[index] as string }
      : { kind: 'failed', why: `the tag ${tag} has no part ${index}` };
  }
  const field = recordField(task, key);
  if (field.kind === 'unknown') return { kind: 'unknown', why: field.why };
  // A string field is written whole even when subkeys follow it, as the plugin does.
  if (field.kind === 'value') return field;
  return { kind: 'failed', why: `the records have no field ${key}` };
}

export function translateGoTemplate(template: string, task: FireLensTask): Resolved {
  let out = '';
  let at = 0;
  for (;;) {
    const open = template.indexOf('$(', at);
    if (open === -1) break;
    const close = template.indexOf(')', open + 2);
    // invalidOptions has turned away templates that open $( without closing it.
    if (close === -1) break;
    out += template.slice(at, open);
    const resolved = goVariable(template.slice(open + 2, close), task);
    if (resolved.kind !== 'value') return resolved;
    out += resolved.value;
    at = close + 1;
  }
  return { kind: 'value', value: out + template.slice(at) };
}

/** The Go plugin's byte-wise cleaning of a name, then its 512-byte cut. */
export function sanitizeGo(name: string, keep: (byte: number) => boolean): string {
  const bytes = Buffer.from(name, 'utf8');
  for (let i = 0; i < bytes.length; i++) if (!keep(bytes[i] as number)) bytes[i] = 46; // '.'
  return bytes.subarray(0, GO_MAX_NAME_BYTES).toString('utf8');
}

export const GROUP_BYTE = (b: number) =>
  b === 95 || (b >= 45 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122);
export const STREAM_BYTE = (b: number) => b !== 42 && b !== 58;
