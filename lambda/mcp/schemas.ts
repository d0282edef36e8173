/**
 * The input and output schemas of the MCP tools, in zod (v4, which the SDK's `registerTool` accepts and turns
 * into JSON Schema). Descriptions are written for an assistant choosing a tool and filling its arguments.
 * Output objects are loose: the API may add fields, and a client must not reject an answer for them.
 */
import { z } from 'zod';
import { FAILURE_KINDS } from '../core/failure.js';
import { TASK_STATUSES } from '../core/model.js';

/** ECS task statuses (lastStatus) that `list_tasks` can filter on. */
export { TASK_STATUSES };

/** The largest page of `list_tasks`: one page of the API. */
export const MAX_TASK_PAGE = 100;
/** The page size of `list_tasks` when the caller names none. */
export const DEFAULT_TASK_PAGE = 50;

/** What the server was started with, shown in the descriptions as the defaults of `get_trace`. */
export interface TraceDefaults {
  readonly durationMs: number;
  readonly full: boolean;
  readonly timeZone: string;
  /** The zone of JSON traces when a call names none: the server's `--tz`. @default UTC, as the API answers */
  readonly jsonTimeZone?: string;
  /** The account of the clusters when a call names none: the server's `--account`. @default every account */
  readonly account?: string;
}

function requiredString(name: string, what: string) {
  return z.string({
    error: (issue) =>
      issue.input === undefined ? `${name} is required: ${what}` : `${name} must be a string`,
  });
}

const clusterArg = requiredString('cluster', 'the cluster name or ARN, as list_clusters returns it').describe(
  'The ECS cluster: its name (such as "default" or "prod") or its ARN. list_clusters returns both. ' +
    'When several accounts or regions have a cluster of that name, give the ARN, or account and region.',
);

const accountArg = z
  .string({ error: 'account must be a string' })
  .optional()
  .describe('The AWS account id (12 digits) of the cluster, when clusters of several accounts share a name.');

const regionArg = z
  .string({ error: 'region must be a string' })
  .optional()
  .describe(
    'The AWS region of the cluster (such as us-east-1), when clusters of several regions share a name.',
  );

/** The arguments of `list_clusters`. */
export const listClustersInput = {
  account: accountArg.describe('Keep only the clusters of this AWS account id (12 digits).'),
  region: regionArg.describe('Keep only the clusters of this AWS region, such as us-east-1.'),
};

const taskArg = requiredString('task', 'the task id or task ARN').describe(
  'The ECS task: its id (32 hex characters, such as 9f654c76cde14c7c85cf54dce087658a) or its full task ARN. ' +
    'list_tasks returns the ids; an alert, a log line or the ECS console usually shows one of them.',
);

/** The arguments of `list_tasks`. */
export const listTasksInput = {
  cluster: clusterArg,
  account: accountArg,
  region: regionArg,
  failed: z
    .boolean()
    .optional()
    .describe(
      'true to keep only tasks whose stop tracer classified as a failure (image pull, out of memory, ' +
        'health checks, a crashed essential container...). The usual start of an investigation.',
    ),
  status: z
    .enum(TASK_STATUSES)
    .optional()
    .describe('Keep only tasks in this lastStatus, such as STOPPED or RUNNING.'),
  since: z
    .string()
    .optional()
    .describe(
      'Keep tasks created at or after this time: ISO 8601 (2024-05-01T12:00:00Z), or a Go-style duration ' +
        'meaning that long ago (30m, 24h).',
    ),
  until: z
    .string()
    .optional()
    .describe('Keep tasks created before this time: ISO 8601, or a duration ago (1h).'),
  limit: z
    .number({ error: 'limit must be a whole number' })
    .int({ error: 'limit must be a whole number' })
    .min(1, { error: `limit must be from 1 to ${MAX_TASK_PAGE}` })
    .max(MAX_TASK_PAGE, { error: `limit must be from 1 to ${MAX_TASK_PAGE}` })
    .optional()
    .describe(`Tasks per page, 1 to ${MAX_TASK_PAGE}; ${DEFAULT_TASK_PAGE} when absent.`),
  cursor: z
    .string()
    .optional()
    .describe(
      'The nextCursor of the previous list_tasks answer, to read the next page with the same filters.',
    ),
};

/** The arguments of `get_task`. */
export const getTaskInput = { cluster: clusterArg, account: accountArg, region: regionArg, task: taskArg };

export type ListClustersArgs = z.output<z.ZodObject<typeof listClustersInput>>;
export type ListTasksArgs = z.output<z.ZodObject<typeof listTasksInput>>;
export type GetTaskArgs = z.output<z.ZodObject<typeof getTaskInput>>;
export type GetTraceArgs = z.output<z.ZodObject<ReturnType<typeof getTraceInput>>>;

