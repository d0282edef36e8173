/** What local mode prints when it is ready: where it runs, what it holds, and how to ask it. */
import { isAbsolute, relative } from 'node:path';
import type { LocalServer } from './local-server.js';
import { SAMPLE_CLUSTER, SAMPLE_TASK_ID } from './samples.js';

/**
 * The start-up banner. Its first line names the URL, so that scripts can read it.
 * @example process.stdout.write(banner(server));
 */
export function banner(
  server: Pick<LocalServer, 'url' | 'dataDir' | 'aws' | 'samples'>,
  cwd: string = process.cwd(),
): string {
  const { url } = server;
  const fromCwd = relative(cwd, server.dataDir);
  const shownDir =
    fromCwd === '' ? '.' : fromCwd.startsWith('..') || isAbsolute(fromCwd) ? server.dataDir : fromCwd;
  const logs = server.aws.used
    ? `local streams first, then CloudWatch Logs (${server.aws.detection.configured ? server.aws.detection.via : 'TRACER_LOCAL_AWS=on'})`
    : `local log store only (${server.aws.detection.configured ? 'TRACER_LOCAL_AWS=off' : server.aws.detection.reason})`;
  const samples =
    server.samples === 'off'
      ? 'not loaded (TRACER_LOCAL_SAMPLES=off)'
      : `3 sample incidents in cluster ${SAMPLE_CLUSTER}${server.samples === 'loaded' ? ', just loaded' : ''}`;
  const trace = `${url}/clusters/${SAMPLE_CLUSTER}/tasks/${SAMPLE_TASK_ID}/trace`;
  return `tracer is running locally on ${url}
  data     ${shownDir}  (delete it to start afresh)
  logs     ${logs}
  samples  ${samples}
  page     ${url}/ui/clusters/${SAMPLE_CLUSTER}/tasks/${SAMPLE_TASK_ID}

Ask it, from another terminal:
  export TRACER_ENDPOINT=${url}
  npx tracer ${SAMPLE_CLUSTER} ${SAMPLE_TASK_ID}
  npx tracer ${SAMPLE_CLUSTER}
  curl '${trace}?tz=Asia/Tokyo'
  curl '${trace}?format=json'

Feed it:
  curl -H 'content-type: application/json' --data-binary @samples/events.jsonl ${url}/events
      EventBridge events (one, an array, or JSON Lines); sending one again changes nothing
  curl -H 'content-type: application/json' -d '{"logGroup":"/ecs/web","logStream":"ecs/web/TASK_ID","events":[{"timestamp":1700000000000,"message":"hello"}]}' ${url}/logs
  curl -H 'content-type: application/json' --data-binary @task-definition.json ${url}/task-definitions
      the output of aws ecs describe-task-definition, so that traces find the containers' logs
  npx tracer import --endpoint ${url} --file events.json
      history from a file, a CloudWatch Logs group (--log-group) or ECS (--ecs --cluster)

Press Ctrl-C to stop.
`;
}
