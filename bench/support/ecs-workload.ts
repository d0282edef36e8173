/**
 * A realistic stream of ECS events for the recorder benchmark, built from real events: Fargate tasks of
 * 6 events (the real lifecycle, PROVISIONING to STOPPED), Fargate service tasks of 7 (a health change
 * while running), EC2 service tasks with two containers of 8 or 9 events (a second STOPPED event brings
 * the exit codes late), service deployments, and one task in five failing. Tasks start in cohorts, so
 * their events interleave as a burst of launches does.
 */
import type { ServiceEvent, TaskDefinitionInfo } from '../../lambda/core/model.js';
import { eventFixtureNames, loadEvent, type RawEvent } from '../../test/support/fixtures.js';

/** The six real events of one Fargate task, PROVISIONING to STOPPED. */
const FARGATE_LIFECYCLE = eventFixtureNames('lifecycle-fargate-');
const FARGATE_TASK_ID = 'c13b4cb40f1f4fe4a2971f76ae5a47ad';
const FARGATE_CLUSTER = 'FargateCluster';
const FARGATE_TASK_DEFINITION = 'task-definition/sample-fargate:1';
const FARGATE_GROUP = 'family:sample-fargate';
const EC2_STOPPED = 'task-state-change_ec2_stopped-userinitiated_aws-samples-stopped-tasks-cwlogs';
export const WORKLOAD_ACCOUNT = '111122223333';
export const WORKLOAD_REGION = 'us-west-2';
/** Task definition revisions in use, per family. */
export const REVISIONS = 10;
/** Tasks that start together. */
const COHORT = 10;

export type TaskKind = 'fargate' | 'fargate-service' | 'ec2-service';

export interface Workload {
  /** EventBridge events as SQS message bodies, in delivery order. */
  readonly bodies: string[];
  readonly tasks: number;
  readonly taskEvents: number;
  readonly serviceEvents: number;
  readonly byKind: Record<TaskKind, number>;
}

function kindOf(index: number): TaskKind {
  const kinds: TaskKind[] = ['fargate', 'fargate-service', 'ec2-service'];
  return kinds[index % kinds.length] as TaskKind;
}

function taskIdOf(round: number, index: number): string {
  return `${round.toString(16).padStart(4, '0')}${index.toString(16).padStart(28, '0')}`;
}

