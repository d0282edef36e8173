/**
 * Where each container of a task logs, from its task definition: the CloudWatch Logs stream to read (an
 * awslogs stream, or the stream a FireLens Fluent Bit CloudWatch output writes), or a notice that says where
 * the logs went instead and why tracer cannot read them.
 */
import { parseTaskArn } from './arn.js';
import { type CloudWatchPlugin, locateCloudWatchOutput } from './firelens-cloudwatch.js';
import type { FireLensTask } from './fluent-bit-templates.js';
import { describeFireLensOutput, describeLogDriver } from './log-destinations.js';
import type { LogRecordFilter } from './log-records.js';
import { logStreamName } from './log-windows.js';
import type { ContainerLogConfig, TaskSummary } from './model.js';
import { redactSecrets } from './redact.js';

/** One container whose logs can be read, with where they are. */
export interface LogTarget {
  readonly containerName: string;
  readonly logGroup: string;
  readonly logStream: string;
  readonly region?: string;
  /** Set when the events are FireLens records, to be unwrapped and kept only for this task. */
  readonly records?: LogRecordFilter;
}

export interface LogPlan {
  readonly targets: LogTarget[];
  /** One notice per container whose logs cannot be read, and facts worth knowing about the others. */
  readonly notices: string[];
}

const CLOUDWATCH_PLUGINS: ReadonlySet<string> = new Set<CloudWatchPlugin>(['cloudwatch_logs', 'cloudwatch']);
const ROLE_ACCOUNT = /^arn:aws[a-z-]*:iam::(\d{12}):role\//;

function awslogsTarget(summary: TaskSummary, config: ContainerLogConfig): LogTarget | string {
  const name = config.containerName;
  if (!config.logGroup) {
    return `logs of container ${name} could not be read: its awslogs configuration names no awslogs-group`;
  }
  // Without a stream prefix, awslogs names the stream after the Docker container id.
  const runtimeId = summary.containers.find((c) => c.name === name)?.runtimeId;
  const logStream = config.streamPrefix
    ? logStreamName(config.streamPrefix, name, summary.taskId)
    : runtimeId;
  if (!logStream) {
    return `logs of container ${name} could not be read: without awslogs-stream-prefix the stream is named after the container id, which ECS did not report`;
  }
  return {
    containerName: name,
    logGroup: config.logGroup,
    logStream,
    ...(config.region ? { region: config.region } : {}),
  };
}

/** A FireLens container's target, or the notices that take its place, before streams shared between containers are known. */
type FireLensPlan =
  | { readonly target: LogTarget; readonly notices: string[] }
  | { readonly notices: string[] };

function fireLensPlan(
  summary: TaskSummary,
  config: ContainerLogConfig,
  router: ContainerLogConfig | undefined,
): FireLensPlan {
  const name = config.containerName;
  const options = config.logOptions;
  if (!options) {
    return {
      notices: [
        `logs of container ${name} could not be located: it logs through FireLens, and the recorded task definition predates tracer keeping log options`,
      ],
    };
  }
  if (!router?.firelensConfiguration) {
    return {
      notices: [
        `logs of container ${name} could not be located: it logs through FireLens, but the task definition has no log router container (firelensConfiguration)`,
      ],
    };
  }
  const routerType = router.firelensConfiguration.type.toLowerCase();
  const routerOptions = router.firelensConfiguration.options ?? {};
  const configFile = routerOptions['config-file-value'];
  const outputKey = routerType === 'fluentd' ? '@type' : 'name';
  const plugin = optionOf(options, outputKey);
  const via = `FireLens (log router ${router.containerName})`;
  if (!plugin) {
    const where = configFile
      ? `the log router's own configuration file (${redactSecrets(configFile)}) decides where they go`
      : `its FireLens options name no output (${outputKey === 'name' ? 'Name' : '@type'}), so the log router sends them nowhere`;
    return { notices: [`logs of container ${name} are not in a place tracer can read: ${where}`] };
  }
  const sendsThem = `${via} ${describeFireLensOutput(plugin, options)}`;
  if (routerType === 'fluentd' && plugin.toLowerCase() === 'cloudwatch_logs') {
    return {
      notices: [
        `logs of container ${name} could not be located: ${sendsThem} through Fluentd, and tracer reads Fluent Bit's CloudWatch outputs only`,
      ],
    };
  }
  if (routerType === 'fluentd' || !CLOUDWATCH_PLUGINS.has(plugin.toLowerCase())) {
    return { notices: [`logs of container ${name} are not in CloudWatch Logs: ${sendsThem}`] };
  }
  const task: FireLensTask = {
    taskArn: summary.taskArn,
    taskId: summary.taskId,
    clusterName: summary.clusterName,
    clusterArn: summary.clusterArn,
    ...(summary.launchType ? { launchType: summary.launchType } : {}),
    ...(summary.taskDefinitionArn ? { taskDefinitionArn: summary.taskDefinitionArn } : {}),
    containerName: name,
    ...runtimeIdOf(summary, name),
    ecsMetadata: routerOptions['enable-ecs-log-metadata']?.toLowerCase() !== 'false',
    customConfig: configFile !== undefined,
  };
  return cloudWatchPlan(summary, task, plugin.toLowerCase() as CloudWatchPlugin, options);
}

