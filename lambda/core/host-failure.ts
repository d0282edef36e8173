/**
 * Stops that the host caused: a drained container instance, a terminated or deregistered instance, an
 * agent that lost its connection, and Spot interruptions (EC2 Spot and Fargate Spot). The summary's stop
 * code and reason say most of it; the recorded host history (instance.ts) says the rest, when known.
 */
import type { FailureClassification } from './failure.js';
import type { HostHistory } from './instance.js';
import type { TaskSummary } from './model.js';

const contains = (text: string, needle: string) => text.toLowerCase().includes(needle.toLowerCase());
const HOST_TERMINATED = /Host EC2 \(instance (i-[0-9a-f]+)\) (?:terminated|stopped)/i;
const REQUESTED_BY_HOST = new Set(['ServiceSchedulerInitiated', 'TerminationNotice']);

const SPOT_HINT =
  'Expected with Spot capacity. If it hurts, mix FARGATE with FARGATE_SPOT (or On-Demand with Spot) in the capacity provider strategy.';

function onInstance(id: string | undefined): string {
  return id ? ` (${id})` : '';
}

/**
 * A stop that the host's loss explains, checked before the containers' exit codes: those are the
 * consequence, not the cause. Spot interruptions and drains are not failures; a host that went away
 * under its tasks, or lost its agent, is.
 * @example classifyHostLoss({ ...summary, stopCode: 'SpotInterruption' })?.kind === 'spot-interruption'
 */
export function classifyHostLoss(
  summary: TaskSummary,
  host?: HostHistory,
): FailureClassification | undefined {
  const reason = summary.stoppedReason ?? '';
  const stopCode = summary.stopCode;
  const codeField = stopCode ? { stopCode } : {};
  const spotByHost = host?.spotWarning !== undefined && (!stopCode || REQUESTED_BY_HOST.has(stopCode));
  if (
    stopCode === 'SpotInterruption' ||
    (!stopCode && contains(reason, 'spot') && contains(reason, 'interrupt')) ||
    spotByHost
  ) {
    const instance = host?.spotWarning ? onInstance(host.spotWarning.ec2InstanceId) : '';
    return {
      failed: false,
      kind: 'spot-interruption',
      diagnosis: `Spot interruption: AWS reclaimed the Spot capacity${instance} the task ran on, and ECS stopped it.`,
      hint: SPOT_HINT,
      ...codeField,
    };
  }
  const terminated = HOST_TERMINATED.exec(reason);
  if (terminated) {
    return {
      failed: true,
      kind: 'instance-terminated',
      diagnosis: `The EC2 instance${onInstance(terminated[1])} the task ran on went away while the task ran: ${reason.trim()}`,
      hint: 'Drain container instances before terminating them (a capacity provider with managed termination protection, or an Auto Scaling lifecycle hook), so tasks stop gracefully and are replaced first.',
      ...codeField,
    };
  }
  return undefined;
}

/**
 * A stop that the recorded host history explains, checked after the containers' exit codes: a drain
 * (the service scheduler moved the task off a DRAINING instance), a deregistered instance, or an agent
 * that lost its connection.
 * @example classifyHostHistory({ ...summary, stopCode: 'ServiceSchedulerInitiated' }, { drained: true, ... })?.kind === 'host-drained'
 */
export function classifyHostHistory(
  summary: TaskSummary,
  host?: HostHistory,
): FailureClassification | undefined {
  const reason = summary.stoppedReason ?? '';
  const stopCode = summary.stopCode;
  const codeField = stopCode ? { stopCode } : {};
  const instance = onInstance(host?.ec2InstanceId);
  const requested = !stopCode || REQUESTED_BY_HOST.has(stopCode);
  if ((host?.drained || contains(reason, 'draining')) && requested) {
    return {
      failed: false,
      kind: 'host-drained',
      diagnosis: `The container instance${instance} was drained (DRAINING), so ECS moved the task off it${stopCode ? ` (${stopCode})` : ''}.`,
      hint: 'Expected on a scale-in, an AMI update or a Spot drain: a service replaces the task on another instance. Set notifyHostDrains to be told about these.',
      ...codeField,
    };
  }
  if (host?.deregistered && stopCode !== 'UserInitiated') {
    return {
      failed: true,
      kind: 'instance-terminated',
      diagnosis: `The container instance${instance} was deregistered (INACTIVE) while the task ran on it.`,
      hint: 'Drain container instances before terminating them (a capacity provider with managed termination protection, or an Auto Scaling lifecycle hook), so tasks stop gracefully and are replaced first.',
      ...codeField,
    };
  }
  if (host?.agentDisconnected && stopCode !== 'UserInitiated' && stopCode !== 'EssentialContainerExited') {
    return {
      failed: true,
      kind: 'agent-disconnected',
      diagnosis: `The ECS agent on the container instance${instance} disconnected while the task ran on it, and ECS stopped the task.`,
      hint: "Check the instance's health, the agent's log (/var/log/ecs/ecs-agent.log), its memory and disk, and its route to the ECS endpoint.",
      ...codeField,
    };
  }
  return undefined;
}
