import { classifyHostHistory, classifyHostLoss } from './host-failure.js';
import type { HostHistory } from './instance.js';
import type { ContainerState, TaskDefinitionInfo, TaskSummary } from './model.js';

/** The kinds of failure tracer tells apart. An open set would hide typos, so it is closed; `other` catches the rest. */
export const FAILURE_KINDS = [
  'image-pull',
  'resource-initialization',
  'out-of-memory',
  'container-health-check',
  'elb-health-check',
  'essential-container-exited',
  'task-failed-to-start',
  'spot-interruption',
  'host-drained',
  'instance-terminated',
  'agent-disconnected',
  'other',
] as const;

export type FailureKind = (typeof FAILURE_KINDS)[number];

/** Stops that are told apart but are not failures: the notifier reports them only when asked to. */
export type NotFailedKind = 'not-failed' | 'spot-interruption' | 'host-drained';

/**
 * What a stopped task's summary means. `failed: false` for a clean stop (user, scale-in, deployment or a
 * finished job, with essential containers that exited 0) and for Spot interruptions, which callers may
 * still choose to report.
 */
export type FailureClassification =
  | {
      readonly failed: false;
      readonly kind: NotFailedKind;
      readonly diagnosis: string;
      readonly hint?: string;
      readonly stopCode?: string;
    }
  | {
      readonly failed: true;
      readonly kind: Exclude<FailureKind, NotFailedKind>;
      readonly diagnosis: string;
      readonly hint: string;
      readonly container?: string;
      readonly exitCode?: number;
      readonly stopCode?: string;
      /** The ECS error that names the failure, such as `CannotPullContainerError`. */
      readonly errorName?: string;
      /** The image that could not be pulled. */
      readonly image?: string;
      /** The target group whose health checks failed. */
      readonly targetGroupArn?: string;
    };

/** Stop codes for which ECS itself asked the containers to stop (SIGTERM, then SIGKILL after stopTimeout). */
const REQUESTED_STOP_CODES: ReadonlySet<string> = new Set([
  'UserInitiated',
  'ServiceSchedulerInitiated',
  'TerminationNotice',
]);

/** Stop codes that ECS documents; anything else is a code added after this was written. */
const KNOWN_STOP_CODES: ReadonlySet<string> = new Set([
  ...REQUESTED_STOP_CODES,
  'EssentialContainerExited',
  'TaskFailedToStart',
  'SpotInterruption',
]);

const SIGKILL_EXIT = 137;
const SIGTERM_EXIT = 143;

const EXIT_CODE_MEANINGS: ReadonlyMap<number, string> = new Map([
  [1, 'a general application error'],
  [2, 'a bad argument or a misused shell builtin'],
  [126, 'the command could not be executed: permissions, or not an executable'],
  [127, 'the command was not found in the image'],
  [130, 'interrupted by SIGINT'],
  [134, 'aborted by SIGABRT: an assertion or abort()'],
  [SIGKILL_EXIT, 'killed by SIGKILL: the kernel OOM killer, a stop timeout or kill -9'],
  [139, 'a segmentation fault (SIGSEGV)'],
  [SIGTERM_EXIT, 'terminated by SIGTERM'],
  [255, 'a fatal error or an exit status out of range'],
]);

/**
 * What an exit code usually means, for the diagnosis; undefined for codes with no common meaning.
 * @example exitCodeMeaning(139) === 'a segmentation fault (SIGSEGV)'
 */
export function exitCodeMeaning(exitCode: number): string | undefined {
  const known = EXIT_CODE_MEANINGS.get(exitCode);
  if (known) return known;
  if (exitCode > 128 && exitCode < 160) return `killed by signal ${exitCode - 128}`;
  return undefined;
}

const ECS_ERROR_NAME = /\b([A-Z][A-Za-z]*(?:Error|Exception))\b/;
const TARGET_GROUP = /\(target-group (arn:[^)\s]+)\)/;
const MAX_DETAIL_CHARS = 300;

/** Free text from ECS as one bounded line, cut with `...` and never inside a surrogate pair. */
function oneLine(text: string, maxChars = MAX_DETAIL_CHARS): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= maxChars) return flat;
  let keep = maxChars - 3;
  const code = flat.charCodeAt(keep - 1);
  if (code >= 0xd800 && code <= 0xdbff) keep -= 1;
  return `${flat.slice(0, keep)}...`;
}

const contains = (text: string | undefined, needle: string): boolean =>
  text?.toLowerCase().includes(needle.toLowerCase()) ?? false;