/** The arguments of `get_trace`; the descriptions name the server's defaults. */
export function getTraceInput(defaults: TraceDefaults, durationText: string, maxResultKiB: number) {
  return {
    cluster: clusterArg,
    account: accountArg,
    region: regionArg,
    task: taskArg,
    duration: z
      .string()
      .optional()
      .describe(
        'How much container log to read around the task start and around its stop, Go-style (30s, 5m, 1h); ' +
          `${durationText} when absent. Widen it when the interesting log lines fall outside the windows; ` +
          'narrow it when the trace is too long.',
      ),
    full: z
      .boolean()
      .optional()
      .describe(
        `true to read the whole log of the task's life instead of the two windows${defaults.full ? ' (the default of this server)' : ''}. ` +
          'Long-running tasks give long traces: expect to follow nextCursor.',
      ),
    tz: z
      .string()
      .optional()
      .describe(
        `IANA time zone of the timestamps, such as UTC or Asia/Tokyo; when absent, ${defaults.timeZone} for text ` +
          `and ${defaults.jsonTimeZone ?? 'UTC'} for json (whose epochMs never change).`,
      ),
    cursor: z
      .string()
      .optional()
      .describe(
        'The nextCursor of the previous get_trace answer, to read the rest of a trace that was cut. ' +
          'Pass the same other arguments again.',
      ),
    format: z
      .enum(['text', 'json'])
      .optional()
      .describe(
        '"text" (the default): one "<timestamp>\\t<source>\\t<message>" line per event, exactly as the tracer ' +
          'command prints it. "json": the task summary and the lines as data (epochMs, source, message, kind, ' +
          'and the fields of FireLens records). ' +
          `Either way an answer holds at most about ${maxResultKiB} KB of trace.`,
      ),
  };
}

const failureOutput = z
  .looseObject({
    failed: z.boolean().describe('false for a clean stop and for a Spot interruption.'),
    kind: z.string().describe(`What kind of stop: ${[...FAILURE_KINDS, 'not-failed'].join(', ')}.`),
    diagnosis: z.string().describe('One plain-language line: what happened.'),
    hint: z.string().optional().describe('What to check or change next.'),
    container: z.string().optional(),
    exitCode: z.number().optional(),
    stopCode: z.string().optional(),
    errorName: z.string().optional(),
    image: z.string().optional(),
    targetGroupArn: z.string().optional(),
  })
  .describe("tracer's failure diagnosis of a stopped task.");

const containerOutput = z.looseObject({
  name: z.string(),
  image: z.string().optional(),
  lastStatus: z.string().optional(),
  exitCode: z.number().optional(),
  reason: z.string().optional(),
  healthStatus: z.string().optional(),
  essential: z.boolean().optional(),
});

const taskSummaryOutput = z.looseObject({
  cluster: z.string(),
  taskId: z.string(),
  taskArn: z.string(),
  taskDefinition: z.string().optional(),
  group: z.string().optional(),
  launchType: z.string().optional(),
  lastStatus: z.string(),
  desiredStatus: z.string().optional(),
  stopCode: z.string().optional(),
  stoppedReason: z.string().optional(),
  createdAt: z.string().optional(),
  startedAt: z.string().optional(),
  stoppingAt: z.string().optional(),
  stoppedAt: z.string().optional(),
  version: z.number(),
  containers: z.array(containerOutput),
  failure: failureOutput.optional(),
  source: z.string().describe('recorded (by tracer) or live (straight from ECS).'),
});

/** The answer of `list_clusters`. */
export const listClustersOutput = z.looseObject({
  clusters: z.array(
    z.looseObject({
      clusterName: z.string(),
      account: z.string().describe('The AWS account id of the cluster.'),
      region: z.string().describe('The AWS region of the cluster.'),
      clusterArn: z.string().describe('The cluster ARN: pass it as cluster to name this cluster exactly.'),
      lastSeenAt: z.string().describe('When tracer last recorded a task of the cluster (ISO 8601 UTC).'),
    }),
  ),
});

/** The answer of `list_tasks`: the rows of `tracer CLUSTER`, newest first. */
export const listTasksOutput = z.looseObject({
  tasks: z.array(
    z.looseObject({
      taskId: z.string(),
      taskArn: z.string(),
      taskDefinition: z.string().optional(),
      lastStatus: z.string(),
      desiredStatus: z.string().optional(),
      createdAt: z.string().optional(),
      stoppedAt: z.string().optional(),
      group: z.string().optional(),
      launchType: z.string().optional(),
      stopCode: z.string().optional(),
      stoppedReason: z.string().optional(),
      failureKind: z.string().optional(),
    }),
  ),
  nextCursor: z.string().optional().describe('Present when more tasks follow: pass it as cursor.'),
});

/** The answer of `get_task`: the task summary with its failure diagnosis. */
export const getTaskOutput = taskSummaryOutput;

const traceLineOutput = z.looseObject({
  timestamp: z.string(),
  epochMs: z.number(),
  source: z.string(),
  message: z.string(),
  kind: z.string(),
  fields: z
    .record(z.string(), z.unknown())
    .optional()
    .describe(
      "A FireLens record's other fields (source, container_id, ecs_task_arn, ...) when message is its log.",
    ),
});

/** The answer of `get_trace`. The text trace itself is the text content; the JSON trace is here too. */
export const getTraceOutput = z.looseObject({
  cluster: z
    .string()
    .describe('The cluster as named: its name, or its ARN when account and region are known.'),
  taskId: z.string(),
  format: z.enum(['text', 'json']),
  lineCount: z.number().describe('Trace lines in this answer, the notice line not included.'),
  truncated: z.boolean().describe('true when more of the trace follows: call again with nextCursor.'),
  nextCursor: z.string().optional(),
  notice: z.string().optional().describe('Why the answer stops where it does and how to get the rest.'),
  task: taskSummaryOutput.optional().describe('format json: the task summary.'),
  lines: z.array(traceLineOutput).optional().describe('format json: the trace lines.'),
  logCalls: z.number().optional().describe('format json: CloudWatch Logs calls made for this answer.'),
});