function hex(seed: string, length: number): string {
  let out = '';
  let h = 2166136261;
  while (out.length < length) {
    for (const ch of `${seed}${out.length}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return out.slice(0, length);
}

function uuid(seed: string): string {
  const h = hex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** A Fargate task's real events, moved to another task id, cluster, revision and group. */
function fargateEvents(
  cluster: string,
  taskId: string,
  index: number,
  service: boolean,
  failed: boolean,
): RawEvent[] {
  const events = FARGATE_LIFECYCLE.map((name) => {
    const text = JSON.stringify(loadEvent(name))
      .replaceAll(FARGATE_TASK_ID, taskId)
      .replaceAll(FARGATE_CLUSTER, cluster)
      .replaceAll(FARGATE_TASK_DEFINITION, `task-definition/sample-fargate:${1 + (index % REVISIONS)}`)
      .replaceAll(FARGATE_GROUP, service ? 'service:web' : FARGATE_GROUP);
    return JSON.parse(text) as RawEvent;
  });
  if (service) {
    // A health check turns HEALTHY while the task runs: one more RUNNING version.
    const healthy = JSON.parse(JSON.stringify(events[3])) as RawEvent;
    healthy.detail.healthStatus = 'HEALTHY';
    for (const c of healthy.detail.containers as Record<string, unknown>[]) c.healthStatus = 'HEALTHY';
    healthy.detail.updatedAt = '2020-01-23T17:58:28.103Z';
    healthy.time = '2020-01-23T17:58:28Z';
    events.splice(4, 0, healthy);
    for (const c of (events.at(-1)?.detail.containers ?? []) as Record<string, unknown>[])
      c.healthStatus = 'HEALTHY';
    events.forEach((event, v) => {
      event.detail.version = v + 1;
      event.detail.startedBy = 'ecs-svc/9223370459101439483';
    });
  }
  if (failed) {
    const stopped = events.at(-1) as RawEvent;
    for (const c of stopped.detail.containers as Record<string, unknown>[]) {
      c.exitCode = 1;
      c.reason = 'Essential container in task exited';
    }
    stopped.detail.stopCode = 'EssentialContainerExited';
    stopped.detail.stoppedReason = 'Essential container in task exited';
  }
  return events;
}

/**
 * An EC2 service task with an app and a log router, from a real STOPPED event: PENDING, pulling, pulled,
 * RUNNING, HEALTHY, STOPPING, STOPPED, and for every other task a second STOPPED with the exit codes.
 */
function ec2Events(cluster: string, taskId: string, index: number, failed: boolean): RawEvent[] {
  const template = loadEvent(EC2_STOPPED);
  const createdMs = Date.parse('2020-01-23T17:57:30.000Z') + index * 1_000;
  const arn = (kind: string, rest: string) =>
    `arn:aws:ecs:${WORKLOAD_REGION}:${WORKLOAD_ACCOUNT}:${kind}/${rest}`;
  const taskArn = arn('task', `${cluster}/${taskId}`);
  const app = (template.detail.containers as Record<string, unknown>[])[0] as Record<string, unknown>;
  const containerBase = (name: string, image: string) => ({
    containerArn: arn('container', `${cluster}/${taskId}/${uuid(`${taskId}${name}`)}`),
    name,
    image,
    taskArn,
    cpu: '0',
    memoryReservation: '128',
    networkInterfaces: [],
    networkBindings: app.networkBindings,
  });
  const containers = [
    containerBase('webapp', `${WORKLOAD_ACCOUNT}.dkr.ecr.${WORKLOAD_REGION}.amazonaws.com/webapp:d1a3f22`),
    containerBase('log_router', `public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.0`),
  ];
  const at = (offsetMs: number) => iso(createdMs + offsetMs);
  const stages: { status: string; desired: string; offsetMs: number; fields: Record<string, unknown> }[] = [
    { status: 'PENDING', desired: 'RUNNING', offsetMs: 0, fields: {} },
    { status: 'PENDING', desired: 'RUNNING', offsetMs: 400, fields: { pullStartedAt: at(400) } },
    { status: 'PENDING', desired: 'RUNNING', offsetMs: 2_400, fields: { pullStoppedAt: at(2_400) } },
    { status: 'RUNNING', desired: 'RUNNING', offsetMs: 4_000, fields: { startedAt: at(4_000) } },
    { status: 'RUNNING', desired: 'RUNNING', offsetMs: 34_000, fields: { healthStatus: 'HEALTHY' } },
    {
      status: 'RUNNING',
      desired: 'STOPPED',
      offsetMs: 900_000,
      fields: {
        stoppingAt: at(900_000),
        stopCode: failed ? 'EssentialContainerExited' : 'ServiceSchedulerInitiated',
        stoppedReason: failed
          ? 'Essential container in task exited'
          : 'Scaling activity initiated by (deployment ecs-svc/9223370459101439483)',
      },
    },
    {
      status: 'STOPPED',
      desired: 'STOPPED',
      offsetMs: 930_000,
      fields: { executionStoppedAt: at(929_000), stoppedAt: at(930_000) },
    },
  ];
  if (index % 2 === 0)
    stages.push({ status: 'STOPPED', desired: 'STOPPED', offsetMs: 931_000, fields: { exitCodes: true } });
  const detail: Record<string, unknown> = {
    attachments: [],
    availabilityZone: `${WORKLOAD_REGION}a`,
    capacityProviderName: 'WebappASG',
    clusterArn: arn('cluster', cluster),
    containerInstanceArn: arn('container-instance', `${cluster}/${hex(`${index}`, 32)}`),
    createdAt: at(0),
    launchType: 'EC2',
    cpu: '512',
    memory: '1024',
    group: 'service:webapp',
    overrides: { containerOverrides: [{ name: 'webapp' }, { name: 'log_router' }] },
    startedBy: 'ecs-svc/5888882704497679006',
    taskArn,
    taskDefinitionArn: arn('task-definition', `webapp:${1 + (index % REVISIONS)}`),
  };
  const events: RawEvent[] = [];
  let stage = 0;
  const containerState = containers.map((c) => ({ ...c, lastStatus: 'PENDING' }) as Record<string, unknown>);
  for (const { status, desired, offsetMs, fields } of stages) {
    stage += 1;
    const { exitCodes, healthStatus, ...taskFields } = fields;
    Object.assign(detail, taskFields, {
      lastStatus: status,
      desiredStatus: desired,
      updatedAt: at(offsetMs),
      version: stage,
      connectivity: 'CONNECTED',
      connectivityAt: at(0),
    });
    containerState.forEach((c, i) => {
      if (taskFields.pullStoppedAt) c.imageDigest = `sha256:${hex(`${c.image}`, 64)}`;
      if (taskFields.startedAt) {
        c.runtimeId = hex(`${taskId}${i}`, 64);
        c.lastStatus = 'RUNNING';
      }
      if (healthStatus) c.healthStatus = healthStatus;
      if (status === 'STOPPED') c.lastStatus = 'STOPPED';
      if (exitCodes || (status === 'STOPPED' && index % 2 === 1)) {
        c.exitCode = failed && i === 0 ? 1 : 0;
        if (failed && i === 0) c.reason = 'Essential container in task exited';
      }
    });
    if (healthStatus) detail.healthStatus = healthStatus;
    events.push({
      version: '0',
      id: uuid(`${taskId}-${stage}`),
      'detail-type': 'ECS Task State Change',
      source: 'aws.ecs',
      account: WORKLOAD_ACCOUNT,
      time: iso(Math.floor((createdMs + offsetMs) / 1000) * 1000),
      region: WORKLOAD_REGION,
      resources: [taskArn],
      detail: JSON.parse(JSON.stringify({ ...detail, containers: containerState })) as Record<
        string,
        unknown
      >,
    });
  }
  return events;
}

/** A deployment of the service, as EventBridge delivers it. */
function deploymentEvent(cluster: string, service: string, round: number, n: number): RawEvent {
  const event = loadEvent('deployment-state-change_service_deployment_completed_awsdocs');
  const text = JSON.stringify(event)
    .replaceAll(
      /arn:aws:ecs:[^:"]+:[0-9]+:service\/[^"]+/g,
      `arn:aws:ecs:${WORKLOAD_REGION}:${WORKLOAD_ACCOUNT}:service/${cluster}/${service}`,
    )
    .replaceAll(
      /arn:aws:ecs:[^:"]+:[0-9]+:cluster\/[^"]+/g,
      `arn:aws:ecs:${WORKLOAD_REGION}:${WORKLOAD_ACCOUNT}:cluster/${cluster}`,
    );
  const out = JSON.parse(text) as RawEvent;
  out.id = uuid(`deployment-${cluster}-${round}-${n}`);
  return out;
}

/**
 * The events of `tasks` new tasks (a third of each kind, one in five failing) and one service deployment
 * per cohort, in the order a burst delivers them.
 */
export function ecsWorkload(cluster: string, round: number, tasks: number): Workload {
  const bodies: string[] = [];
  const byKind: Record<TaskKind, number> = { fargate: 0, 'fargate-service': 0, 'ec2-service': 0 };
  let taskEvents = 0;
  let serviceEvents = 0;
  for (let first = 0; first < tasks; first += COHORT) {
    const cohort: RawEvent[][] = [];
    for (let index = first; index < Math.min(tasks, first + COHORT); index++) {
      const kind = kindOf(index);
      byKind[kind] += 1;
      const taskId = taskIdOf(round, index);
      const failed = index % 5 === 4;
      const events =
        kind === 'ec2-service'
          ? ec2Events(cluster, taskId, index, failed)
          : fargateEvents(cluster, taskId, index, kind === 'fargate-service', failed);
      events.forEach((event, v) => {
        if (kind !== 'ec2-service') event.id = uuid(`${taskId}-${round}-${index}-${v + 1}`);
      });
      cohort.push(events);
    }
    const longest = Math.max(...cohort.map((events) => events.length));
    for (let v = 0; v < longest; v++) {
      for (const events of cohort) {
        const event = events[v];
        if (!event) continue;
        bodies.push(JSON.stringify(event));
        taskEvents += 1;
      }
      if (v === 0) {
        bodies.push(
          JSON.stringify(deploymentEvent(cluster, first % 2 === 0 ? 'web' : 'webapp', round, first)),
        );
        serviceEvents += 1;
      }
    }
  }
  return { bodies, tasks, taskEvents, serviceEvents, byKind };
}

/** What DescribeTaskDefinition answers for every revision the workload runs. */
export function taskDefinitionAnswers(): Map<string, TaskDefinitionInfo> {
  const answers = new Map<string, TaskDefinitionInfo>();
  const container = (containerName: string, logDriver: string, logGroup?: string) => ({
    containerName,
    logDriver,
    ...(logGroup ? { logGroup, streamPrefix: 'ecs' } : {}),
    essential: containerName !== 'log_router',
  });
  for (let revision = 1; revision <= REVISIONS; revision++) {
    for (const [family, containers] of [
      ['sample-fargate', [container('FargateApp', 'awslogs', '/ecs/sample-fargate')]],
      ['webapp', [container('webapp', 'awsfirelens'), container('log_router', 'awslogs', '/ecs/firelens')]],
    ] as const) {
      const arn = `arn:aws:ecs:${WORKLOAD_REGION}:${WORKLOAD_ACCOUNT}:task-definition/${family}:${revision}`;
      answers.set(arn, {
        status: 'described',
        taskDefinitionArn: arn,
        describedAt: '2020-01-23T17:00:00.000Z',
        containers,
      });
    }
  }
  return answers;
}

/** What DescribeServices remembers of each service: a deployment around the tasks' lives. */
export function serviceAnswers(cluster: string): Map<string, ServiceEvent[]> {
  const times = [
    '2020-01-23T17:57:30.000Z',
    '2020-01-23T17:58:10.000Z',
    '2020-01-23T18:04:00.000Z',
    '2020-01-23T18:12:00.000Z',
  ];
  const answers = new Map<string, ServiceEvent[]>();
  for (const service of ['web', 'webapp']) {
    const messages = [
      `(service ${service}) has started 10 tasks: (task 1) (task 2) (task 3).`,
      `(service ${service}) registered 10 targets in (target-group arn:aws:elasticloadbalancing:us-west-2:111122223333:targetgroup/${service}/1)`,
      `(service ${service}) has reached a steady state.`,
      `(service ${service}) has stopped 10 running tasks: (task 1) (task 2) (task 3).`,
    ];
    answers.set(
      `${cluster}/${service}`,
      messages.map((message, i) => ({
        clusterName: cluster,
        serviceName: service,
        eventId: `bench-${service}-event-${i}`,
        createdAt: times[i] as string,
        message,
        source: 'describe-services' as const,
      })),
    );
  }
  return answers;
}
