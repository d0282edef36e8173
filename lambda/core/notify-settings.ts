/**
 * The notifier's settings: which stopped tasks are worth a notification. The stack writes them as JSON into
 * the function's environment (EnvName.NOTIFY_FILTERS); config/notify-settings.ts parses them back. Absent
 * fields and empty lists mean "no restriction".
 */
import type { FailureKind } from './failure.js';

export interface NotifySettings {
  /** Only these clusters (names). Empty or absent: every cluster. */
  readonly includeClusters?: readonly string[];
  readonly excludeClusters?: readonly string[];
  /** Only tasks of these services (names, without `service:`). */
  readonly includeServices?: readonly string[];
  readonly excludeServices?: readonly string[];
  /** Only these task groups (`service:web`, `family:batch`). */
  readonly includeGroups?: readonly string[];
  readonly excludeGroups?: readonly string[];
  /** Only these failure kinds. Absent: every failure kind. */
  readonly failureKinds?: readonly FailureKind[];
  /** Also notify tasks that stopped without failing. */
  readonly notifyOnEveryStop?: boolean;
  /** Treat Spot interruptions as worth a notification. */
  readonly notifySpotInterruptions?: boolean;
  /** Treat tasks moved off a drained container instance (`host-drained`) as worth a notification. */
  readonly notifyHostDrains?: boolean;
}
