/**
 * DescribeServices answers kept for a short time per service, in the memory of one Lambda container (as
 * task definitions are kept per revision), so that a burst of stopped tasks of one service (a deployment,
 * a scale-in, a crash loop) asks ECS once rather than once per task. ECS's Describe* calls share one
 * account-wide rate limit with deployments, so a burst must not spend it.
 *
 * An answer serves a caller that needs it fresh (`notBeforeMs`, a stopped task that needs its stop in the
 * answer) only if it was asked for at or after that instant. Concurrent callers share one call; a failed
 * call is not kept.
 */
import type { ServiceEvent } from '../core/model.js';
import type { Clock, RecentServiceEventsOptions, ServiceEventSource } from './ports.js';

/** How long an answer is kept: the span of a burst, short enough that a trace shows recent events. */
export const SERVICE_EVENTS_TTL_MS = 15_000;
/** Services kept at once, so a long-lived container cannot grow without limit. */
export const MAX_CACHED_SERVICES = 500;

interface Answer {
  readonly askedAtMs: number;
  readonly events: Promise<ServiceEvent[] | undefined>;
}

export interface CachedServiceEventSourceOptions {
  /** @default SERVICE_EVENTS_TTL_MS */
  readonly ttlMs?: number;
  /** @default MAX_CACHED_SERVICES */
  readonly maxServices?: number;
}

/**
 * A `ServiceEventSource` that keeps each service's answer for `ttlMs`.
 * @example const source = new CachedServiceEventSource(new EcsServiceEventSource({ client: ecs }), systemClock);
 */
export class CachedServiceEventSource implements ServiceEventSource {
  private readonly answers = new Map<string, Answer>();
  private readonly ttlMs: number;
  private readonly maxServices: number;

  constructor(
    private readonly source: ServiceEventSource,
    private readonly clock: Clock,
    options: CachedServiceEventSourceOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? SERVICE_EVENTS_TTL_MS;
    this.maxServices = options.maxServices ?? MAX_CACHED_SERVICES;
  }

  async recentServiceEvents(
    clusterName: string,
    serviceName: string,
    options: RecentServiceEventsOptions = {},
  ): Promise<ServiceEvent[] | undefined> {
    // Two accounts may each run a cluster and service of the same names.
    const scope = options.scope;
    const key = `${scope ? `${scope.account}:${scope.region}:` : ''}${clusterName}\n${serviceName}`;
    const nowMs = this.clock.nowMs();
    const kept = this.answers.get(key);
    const usable =
      kept !== undefined &&
      nowMs - kept.askedAtMs < this.ttlMs &&
      kept.askedAtMs >= (options.notBeforeMs ?? Number.NEGATIVE_INFINITY);
    const answer = usable ? kept : this.ask(key, clusterName, serviceName, nowMs, options);
    const events = await answer.events;
    return events === undefined ? undefined : [...events];
  }

  private ask(
    key: string,
    clusterName: string,
    serviceName: string,
    nowMs: number,
    options: RecentServiceEventsOptions,
  ): Answer {
    const answer: Answer = {
      askedAtMs: nowMs,
      events: options.scope
        ? this.source.recentServiceEvents(clusterName, serviceName, { scope: options.scope })
        : this.source.recentServiceEvents(clusterName, serviceName),
    };
    this.answers.delete(key);
    this.answers.set(key, answer);
    // A Map iterates in insertion order: the first key is the one asked for longest ago.
    if (this.answers.size > this.maxServices) {
      const oldest = this.answers.keys().next();
      if (!oldest.done) this.answers.delete(oldest.value);
    }
    answer.events.catch(() => {
      if (this.answers.get(key) === answer) this.answers.delete(key);
    });
    return answer;
  }
}
