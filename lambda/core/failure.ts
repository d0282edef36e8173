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
  'other',
] as const;

export type FailureKind = (typeof FAILURE_KINDS)[number];

/**
 * What a stopped task's summary means. `failed: false` for a clean stop (user, scale-in, deployment with
 * exit 0) and for Spot interruptions, which callers may still choose to report.
 */
export type FailureClassification =
  | {
      readonly failed: false;
      readonly kind: 'not-failed' | 'spot-interruption';
      readonly diagnosis: string;
      readonly hint?: string;
    }
  | {
      readonly failed: true;
      readonly kind: Exclude<FailureKind, 'spot-interruption'>;
      readonly diagnosis: string;
      readonly hint: string;
      readonly container?: string;
      readonly exitCode?: number;
    };

function isEssential(container: ContainerState, taskDefinition?: TaskDefinitionInfo): boolean {
  if (taskDefinition?.status !== 'described') return true;
  const config = taskDefinition.containers.find((c) => c.containerName === container.name);
  return config?.essential ?? true;
}

const includes = (text: string | undefined, needle: string) =>
  text?.toLowerCase().includes(needle.toLowerCase()) ?? false;

/**
 * Turns a task's summary into a failure kind with a one-line diagnosis and a hint. Returns undefined while
 * the task has not stopped. Pure: the same summary always gives the same answer.
 * @example classifyFailure(summary)?.kind === 'image-pull'
 */
export function classifyFailure(
  summary: TaskSummary,
  taskDefinition?: TaskDefinitionInfo,
): FailureClassification | undefined {
  if (summary.lastStatus !== 'STOPPED' && summary.desiredStatus !== 'STOPPED') return undefined;
  if (summary.lastStatus !== 'STOPPED') return undefined;
  const reason = summary.stoppedReason ?? '';
  const stopCode = summary.stopCode ?? '';
  const containers = summary.containers;
  const reasons = [reason, ...containers.map((c) => c.reason ?? '')];

  if (stopCode === 'SpotInterruption' || includes(reason, 'spot interruption')) {
    return {
      failed: false,
      kind: 'spot-interruption',
      diagnosis: 'The task was stopped because its Spot capacity was reclaimed.',
      hint: 'Expected with Spot capacity; spread the service over FARGATE and FARGATE_SPOT if this hurts.',
    };
  }
  if (reasons.some((r) => includes(r, 'CannotPullContainerError'))) {
    const container = containers.find((c) => includes(c.reason, 'CannotPullContainerError'));
    return {
      failed: true,
      kind: 'image-pull',
      diagnosis: `The image${container?.image ? ` ${container.image}` : ''} could not be pulled.`,
      hint: 'Check the image URI and tag, and that the task execution role may pull from the registry (ECR: ecr:GetAuthorizationToken, ecr:BatchGetImage).',
      ...(container ? { container: container.name } : {}),
    };
  }
  if (reasons.some((r) => includes(r, 'ResourceInitializationError'))) {
    return {
      failed: true,
      kind: 'resource-initialization',
      diagnosis: 'ECS could not prepare the task before starting its containers.',
      hint: 'Check secrets and parameters the task reads, the network path to AWS endpoints (NAT or VPC endpoints), and that the log group exists.',
    };
  }
  const oom = containers.find(
    (c) =>
      includes(c.reason, 'OutOfMemoryError') || (c.exitCode === 137 && includes(c.reason, 'OutOfMemory')),
  );
  if (oom || includes(reason, 'OutOfMemoryError')) {
    return {
      failed: true,
      kind: 'out-of-memory',
      diagnosis: `Container ${oom?.name ?? '(unknown)'} ran out of memory and was killed${oom?.exitCode !== undefined ? ` (exit code ${oom.exitCode})` : ''}.`,
      hint: 'Raise the container or task memory, or find what grows in the process.',
      ...(oom ? { container: oom.name } : {}),
      ...(oom?.exitCode !== undefined ? { exitCode: oom.exitCode } : {}),
    };
  }
  if (includes(reason, 'failed container health checks')) {
    const unhealthy = containers.find((c) => c.healthStatus === 'UNHEALTHY');
    return {
      failed: true,
      kind: 'container-health-check',
      diagnosis: `Container ${unhealthy?.name ?? '(unknown)'} failed its health check.`,
      hint: 'Check the healthCheck command, its startPeriod, and the container log around the stop.',
      ...(unhealthy ? { container: unhealthy.name } : {}),
    };
  }
  if (includes(reason, 'failed ELB health checks') || includes(reason, 'failed elb health checks')) {
    return {
      failed: true,
      kind: 'elb-health-check',
      diagnosis: 'The load balancer marked the task unhealthy and ECS replaced it.',
      hint: "Check the target group's health check path, port and grace period, and the security group between the load balancer and the task.",
    };
  }
  const exited = containers.find(
    (c) => c.exitCode !== undefined && c.exitCode !== 0 && isEssential(c, taskDefinition),
  );
  if (exited && exited.exitCode !== undefined) {
    return {
      failed: true,
      kind: 'essential-container-exited',
      diagnosis: `Essential container ${exited.name} exited with code ${exited.exitCode}${exited.reason ? ` (${exited.reason})` : ''}.`,
      hint: `Read the last log lines of ${exited.name} above the stop.`,
      container: exited.name,
      exitCode: exited.exitCode,
    };
  }
  if (stopCode === 'TaskFailedToStart') {
    return {
      failed: true,
      kind: 'task-failed-to-start',
      diagnosis: `The task failed to start${reason ? `: ${reason}` : '.'}`,
      hint: 'Read the stopped reason and the container reasons; check the task definition and the execution role.',
    };
  }
  const cleanStop =
    stopCode === 'UserInitiated' ||
    stopCode === 'ServiceSchedulerInitiated' ||
    stopCode === 'TerminationNotice' ||
    stopCode === 'EssentialContainerExited' ||
    stopCode === '';
  if (cleanStop) {
    return {
      failed: false,
      kind: 'not-failed',
      diagnosis: `The task stopped normally${reason ? `: ${reason}` : '.'}`,
    };
  }
  return {
    failed: true,
    kind: 'other',
    diagnosis: `The task stopped with ${stopCode}${reason ? `: ${reason}` : '.'}`,
    hint: 'Read the stopped reason and the last log lines.',
  };
}