/** The stream a Fluent Bit CloudWatch output writes for the task, and whether other tasks share it. */
function cloudWatchPlan(
  summary: TaskSummary,
  task: FireLensTask,
  plugin: CloudWatchPlugin,
  options: Readonly<Record<string, string>>,
): FireLensPlan {
  const name = task.containerName;
  const output = `its FireLens ${plugin} output`;
  const location = locateCloudWatchOutput(plugin, options, task);
  if (location.kind === 'invalid') {
    return {
      notices: [
        `logs of container ${name} could not be located: the options of ${output} are invalid (${location.reason}), so the log router does not start it`,
      ],
    };
  }
  if (location.kind === 'unresolvable') {
    return { notices: [`logs of container ${name} could not be located: ${output} ${location.reason}`] };
  }
  const notices = location.notes.map((note) => `logs of container ${name}: ${output}'s ${note}`);
  const roleAccount = ROLE_ACCOUNT.exec(optionOf(options, 'role_arn') ?? '')?.[1];
  const taskAccount = parseTaskArn(summary.taskArn)?.account ?? summary.account;
  if (roleAccount && roleAccount !== taskAccount) {
    notices.push(
      `logs of container ${name} are not in this account: ${output} writes them to log group ${location.logGroup} in account ${roleAccount} (role_arn); tracer reads its own account only`,
    );
    return { notices };
  }
  const where = `log stream ${location.logStream} in log group ${location.logGroup}`;
  const runtimeId = task.runtimeId;
  const scoped = [location.logGroup, location.logStream].some(
    (n) => n.includes(summary.taskId) || (runtimeId !== undefined && n.includes(runtimeId)),
  );
  if (!scoped && location.logKey) {
    notices.push(
      `logs of container ${name} could not be read: ${where} is shared with other tasks, and log_key ${location.logKey} keeps only that field of each record, so this task's lines cannot be told apart`,
    );
    return { notices };
  }
  if (!scoped && !task.ecsMetadata) {
    notices.push(
      `logs of container ${name} could not be read: ${where} is shared with other tasks, and the log router adds no ecs_task_arn to the records (enable-ecs-log-metadata is false), so this task's lines cannot be told apart`,
    );
    return { notices };
  }
  if (!scoped) {
    notices.push(
      `logs of container ${name} are in ${where}, which other tasks share; only records that name this task (ecs_task_arn) are shown`,
    );
  }
  const target: LogTarget = {
    containerName: name,
    logGroup: location.logGroup,
    logStream: location.logStream,
    region: location.region,
    ...(location.logKey
      ? {}
      : { records: { format: 'firelens-json', taskArn: summary.taskArn, shared: !scoped } }),
  };
  return { target, notices };
}

/** An option's value, its name compared without case as Fluent Bit does. */
function optionOf(options: Readonly<Record<string, string>>, lowerCaseName: string): string | undefined {
  return Object.entries(options).find(([key]) => key.toLowerCase() === lowerCaseName)?.[1];
}

function runtimeIdOf(summary: TaskSummary, containerName: string): { runtimeId?: string } {
  const runtimeId = summary.containers.find((c) => c.name === containerName)?.runtimeId;
  return runtimeId ? { runtimeId } : {};
}

/** Several containers writing to one stream: each keeps only its own records (`container_id`). */
function separateSharedStreams(summary: TaskSummary, targets: LogTarget[]): LogTarget[] {
  const key = (t: LogTarget) => `${t.region ?? ''}\u0000${t.logGroup}\u0000${t.logStream}`;
  const counts = new Map<string, number>();
  for (const target of targets) counts.set(key(target), (counts.get(key(target)) ?? 0) + 1);
  return targets.map((target) => {
    const runtimeId = runtimeIdOf(summary, target.containerName).runtimeId;
    if (!target.records || !runtimeId || (counts.get(key(target)) ?? 0) < 2) return target;
    return { ...target, records: { ...target.records, containerId: runtimeId } };
  });
}

/**
 * Where each container's logs are, and a notice for each container whose logs tracer cannot read.
 * @example planLogTargets(summary, taskDefinition.containers).targets[0]?.logStream === 'ecs/nginx/84b5991528504856a2f003b7da9b2b82'
 */
export function planLogTargets(summary: TaskSummary, containers: readonly ContainerLogConfig[]): LogPlan {
  const targets: LogTarget[] = [];
  const notices: string[] = [];
  const router = containers.find((c) => c.firelensConfiguration);
  for (const config of containers) {
    const name = config.containerName;
    if (!config.logDriver) {
      notices.push(`container ${name} has no log configuration, so its output was not kept`);
    } else if (config.logDriver === 'awslogs') {
      const target = awslogsTarget(summary, config);
      if (typeof target === 'string') notices.push(target);
      else targets.push(target);
    } else if (config.logDriver === 'awsfirelens') {
      const plan = fireLensPlan(summary, config, router);
      notices.push(...plan.notices);
      if ('target' in plan) targets.push(plan.target);
    } else {
      const where = describeLogDriver(config.logDriver, config.logOptions ?? {});
      const kept = config.logDriver === 'none' ? 'kept' : 'in CloudWatch Logs';
      notices.push(`logs of container ${name} are not ${kept}: ${where}`);
    }
  }
  return { targets: separateSharedStreams(summary, targets), notices };
}
