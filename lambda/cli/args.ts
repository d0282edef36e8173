/**
 * The command line of `tracer`: the command that the positional arguments select, over the flags
 * (flags.ts) and the help (help-text.ts).
 */
import { parseTaskArn, taskOfArn } from '../core/arn.js';
import { type ClusterRef, clusterArn } from '../core/cluster-id.js';
import { parseClusterRef, parseTask } from '../core/request/params.js';
import {
  type CliOptions,
  type ParseContext,
  parseFlags,
  readArgs,
  rephrase,
  UsageError,
  usage,
} from './flags.js';

export {
  type CliOptions,
  DEFAULT_INTERVAL_MS,
  DEFAULT_TASK_LIMIT,
  envNameOf,
  findSubcommand,
  MAX_INTERVAL_MS,
  MIN_INTERVAL_MS,
  type ParseContext,
  type ParsedFlags,
  parseFlags,
  type SourceOptions,
  type SourceSelection,
  UsageError,
} from './flags.js';
export { HELP_TEXT, USAGE_LINE } from './help-text.js';

export type CliCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'clusters'; readonly options: CliOptions }
  | { readonly kind: 'tasks'; readonly cluster: ClusterRef; readonly options: CliOptions }
  | {
      readonly kind: 'trace';
      readonly cluster: ClusterRef;
      readonly task: string;
      readonly options: CliOptions;
    };

/**
 * Parses a whole `tracer` command line into the command to run.
 * @throws UsageError for unknown flags, bad values or too many arguments.
 * @example parseCliArgs(['default', '9f654c76cde14c7c85cf54dce087658a'], context).kind === 'trace'
 */
export function parseCliArgs(argv: readonly string[], context: ParseContext): CliCommand {
  // --help and --version answer before any value is checked: they work with a broken environment, and
  // they skip the time-zone lookup, which costs more than everything else at start-up.
  const raw = readArgs(argv);
  if (raw.values.help === true) return { kind: 'help' };
  if (raw.values.version === true) return { kind: 'version' };
  const { options, positionals } = parseFlags(argv, context);
  if (positionals.length > 2) {
    throw new UsageError(`too many arguments: ${positionals.slice(2).join(' ')}`);
  }
  const [clusterArg, taskArg] = positionals;
  if (clusterArg === undefined) {
    if (options.snsTopicArn) throw new UsageError('--sns needs CLUSTER and TASK');
    if (options.follow) throw new UsageError('--follow needs CLUSTER (its task changes) or CLUSTER TASK');
    return { kind: 'clusters', options };
  }
  // A task ARN alone names its cluster too: `tracer arn:aws:ecs:...:task/prod/9f65...`.
  const arnTask = taskArg === undefined ? rephrase('TASK_ARN', () => taskOfArn(clusterArg)) : undefined;
  const parts = arnTask ? parseTaskArn(clusterArg.trim()) : undefined;
  const cluster = usage(() =>
    parseClusterRef(
      arnTask && parts
        ? clusterArn({ account: parts.account, region: parts.region, name: arnTask.cluster })
        : clusterArg,
      { account: options.account, region: options.region },
      { cluster: arnTask ? 'TASK_ARN' : 'CLUSTER', account: '--account', region: '--region' },
    ),
  );
  // ECS answers for one region: a cluster ARN of another region is read there.
  const named =
    options.selection.kind === 'live' && cluster.region !== undefined && options.region === undefined
      ? { ...options, region: cluster.region }
      : options;
  if (arnTask) return { kind: 'trace', cluster, task: arnTask.taskId, options: named };
  if (taskArg === undefined) {
    if (options.snsTopicArn) throw new UsageError('--sns needs CLUSTER and TASK');
    return { kind: 'tasks', cluster, options: named };
  }
  const task = usage(() => parseTask(taskArg, cluster, 'TASK'));
  return { kind: 'trace', cluster, task, options: named };
}
