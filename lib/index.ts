/** tracer as a CDK library: add `Tracer` to your own app, or compose the feature constructs yourself. */

export { AlarmThresholds } from './constructs/alarms.js';
export { BundledFunction, type BundledFunctionProps } from './constructs/bundled-function.js';
export { ClusterScope } from './constructs/ecs-clusters.js';
export {
  type FailureKind,
  FailureNotifier,
  type FailureNotifierProps,
  type NotificationFilters,
  type NotificationFormat,
  type NotificationProps,
} from './constructs/failure-notifier.js';
export type { LogReadScope } from './constructs/grants.js';
export {
  RECORDER_DEFAULT_MAX_CONCURRENCY,
  TaskStateRecorder,
  type TaskStateRecorderProps,
} from './constructs/task-state-recorder.js';
export {
  type ApiAuthorization,
  type ApiThrottling,
  type GrantInvokeOptions,
  TraceApi,
  type TraceApiProps,
} from './constructs/trace-api.js';
export { TracerTable, type TracerTableProps } from './constructs/tracer-table.js';
export { alarmTopicArnFromContext, CONTEXT_KEYS, tracerPropsFromContext } from './stack-context.js';
export { Tracer, type TracerLogLevel, type TracerProps } from './tracer.js';
export { TracerStack, type TracerStackProps } from './tracer-stack.js';
