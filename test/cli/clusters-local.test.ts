/**
 * Two accounts' clusters of the same name, end to end: local mode records the same Fargate task's events
 * from account 111122223333 (us-west-2) and, renamed, from account 222233334444 (ap-northeast-1); `tracer`
 * lists both clusters apart, refuses the bare name with their ARNs, and traces each by ARN or by --account.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../lambda/local/local-server.js';
import { type SeededLocalServer, startSeededLocalServer } from '../local/local-harness.js';
import { FARGATE_SAMPLE_TASK_DEFINITION, loadEvent } from '../support/fixtures.js';
import { runTracer } from './run-cli.js';

const CLUSTER = 'FargateCluster';
const TASK_A = 'c13b4cb40f1f4fe4a2971f76ae5a47ad';
const TASK_B = 'b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2';
const ARN_A = 'arn:aws:ecs:us-west-2:111122223333:cluster/FargateCluster';
const ARN_B = 'arn:aws:ecs:ap-northeast-1:222233334444:cluster/FargateCluster';
const EVENT_NAMES = [
  'lifecycle-fargate-1-provisioning',
  'lifecycle-fargate-2-pending',
  'lifecycle-fargate-3-pending',
  'lifecycle-fargate-4-running',
];

/** The same JSON as recorded in account B: its account, region and task id. */
function inAccountB<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value)
      .replaceAll('111122223333', '222233334444')
      .replaceAll('us-west-2', 'ap-northeast-1')
      .replaceAll(TASK_A, TASK_B),
  ) as T;
}

describe("tracer with two accounts' clusters of the same name", () => {
  let local: SeededLocalServer;
  let server: LocalServer;

  beforeAll(async () => {
    const events = EVENT_NAMES.map((name) => loadEvent(name));
    local = await startSeededLocalServer({
      taskDefinitions: [FARGATE_SAMPLE_TASK_DEFINITION, inAccountB(FARGATE_SAMPLE_TASK_DEFINITION)],
      events: [...events, ...events.map(inAccountB)],
    });
    server = local.server;
  }, 60_000);

  afterAll(async () => {
    await local?.close();
  });

  it('lists both clusters apart, with account, region and ARN', async () => {
    // Act
    const run = await runTracer(['--endpoint', server.url]);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n').filter(Boolean).sort()).toEqual([
      `${CLUSTER}\t111122223333\tus-west-2\t${ARN_A}`,
      `${CLUSTER}\t222233334444\tap-northeast-1\t${ARN_B}`,
    ]);
  }, 60_000);

  it('refuses the bare name with both ARNs and a hint, exit 1', async () => {
    // Act
    const run = await runTracer(['--endpoint', server.url, CLUSTER]);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `tracer: cluster ${CLUSTER} is ambiguous: 2 recorded clusters carry that name; give the cluster ARN, or narrow it with --account and --region\n` +
        `  ${ARN_B}\n  ${ARN_A}\n`,
    );
  }, 60_000);

  it("lists each account's tasks by --account or by the cluster ARN", async () => {
    // Act
    const byAccount = await runTracer(['--endpoint', server.url, '--account', '222233334444', CLUSTER]);
    const byArn = await runTracer(['--endpoint', server.url, ARN_A]);

    // Assess
    expect(byAccount.code).toBe(0);
    expect(byAccount.stdout.split('\t')[0]).toBe(TASK_B);
    expect(byArn.code).toBe(0);
    expect(byArn.stdout.split('\t')[0]).toBe(TASK_A);
  }, 60_000);

  it('traces each task by the cluster ARN, by --account, and by its task ARN alone', async () => {
    // Act
    const byArn = await runTracer(['--endpoint', server.url, '--tz', 'UTC', ARN_B, TASK_B]);
    const byAccount = await runTracer([
      '--endpoint',
      server.url,
      '--tz',
      'UTC',
      '--account',
      '111122223333',
      CLUSTER,
      TASK_A,
    ]);
    const byTaskArn = await runTracer([
      '--endpoint',
      server.url,
      '--tz',
      'UTC',
      `arn:aws:ecs:ap-northeast-1:222233334444:task/${CLUSTER}/${TASK_B}`,
    ]);

    // Assess
    expect(byArn.code).toBe(0);
    expect(byArn.stdout).toContain('\tTASK\t');
    expect(byAccount.code).toBe(0);
    expect(byAccount.stdout).toContain('\tTASK\t');
    expect(byTaskArn.stdout).toBe(byArn.stdout);
  }, 60_000);

  it("does not find one account's task in the other account's cluster", async () => {
    // Act
    const run = await runTracer(['--endpoint', server.url, '--account', '222233334444', CLUSTER, TASK_A]);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^tracer: task ${TASK_A} not found`));
  }, 60_000);
});