const matchesAny = (text: string, needles: readonly string[]): boolean =>
  needles.some((needle) => contains(text, needle));

/** One reason ECS gave, with the container it belongs to (none for the task's stoppedReason). */
interface StopReason {
  readonly text: string;
  readonly container?: ContainerState;
}

function reasonsOf(summary: TaskSummary): StopReason[] {
  const reasons: StopReason[] = [];
  if (summary.stoppedReason) reasons.push({ text: summary.stoppedReason });
  for (const container of summary.containers) {
    if (container.reason) reasons.push({ text: container.reason, container });
  }
  return reasons;
}

function findReason(reasons: readonly StopReason[], errorName: string): StopReason | undefined {
  return reasons.find((r) => r.text.includes(errorName));
}

function isEssential(container: ContainerState, taskDefinition?: TaskDefinitionInfo): boolean {
  if (taskDefinition?.status !== 'described') return true;
  const config = taskDefinition.containers.find((c) => c.containerName === container.name);
  return config?.essential ?? true;
}

const IMAGE_PATTERNS: readonly RegExp[] = [
  /failed to resolve ref "?([^\s":]+(?::[^\s":]+)?)"?/,
  /manifest for (\S+) not found/,
  /pull access denied for ([^\s,]+)/,
  /(?:pull|fetch|inspect) image "?([^\s"]+\/[^\s"]+)"?/,
];

function imageIn(text: string): string | undefined {
  for (const pattern of IMAGE_PATTERNS) {
    const match = pattern.exec(text);
    if (match?.[1]) return match[1];
  }
  return undefined;
}

const IMAGE_PULL_HINT =
  'Check that the task execution role may pull the image ' +
  '(ECR: ecr:GetAuthorizationToken, ecr:BatchGetImage, ecr:GetDownloadUrlForLayer; ' +
  'other private registries: repositoryCredentials).';

/** Why the pull failed, in plain words, and a hint that goes before the general one. */
function imagePullCause(text: string): { cause: string; hint: string } {
  if (matchesAny(text, ['toomanyrequests', 'rate limit'])) {
    return {
      cause: 'the registry refused because of its pull rate limit',
      hint: 'Pull from a registry without anonymous rate limits (an ECR pull-through cache, or authenticated pulls). ',
    };
  }
  if (
    matchesAny(text, [
      'i/o timeout',
      'dial tcp',
      'context deadline exceeded',
      'Client.Timeout',
      'TLS handshake',
    ])
  ) {
    return {
      cause: 'the registry could not be reached',
      hint:
        'Check the network path from the task to the registry: a public IP or a NAT gateway, or the ' +
        'VPC endpoints ecr.api, ecr.dkr and the S3 gateway endpoint for ECR. ',
    };
  }
  if (matchesAny(text, ['repository does not exist', 'not found', 'manifest unknown'])) {
    return {
      cause: 'the repository or tag does not exist, or the registry denied access',
      hint: 'Check the image URI for a typo in the repository name or the tag, and that the tag was pushed. ',
    };
  }
  if (matchesAny(text, ['denied', 'unauthorized', 'no basic auth credentials', '403', 'forbidden'])) {
    return { cause: 'the registry denied access', hint: '' };
  }
  return { cause: 'the registry returned an error', hint: 'Check the image URI and tag. ' };
}

function resourceInitializationCause(text: string): { cause: string; hint: string } {
  if (matchesAny(text, ['secret', 'registry auth', 'ssm', 'parameter', 'kms'])) {
    return {
      cause: 'it could not read its secrets or registry credentials',
      hint: 'Check that the secrets and parameters exist, that the execution role may read them (Secrets Manager, SSM Parameter Store, and KMS for customer keys), and the network path to those endpoints (NAT or VPC endpoints).',
    };
  }
  if (matchesAny(text, ['log group', 'logger', 'logging driver', 'log driver'])) {
    return {
      cause: 'it could not set up its log driver',
      hint: 'Check that the awslogs log group exists (or awslogs-create-group is set with logs:CreateLogGroup) and that the execution role may write to it.',
    };
  }
  if (matchesAny(text, ['efs', 'mount', 'volume'])) {
    return {
      cause: 'it could not mount a volume',
      hint: "Check the EFS file system's mount targets and security group (NFS port 2049), its access point, and the task role's EFS permissions.",
    };
  }
  if (matchesAny(text, ['i/o timeout', 'dial tcp', 'context deadline exceeded', 'network'])) {
    return {
      cause: 'it could not reach AWS endpoints',
      hint: "Check the subnet's route to AWS endpoints (NAT gateway or VPC endpoints) and that the VPC has DNS resolution enabled.",
    };
  }
  return {
    cause: 'it could not prepare its resources',
    hint: 'Check the secrets and parameters the task reads, the network path to AWS endpoints (NAT or VPC endpoints, DNS resolution), and that the log group exists.',
  };
}

function startFailureHint(text: string): string {
  if (text.includes('CannotStartContainerError')) {
    return "Check the container's command and entryPoint, that the executable exists in the image for this CPU architecture, and its mount points.";
  }
  if (matchesAny(text, ['ContainerRuntimeTimeoutError', 'DockerTimeoutError'])) {
    return 'The container runtime timed out; check the container instance and its agent, then run the task again.';
  }
  if (text.includes('CannotCreateVolumeError')) {
    return 'Check the volume configuration of the task definition and the permissions it needs.';
  }
  if (matchesAny(text, ['network interface', 'ENI'])) {
    return 'Check that the subnets have free IP addresses and that the account is within its ENI limits.';
  }
  if (matchesAny(text, ['assume the role', 'AssumeRole'])) {
    return 'Check that the task role and execution role exist and trust ecs-tasks.amazonaws.com.';
  }
  return 'Read the stopped reason and the container reasons; check the task definition and the execution role.';
}

const START_FAILURE_ERRORS = [
  'CannotStartContainerError',
  'ContainerRuntimeTimeoutError',
  'DockerTimeoutError',
  'CannotCreateVolumeError',
  'CannotInspectContainerError',
] as const;

function describeExit(exitCode: number): string {
  const meaning = exitCodeMeaning(exitCode);
  return `exited with code ${exitCode}${meaning ? ` (${meaning})` : ''}`;
}

function requestedStopLabel(stopCode: string): string {
  switch (stopCode) {
    case 'UserInitiated':
      return 'a user or an API call stopped it';
    case 'ServiceSchedulerInitiated':
      return 'the service scheduler stopped it (deployment or scale-in)';
    case 'TerminationNotice':
      return 'a termination notice stopped it (infrastructure maintenance or instance termination)';
    default:
      return `ECS stopped it (${stopCode})`;
  }
}

type Failed = Extract<FailureClassification, { failed: true }>;

function failed(value: Omit<Failed, 'failed'>): Failed {
  return { failed: true, ...value };
}

/**
 * Turns a task's summary into a failure kind with a one-line, plain-language diagnosis and a hint. Returns
 * undefined while the task has not stopped. The task definition, when known, says which containers are
 * essential; without it every container counts as essential. The host's history, when known (an EC2 task
 * whose container instance was recorded), tells drains, lost agents and Spot warnings apart. Pure: the same input always gives the same
 * answer.
 * @example classifyFailure({ ...summary, lastStatus: 'STOPPED', stopCode: 'TaskFailedToStart',
 *   stoppedReason: 'CannotPullContainerError: pull access denied' })?.kind === 'image-pull'
 */
export function classifyFailure(
  summary: TaskSummary,
  taskDefinition?: TaskDefinitionInfo,
  host?: HostHistory,
): FailureClassification | undefined {
  if (summary.lastStatus !== 'STOPPED') return undefined;
  const reason = summary.stoppedReason ?? '';
  const stopCode = summary.stopCode;
  const codeField = stopCode ? { stopCode } : {};
  const reasons = reasonsOf(summary);
  const essentials = summary.containers.filter((c) => isEssential(c, taskDefinition));

  const pull = findReason(reasons, 'CannotPullContainerError');
  if (pull) {
    // A task-level reason names no container; with a single container there is no doubt which one.
    const container = pull.container ?? (summary.containers.length === 1 ? summary.containers[0] : undefined);
    const image = imageIn(pull.text) ?? container?.image;
    const { cause, hint } = imagePullCause(pull.text);
    const target = [image, container ? `for container ${container.name}` : undefined]
      .filter(Boolean)
      .join(' ');
    return failed({
      kind: 'image-pull',
      diagnosis: `Image pull failed: ECS could not pull ${target || 'an image'}; ${cause}.`,
      hint: `${hint}${IMAGE_PULL_HINT}`,
      errorName: 'CannotPullContainerError',
      ...(image ? { image } : {}),
      ...(container ? { container: container.name } : {}),
      ...codeField,
    });
  }

  const init = findReason(reasons, 'ResourceInitializationError');
  if (init) {
    const { cause, hint } = resourceInitializationCause(init.text);
    return failed({
      kind: 'resource-initialization',
      diagnosis: `Resource initialization failed: ECS could not prepare the task before starting its containers, because ${cause}.`,
      hint,
      errorName: 'ResourceInitializationError',
      ...(init.container ? { container: init.container.name } : {}),
      ...codeField,
    });
  }

  const oom = summary.containers.find((c) => contains(c.reason, 'OutOfMemoryError'));
  if (oom || contains(reason, 'OutOfMemoryError')) {
    const exit = oom?.exitCode !== undefined ? ` (exit code ${oom.exitCode})` : '';
    return failed({
      kind: 'out-of-memory',
      diagnosis: `Out of memory: container ${oom?.name ?? '(unnamed)'} was killed because it used more memory than its limit${exit}.`,
      hint: 'Raise the container or task memory, or find what grows in the process: its last log lines before the stop show what it was doing.',
      errorName: 'OutOfMemoryError',
      ...(oom ? { container: oom.name } : {}),
      ...(oom?.exitCode !== undefined ? { exitCode: oom.exitCode } : {}),
      ...codeField,
    });
  }

  if (contains(reason, 'failed container health checks')) {
    const unhealthy =
      essentials.find((c) => c.healthStatus === 'UNHEALTHY') ??
      summary.containers.find((c) => c.healthStatus === 'UNHEALTHY');
    return failed({
      kind: 'container-health-check',
      diagnosis: `Container health check failed: ${unhealthy ? `container ${unhealthy.name} was UNHEALTHY` : 'a container was UNHEALTHY'}, so ECS stopped the task.`,
      hint: "Check the container's healthCheck command, its interval, retries and startPeriod, and the container's log lines just before the stop.",
      ...(unhealthy ? { container: unhealthy.name } : {}),
      ...codeField,
    });
  }

  if (contains(reason, 'failed ELB health checks')) {
    const targetGroupArn = TARGET_GROUP.exec(reason)?.[1];
    const targetGroupName = targetGroupArn?.split('/')[1];
    return failed({
      kind: 'elb-health-check',
      diagnosis: `Load balancer health checks failed: ${targetGroupName ? `target group ${targetGroupName}` : 'the target group'} marked the task unhealthy, so the service replaced it.`,
      hint: "Check the target group's health check path, port and success codes, the service's healthCheckGracePeriodSeconds, and that the task's security group admits the load balancer.",
      ...(targetGroupArn ? { targetGroupArn } : {}),
      ...codeField,
    });
  }

  const hostLoss = classifyHostLoss(summary, host);
  if (hostLoss) return hostLoss;

  const startFailure = START_FAILURE_ERRORS.map((name) => findReason(reasons, name)).find(Boolean);
  if (stopCode === 'TaskFailedToStart' || startFailure) {
    const detailSource = startFailure ?? reasons[0];
    const detail = detailSource ? oneLine(detailSource.text) : '';
    const errorName = detailSource ? ECS_ERROR_NAME.exec(detailSource.text)?.[1] : undefined;
    return failed({
      kind: 'task-failed-to-start',
      diagnosis: `The task failed to start${detail ? `: ${detail}` : '.'}`,
      hint: startFailureHint(detailSource?.text ?? ''),
      ...(startFailure?.container ? { container: startFailure.container.name } : {}),
      ...(errorName ? { errorName } : {}),
      ...codeField,
    });
  }

  const exited = classifyExits(summary, essentials);
  if (exited) return exited;
  const byHost = classifyHostHistory(summary, host);
  if (byHost) return byHost;

  if (stopCode && !KNOWN_STOP_CODES.has(stopCode)) {
    const infrastructure = stopCode === 'InfrastructureHealth';
    return failed({
      kind: 'other',
      diagnosis: infrastructure
        ? `ECS stopped the task because the infrastructure it ran on was unhealthy (${stopCode})${reason ? `: ${oneLine(reason)}` : '.'}`
        : `The task stopped with stop code ${stopCode}${reason ? `: ${oneLine(reason)}` : '.'}`,
      hint: infrastructure
        ? 'Usually not caused by the application; check that the service replaced the task, and the container log lines before the stop.'
        : 'Read the stopped reason and the last log lines of each container.',
      ...codeField,
    });
  }
  if (!stopCode && reason && !isKnownCleanReason(reason)) {
    return failed({
      kind: 'other',
      diagnosis: `The task stopped: ${oneLine(reason)}`,
      hint: 'Read the stopped reason and the last log lines of each container.',
    });
  }
  return {
    failed: false,
    kind: 'not-failed',
    diagnosis: cleanStopDiagnosis(stopCode, reason),
    ...codeField,
  };
}

/** Reasons that tasks without a stop code (events from before ECS added it) give for a normal stop. */
function isKnownCleanReason(reason: string): boolean {
  return matchesAny(reason, [
    'Essential container in task exited',
    'stopped by user',
    'Scaling activity initiated',
    'Task stopped by',
  ]);
}

/**
 * Essential containers' exit codes. A requested stop (user, service scheduler, termination notice) is
 * clean when they exited 0 or 143: SIGTERM is what ECS sent. A container that the stop had to SIGKILL
 * (137) did not exit within its stopTimeout, which drops in-flight work, so that is reported. Without a
 * requested stop, the container that exited on its own with a non-zero code caused it; one that exited 0
 * finished its work, unless the task belongs to a service, whose tasks are meant to keep running. With a
 * stop code tracer does not know, only a crash counts: the caller reports the stop code itself.
 */
function classifyExits(summary: TaskSummary, essentials: readonly ContainerState[]): Failed | undefined {
  const stopCode = summary.stopCode;
  const codeField = stopCode ? { stopCode } : {};
  const withExit = essentials.filter(
    (c): c is ContainerState & { exitCode: number } => c.exitCode !== undefined,
  );
  const report = (container: ContainerState & { exitCode: number }, diagnosis: string, hint: string) =>
    failed({
      kind: 'essential-container-exited',
      diagnosis,
      hint,
      container: container.name,
      exitCode: container.exitCode,
      ...codeField,
    });
  const readLogs = (name: string) => `Read the last log lines of ${name} before the stop.`;

  if (stopCode && REQUESTED_STOP_CODES.has(stopCode)) {
    const killed = withExit.find((c) => c.exitCode !== 0 && c.exitCode !== SIGTERM_EXIT);
    if (!killed) return undefined;
    if (killed.exitCode === SIGKILL_EXIT) {
      return report(
        killed,
        `Essential container ${killed.name} was killed (exit code 137) because it did not exit within its stop timeout after ${requestedStopLabel(stopCode)}.`,
        `Make ${killed.name} exit on SIGTERM (an exec-form command, or a signal handler) or raise stopTimeout; in-flight work was cut off.`,
      );
    }
    return report(
      killed,
      `Essential container ${killed.name} ${describeExit(killed.exitCode)} while ${requestedStopLabel(stopCode)}.`,
      readLogs(killed.name),
    );
  }

  const crashed = withExit.find(
    (c) => c.exitCode !== 0 && c.exitCode !== SIGKILL_EXIT && c.exitCode !== SIGTERM_EXIT,
  );
  if (crashed) {
    return report(
      crashed,
      `Essential container ${crashed.name} ${describeExit(crashed.exitCode)}.`,
      readLogs(crashed.name),
    );
  }
  // An unknown stop code means ECS stopped the task for a reason of its own: signals are its doing.
  if (stopCode && !KNOWN_STOP_CODES.has(stopCode)) return undefined;
  const finished = withExit.find((c) => c.exitCode === 0);
  const signalled = withExit.find((c) => c.exitCode !== 0);
  if (signalled && !finished) {
    return report(
      signalled,
      `Essential container ${signalled.name} ${describeExit(signalled.exitCode)} without ECS asking it to stop.`,
      `${readLogs(signalled.name)} Something inside the task or on its host sent the signal.`,
    );
  }
  if (finished && summary.group?.startsWith('service:') && stopCode === 'EssentialContainerExited') {
    return report(
      finished,
      `Essential container ${finished.name} exited with code 0 on its own, but a service's task is meant to keep running.`,
      `${readLogs(finished.name)} A process that runs in the background or finishes its work ends the task.`,
    );
  }
  return undefined;
}

function cleanStopDiagnosis(stopCode: string | undefined, reason: string): string {
  const because = reason ? `: ${oneLine(reason)}` : '.';
  switch (stopCode) {
    case 'UserInitiated':
      return `Stopped by a user or an API call (UserInitiated)${because}`;
    case 'ServiceSchedulerInitiated':
      return `Stopped by the service scheduler (ServiceSchedulerInitiated)${because}`;
    case 'TerminationNotice':
      return `Stopped because of a termination notice (TerminationNotice)${because}`;
    case 'EssentialContainerExited':
      return 'The task finished: its essential containers exited with code 0.';
    default:
      return `The task stopped normally${because}`;
  }
}
