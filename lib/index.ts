/** tracer as a CDK library: add `Tracer` to your own app, or compose the feature constructs yourself. */

export { AlarmThresholds } from './constructs/alarms.js';
export { BundledFunction, type BundledFunctionProps } from './constructs/bundled-function.js';
export { ClusterScope } from './constructs/ecs-clusters.js';
export { EventForwarder, type EventForwarderProps } from './constructs/event-forwarder.js';
export {
  type FailureKind,
  FailureNotifier,
  type FailureNotifierProps,
  type NotificationFilters,
  type NotificationFormat,
  type NotificationProps,
} from './constructs/failure-notifier.js';
export type { LogReadScope } from './constructs/grants.js';
export { OrganizationBus, type OrganizationBusProps } from './constructs/organization-bus.js';
export {
  CENTRAL_BUS_NAME,
  CENTRAL_READERS,
  centralRoleName,
  DEFAULT_READ_ROLE_PREFIX,
  FORWARDED_DETAIL_TYPES,
  FORWARDED_SOURCES,
  readRoleName,
} from './constructs/organization-names.js';
export { grantAssumeSourceReadRoles, type SourceReadScope } from './constructs/source-read-access.js';
export { SOURCE_ECS_READS, SourceReadRole, type SourceReadRoleProps } from './constructs/source-read-role.js';
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
export {
  alarmTopicArnFromContext,
  CONTEXT_KEYS,
  type SourcePlan,
  type SourceStackPlan,
  sourcePlanFromContext,
  tracerPropsFromContext,
} from './stack-context.js';
export { Tracer, type TracerLogLevel, type TracerProps } from './tracer.js';
export { addTracerStacks, type TracerStacks } from './tracer-app.js';
export { TracerSource, type TracerSourceProps } from './tracer-source.js';
export { TracerSourceStack, type TracerSourceStackProps } from './tracer-source-stack.js';
export { TracerStack, type TracerStackProps } from './tracer-stack.js';
