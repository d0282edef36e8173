/**
 * In-memory fakes of the ports that the failure notifier uses. They keep state the way the real adapters
 * do (the ledger's lease, logs that reach CloudWatch Logs late) and let a test inject faults.
 */
import type { ClusterId } from '../../lambda/core/cluster-id.js';
import { classifyFailure } from '../../lambda/core/failure.js';
import type {
  ServiceEvent,
  TaskDefinitionInfo,
  TaskSummary,
  TaskTransition,
} from '../../lambda/core/model.js';
import type { BuildTraceDeps } from '../../lambda/use-cases/build-trace.js';
import type { NotifyFailureDeps, Sleep } from '../../lambda/use-cases/notify-failure.js';
import type {
  Clock,
  LedgerClaim,
  LogStreamRequest,
  LogStreamResult,
  Notification,
  NotificationLedger,
  Notifier,
  Page,
  RecordedCluster,
  RecordedTask,
  ServiceEventStore,
  TaskDefinitionStore,
  TaskHistory,
} from '../../lambda/use-cases/ports.js';

/** A clock that moves only when a test (or the fake sleep) moves it. */
export class FakeClock implements Clock {
  constructor(private now: number) {}
  nowMs(): number {
    return this.now;
  }
  set(ms: number): void {
    this.now = ms;
  }
  advance(ms: number): void {
    this.now += ms;
  }
}

/** A sleep that returns at once and moves the fake clock, remembering how long it was asked to wait. */
export function fakeSleep(clock: FakeClock): Sleep & { readonly calls: number[] } {
  const calls: number[] = [];
  const sleep = async (ms: number) => {
    calls.push(ms);
    clock.advance(ms);
  };
  return Object.assign(sleep, { calls });
}

const key = (clusterName: string, taskId: string) => `${clusterName}/${taskId}`;

export class FakeTaskHistory implements TaskHistory {
  readonly tasks = new Map<string, RecordedTask>();
  getTaskCalls = 0;

  /** Stores the summary the way the recorder does, with its classification. */
  record(summary: TaskSummary): void {
    const failure = classifyFailure(summary);
    this.tasks.set(key(summary.clusterName, summary.taskId), failure ? { summary, failure } : { summary });
  }

  async getTask(cluster: ClusterId, taskId: string): Promise<RecordedTask | undefined> {
    this.getTaskCalls += 1;
    return this.tasks.get(key(cluster.name, taskId));
  }

  async listTransitions(cluster: ClusterId, taskId: string): Promise<TaskTransition[]> {
    const task = this.tasks.get(key(cluster.name, taskId));
    return task ? [task.summary] : [];
  }

  async listTasks(): Promise<Page<RecordedTask>> {
    return { items: [...this.tasks.values()] };
  }

  async listClusters(): Promise<RecordedCluster[]> {
    return [];
  }
}

export class FakeTaskDefinitionStore implements TaskDefinitionStore {
  readonly definitions = new Map<string, TaskDefinitionInfo>();

  async getTaskDefinition(taskDefinitionArn: string): Promise<TaskDefinitionInfo | undefined> {
    return this.definitions.get(taskDefinitionArn);
  }

  async putTaskDefinition(info: TaskDefinitionInfo): Promise<void> {
    this.definitions.set(info.taskDefinitionArn, info);
  }
}

export class FakeServiceEventStore implements ServiceEventStore {
  readonly events: ServiceEvent[] = [];
  failure?: Error;

  async putServiceEvents(_cluster: ClusterId, events: readonly ServiceEvent[]): Promise<void> {
    this.events.push(...events);
  }

  async listServiceEvents(
    cluster: ClusterId,
    serviceName: string,
    fromMs: number,
    toMs: number,
  ): Promise<ServiceEvent[]> {
    if (this.failure) throw this.failure;
    return this.events.filter(
      (e) =>
        e.clusterName === cluster.name &&
        e.serviceName === serviceName &&
        Date.parse(e.createdAt) >= fromMs &&
        Date.parse(e.createdAt) <= toMs,
    );
  }
}

/** A log event and the instant CloudWatch Logs has it (it arrives after the container wrote it). */
export interface FakeLogLine {
  readonly timestampMs: number;
  readonly message: string;
  /** @default timestampMs */
  readonly availableAtMs?: number;
}

export class FakeLogSource {
  readonly streams = new Map<string, FakeLogLine[]>();
  readonly requests: LogStreamRequest[] = [];
  failure?: Error;
  /** How far each read moves the fake clock. */
  readCostMs = 0;

  constructor(private readonly clock: FakeClock) {}

  add(logGroup: string, logStream: string, lines: readonly FakeLogLine[]): void {
    this.streams.set(`${logGroup}\u0000${logStream}`, [...lines]);
  }

  async readLogStream(request: LogStreamRequest): Promise<LogStreamResult> {
    this.requests.push(request);
    if (this.failure) throw this.failure;
    // As the CloudWatch Logs adapter: no read once the time left has run out.
    if (request.timeLeftMs && request.timeLeftMs() <= 0) {
      return { events: [], calls: 0, truncated: true, stoppedEarly: true };
    }
    this.clock.advance(this.readCostMs);
    const now = this.clock.nowMs();
    const events = (this.streams.get(`${request.logGroup}\u0000${request.logStream}`) ?? [])
      .filter((line) => (line.availableAtMs ?? line.timestampMs) <= now)
      .filter((line) => line.timestampMs >= request.startMs && line.timestampMs <= request.endMs)
      .map((line) => ({ timestampMs: line.timestampMs, message: line.message }));
    return { events, calls: 1, truncated: false };
  }
}

