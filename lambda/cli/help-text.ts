/** The help of `tracer`: its usage line and `--help` text. */

/** The first line of `--help`, also printed after a usage error. */
export const USAGE_LINE = 'usage: tracer [flags] [CLUSTER [TASK] | TASK_ARN]   (tracer --help for more)';

export const HELP_TEXT = `tracer: the story of an Amazon ECS task, even weeks after ECS forgot it.

usage:
  tracer [flags]                  list the clusters
                                  (name, account, region and ARN of each, tab-separated)
  tracer [flags] CLUSTER          list the cluster's tasks, newest first (tab-separated);
                                  CLUSTER is a name or a cluster ARN
  tracer [flags] CLUSTER TASK     print the task's trace (TASK is a task id or ARN)
  tracer [flags] TASK_ARN         print the trace of the task this ARN names, in its cluster
  tracer mcp [flags]              serve the same data to AI assistants (Model Context Protocol)
  tracer ui [flags] [CLUSTER [TASK]]
                                  a task's timeline in the browser, on 127.0.0.1 (tracer ui --help)
  tracer import [flags]           backfill history from CloudWatch Logs, a file or ECS (tracer import --help)
  tracer migrate --table NAME     move history of the earlier table layout into task items (tracer migrate --help)

source (one of):
  --endpoint URL     the tracer API: https://ID.execute-api.REGION.amazonaws.com/prod is SigV4-signed,
                     http://127.0.0.1:PORT (local mode) is used unsigned; anything else is refused
  --sign-host HOST   also sign for this custom domain of the API (https only)
  --stack NAME       the tracer API of this CloudFormation stack (its ApiUrl output); a stack ARN is
                     looked up in its own region, whatever --region says
  --live             read ECS and CloudWatch Logs directly (tasks ECS still remembers)
  --profile NAME     AWS profile (default: AWS_PROFILE, then the standard credential chain)
  --region REGION    AWS region (default: AWS_REGION or the profile's region); also narrows the clusters

clusters (when accounts or regions share a cluster name, or give the cluster ARN instead):
  --account ID       only the clusters of this AWS account (12 digits)
  --region REGION    only the clusters of this region

follow:
  -f, --follow       CLUSTER TASK: print the trace, then each new line until the task stopped (exit 0, or
                     3 when it failed, the diagnosis last); CLUSTER: each task transition until Ctrl-C
  --interval D       time between polls (default 2s, 500ms to 5m)

trace:
  --duration D       log window around start and stop, Go-style: 30s, 5m, 1h (default 1m)
  --full             read the task's whole log instead of the two windows
  --tz ZONE          time zone of the timestamps (default: the local zone; UTC with --json)
  --sns TOPIC_ARN    also publish the trace to this SNS topic
  --json             print JSON (for jq) instead of text; times in --tz, epochMs unchanged

task list:
  --status STATUS    only tasks in this lastStatus (RUNNING, STOPPED, ...)
  --failed           only tasks whose stop tracer classified as a failure
  --since T --until T  created in this range: ISO 8601, or a duration ago (2h)
  --limit N          at most N tasks (default 100)
  --cursor C         the next page, as printed by the previous one

  --version, --help

Every flag can also be set as TRACER_<FLAG> (TRACER_ENDPOINT, TRACER_DURATION=30s, TRACER_FULL=true, ...);
a flag on the command line wins. Data goes to stdout, messages to stderr.
Exit codes: 0 ok, 1 error, 2 usage error, 3 the followed task failed, 130 interrupted (Ctrl-C).

examples:
  tracer --endpoint http://127.0.0.1:8787 default 9f654c76cde14c7c85cf54dce087658a
  tracer --stack Tracer prod --failed --since 24h
  tracer --stack Tracer -f prod 9f654c76cde14c7c85cf54dce087658a && echo migrated
  tracer --live default 9f654c76cde14c7c85cf54dce087658a --json | jq '.task.failure'
  tracer --stack Tracer --account 222233334444 prod
  tracer --stack Tracer arn:aws:ecs:us-west-2:222233334444:cluster/prod 9f654c76cde14c7c85cf54dce087658a
`;
