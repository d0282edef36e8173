/**
 * The notifier's settings, passed from the stack to the function as JSON in one environment variable
 * (EnvName.NOTIFY_FILTERS), so the construct and the handler share one shape. The shape itself lives in
 * core (core/notify-settings.ts); this file validates JSON against it.
 */
import * as v from 'valibot';
import { FAILURE_KINDS } from '../core/failure.js';
import type { NotifySettings } from '../core/notify-settings.js';
import { describeIssues, safeParse } from '../core/validation.js';

export type { NotifySettings } from '../core/notify-settings.js';

export const notifySettingsSchema = v.object({
  /** Only these clusters (names). Empty or absent: every cluster. */
  includeClusters: v.optional(v.array(v.string())),
  excludeClusters: v.optional(v.array(v.string())),
  /** Only tasks of these services (names, without `service:`). */
  includeServices: v.optional(v.array(v.string())),
  excludeServices: v.optional(v.array(v.string())),
  /** Only these task groups (`service:web`, `family:batch`). */
  includeGroups: v.optional(v.array(v.string())),
  excludeGroups: v.optional(v.array(v.string())),
  /** Only these failure kinds. Absent: every failure kind. */
  failureKinds: v.optional(v.array(v.picklist(FAILURE_KINDS))),
  /** Also notify tasks that stopped without failing. */
  notifyOnEveryStop: v.optional(v.boolean()),
  /** Treat Spot interruptions as worth a notification. */
  notifySpotInterruptions: v.optional(v.boolean()),
  /** Treat tasks moved off a drained container instance as worth a notification. */
  notifyHostDrains: v.optional(v.boolean()),
});

type ParsedSettings = v.InferOutput<typeof notifySettingsSchema>;
/** The core type with its read-only arrays made mutable, to compare it with what the schema infers. */
type MutableSettings = {
  -readonly [K in keyof NotifySettings]: NotifySettings[K] extends readonly (infer E)[] | undefined
    ? E[] | undefined
    : NotifySettings[K];
};
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
type MutuallyAssignable<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// Stops the build when the schema and the core type drift apart: a field added, removed or retyped on one side.
const schemaMatchesCoreType: SameKeys<ParsedSettings, NotifySettings> &
  MutuallyAssignable<ParsedSettings, MutableSettings> = true;
void schemaMatchesCoreType;

/**
 * Parses the settings JSON, with an error that names the bad field.
 * @example parseNotifySettings('{"excludeClusters":["dev"]}').excludeClusters
 */
export function parseNotifySettings(json: string | undefined): NotifySettings {
  if (json === undefined || json.trim() === '') return {};
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (cause) {
    throw new Error(`notifier settings are not valid JSON: ${json.slice(0, 200)}`, { cause });
  }
  const parsed = safeParse(notifySettingsSchema, raw);
  if (!parsed.success)
    throw new Error(`notifier settings: ${describeIssues(parsed.issues, 1, '', '(settings)')}`);
  return parsed.output;
}