interface LedgerEntry {
  state: 'claimed' | 'sent';
  leaseUntilMs: number;
}

/** The ledger's rules in memory: a claim is a lease until it expires; after markSent no claim succeeds. */
export class FakeNotificationLedger implements NotificationLedger {
  readonly entries = new Map<string, LedgerEntry>();
  markSentFailure?: Error;
  markSentCalls = 0;

  async claimNotification(
    cluster: ClusterId,
    taskId: string,
    nowMs: number,
    leaseMs: number,
  ): Promise<LedgerClaim> {
    const entry = this.entries.get(key(cluster.name, taskId));
    if (entry?.state === 'sent') return { outcome: 'sent' };
    if (entry && entry.leaseUntilMs >= nowMs) return { outcome: 'held', leaseUntilMs: entry.leaseUntilMs };
    this.entries.set(key(cluster.name, taskId), { state: 'claimed', leaseUntilMs: nowMs + leaseMs });
    return { outcome: 'claimed' };
  }

  async claim(cluster: ClusterId, taskId: string, nowMs: number, leaseMs: number): Promise<boolean> {
    return (await this.claimNotification(cluster, taskId, nowMs, leaseMs)).outcome === 'claimed';
  }

  async markSent(cluster: ClusterId, taskId: string): Promise<void> {
    this.markSentCalls += 1;
    if (this.markSentFailure) throw this.markSentFailure;
    const entry = this.entries.get(key(cluster.name, taskId));
    this.entries.set(key(cluster.name, taskId), { state: 'sent', leaseUntilMs: entry?.leaseUntilMs ?? 0 });
  }
}

/** A ledger that only answers yes or no, as the port's original `claim` does. */
export class BooleanLedger implements NotificationLedger {
  constructor(private readonly inner = new FakeNotificationLedger()) {}
  claim(cluster: ClusterId, taskId: string, nowMs: number, leaseMs: number): Promise<boolean> {
    return this.inner.claim(cluster, taskId, nowMs, leaseMs);
  }
  markSent(cluster: ClusterId, taskId: string): Promise<void> {
    return this.inner.markSent(cluster, taskId);
  }
}

export class FakeNotifier implements Notifier {
  readonly published: Notification[] = [];
  /** Publishes that fail before one goes out, as SNS does when it is down. */
  failuresLeft = 0;

  async publish(notification: Notification): Promise<void> {
    if (this.failuresLeft > 0) {
      this.failuresLeft -= 1;
      throw Object.assign(new Error('Service Unavailable'), { name: 'InternalErrorException' });
    }
    this.published.push(notification);
  }
}

/** Everything the trace needs, in memory, around one clock. */
export interface FakeTraceWorld {
  readonly clock: FakeClock;
  readonly history: FakeTaskHistory;
  readonly taskDefinitions: FakeTaskDefinitionStore;
  readonly serviceEvents: FakeServiceEventStore;
  readonly logs: FakeLogSource;
  readonly traceDeps: BuildTraceDeps;
}

export function fakeTraceWorld(nowMs: number): FakeTraceWorld {
  const clock = new FakeClock(nowMs);
  const history = new FakeTaskHistory();
  const taskDefinitions = new FakeTaskDefinitionStore();
  const serviceEvents = new FakeServiceEventStore();
  const logs = new FakeLogSource(clock);
  return {
    clock,
    history,
    taskDefinitions,
    serviceEvents,
    logs,
    traceDeps: { history, taskDefinitions, serviceEvents, logs, clock },
  };
}

/** A described task definition whose containers log with awslogs to `/ecs/<family>` under prefix `ecs`. */
export function awslogsTaskDefinition(
  taskDefinitionArn: string,
  containerNames: readonly string[],
  logGroup: string,
): TaskDefinitionInfo {
  return {
    status: 'described',
    taskDefinitionArn,
    describedAt: '2020-01-01T00:00:00.000Z',
    containers: containerNames.map((containerName) => ({
      containerName,
      logDriver: 'awslogs',
      logGroup,
      streamPrefix: 'ecs',
      essential: true,
    })),
  };
}

/**
 * The notifier's dependencies over a fake world: an in-memory ledger and notifier, the fake sleep, no
 * filters, a 30-second settle delay; `overrides` replace any of them.
 */
export function fakeNotifyDeps(
  world: FakeTraceWorld,
  overrides: Partial<NotifyFailureDeps> = {},
): { deps: NotifyFailureDeps; ledger: FakeNotificationLedger; notifier: FakeNotifier } {
  const ledger = new FakeNotificationLedger();
  const notifier = new FakeNotifier();
  const deps: NotifyFailureDeps = {
    trace: world.traceDeps,
    ledger,
    notifier,
    sleep: fakeSleep(world.clock),
    settings: {},
    settleMs: 30_000,
    ...overrides,
  };
  return { deps, ledger, notifier };
}
