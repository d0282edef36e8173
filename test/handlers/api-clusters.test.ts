import type { APIGatewayProxyResult } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../lambda/config/logger.js';
import type { ClusterListResponse, TaskListResponse, TraceResponse } from '../../lambda/core/api-types.js';
import { type ApiDeps, type ApiRequestEvent, makeApiHandler } from '../../lambda/handlers/api.js';
import type { RecordedCluster } from '../../lambda/use-cases/ports.js';
import {
  FakeServiceEventSource,
  fixedClock,
  InMemoryServiceEventStore,
  InMemoryTaskDefinitionStore,
  InMemoryTaskHistory,
} from '../fakes/trace-ports.js';
import { testCursorSeal } from '../support/cursor-seal.js';
import { loadReferences, REFERENCE_TASK_IDS, referenceLogSource } from '../support/reference-fixtures.js';

const { serviceReplaced } = REFERENCE_TASK_IDS;
const fixtures = loadReferences();
const NOW = Math.max(...fixtures.map((f) => f.nowMs));
/** The reference tasks' cluster `default`: the stack's own account and region. */
const HOME = { account: '123456789012', region: 'ap-northeast-1' } as const;
const HOME_ARN = 'arn:aws:ecs:ap-northeast-1:123456789012:cluster/default';
/** Another account's cluster of the same name. */
const OTHER_ARN = 'arn:aws:ecs:us-west-2:222233334444:cluster/default';

/** A history that has recorded `default` in the home account and in account 222233334444. */
class TwoAccountsHistory extends InMemoryTaskHistory {
  listClustersCalls = 0;

  override async listClusters(): Promise<RecordedCluster[]> {
    this.listClustersCalls++;
    const own = await super.listClusters();
    return [
      ...own,
      {
        account: '222233334444',
        region: 'us-west-2',
        clusterName: 'default',
        clusterArn: OTHER_ARN,
        lastSeenAt: '2021-12-01T00:00:00.000Z',
      },
    ];
  }
}

function harness() {
  const history = new TwoAccountsHistory();
  for (const fixture of fixtures) history.recordEvents(fixture.events);
  const deps: ApiDeps = {
    history,
    taskDefinitions: new InMemoryTaskDefinitionStore(fixtures[0]?.taskDefinitions),
    serviceEvents: new InMemoryServiceEventStore(),
    serviceEventSource: new FakeServiceEventSource(fixtures.flatMap((f) => f.serviceEvents)),
    logs: referenceLogSource(fixtures),
    clock: fixedClock(NOW),
    retentionDays: 90,
    home: HOME,
    cursorSeal: testCursorSeal,
    logger: createLogger({ service: 'api' }, { write: () => {} }),
  };
  return { handler: makeApiHandler(deps), history };
}

function get(path: string, query: Record<string, string> = {}): ApiRequestEvent {
  return { httpMethod: 'GET', path, queryStringParameters: Object.keys(query).length > 0 ? query : null };
}

function json<T>(response: APIGatewayProxyResult): T {
  return JSON.parse(response.body) as T;
}

const enc = encodeURIComponent;

describe('GET /clusters across accounts', () => {
  it("lists two accounts' clusters of the same name apart, with account, region and ARN", async () => {
    // Act
    const response = await harness().handler(get('/clusters'));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(json<ClusterListResponse>(response).clusters).toEqual([
      {
        clusterName: 'default',
        account: '123456789012',
        region: 'ap-northeast-1',
        clusterArn: HOME_ARN,
        lastSeenAt: '2021-12-03T02:23:04.000Z',
      },
      {
        clusterName: 'default',
        account: '222233334444',
        region: 'us-west-2',
        clusterArn: OTHER_ARN,
        lastSeenAt: '2021-12-01T00:00:00.000Z',
      },
    ]);
  });

  it.each([
    [{ account: '222233334444' }, [OTHER_ARN]],
    [{ region: 'ap-northeast-1' }, [HOME_ARN]],
    [{ account: '222233334444', region: 'ap-northeast-1' }, []],
  ])('keeps the clusters of %o', async (query, arns) => {
    // Act
    const response = await harness().handler(get('/clusters', query));

    // Assess
    expect(json<ClusterListResponse>(response).clusters.map((c) => c.clusterArn)).toEqual(arns);
  });

  it('answers 400 for an account filter that is not an account id', async () => {
    // Act
    const response = await harness().handler(get('/clusters', { account: 'prod' }));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(json<{ error: { message: string } }>(response).error.message).toBe(
      'account: "prod" is not an AWS account id (12 digits)',
    );
  });
});

describe('a cluster name that two accounts carry', () => {
  it.each([
    ['the task list', '/clusters/default/tasks', {}],
    ['the task changes', '/clusters/default/tasks', { since: 'start' }],
    ['a task', `/clusters/default/tasks/${serviceReplaced}`, {}],
    ['a trace', `/clusters/default/tasks/${serviceReplaced}/trace`, {}],
  ])('answers 409 AmbiguousCluster listing the ARNs for %s', async (_, path, query) => {
    // Act
    const response = await harness().handler(get(path, query));

    // Assess
    expect(response.statusCode).toBe(409);
    expect(json(response)).toEqual({
      error: {
        code: 'AmbiguousCluster',
        message: `cluster default is ambiguous: 2 recorded clusters carry that name (${HOME_ARN}, ${OTHER_ARN}); give the cluster ARN, or the account and region`,
        clusterArns: [HOME_ARN, OTHER_ARN],
      },
    });
  });

  it('answers for the one cluster that the account or region filter leaves', async () => {
    // Act
    const byAccount = await harness().handler(get('/clusters/default/tasks', { account: '123456789012' }));
    const byRegion = await harness().handler(get('/clusters/default/tasks', { region: 'ap-northeast-1' }));

    // Assess
    expect(byAccount.statusCode).toBe(200);
    expect(json<TaskListResponse>(byAccount).tasks.length).toBeGreaterThan(0);
    expect(byRegion.body).toBe(byAccount.body);
  });

  it('traces by the URL-encoded cluster ARN without listing the clusters', async () => {
    // Prepare
    const { handler, history } = harness();

    // Act
    const response = await handler(
      get(`/clusters/${enc(HOME_ARN)}/tasks/${serviceReplaced}/trace`, { format: 'json' }),
    );

    // Assess
    expect(response.statusCode).toBe(200);
    expect(json<TraceResponse>(response).task.taskId).toBe(serviceReplaced);
    expect(history.listClustersCalls).toBe(0);
  });

  it("answers 400 for a page cursor of one account's cluster sent for the other's", async () => {
    // Prepare
    const { handler } = harness();
    const first = await handler(
      get(`/clusters/${enc(HOME_ARN)}/tasks/${serviceReplaced}/trace`, { format: 'json', limit: '2' }),
    );
    const cursor = json<TraceResponse>(first).nextCursor ?? '';

    // Act
    const same = await handler(
      get(`/clusters/${enc(HOME_ARN)}/tasks/${serviceReplaced}/trace`, { format: 'json', cursor }),
    );
    const other = await handler(
      get(`/clusters/${enc(OTHER_ARN)}/tasks/${serviceReplaced}/trace`, { format: 'json', cursor }),
    );

    // Assess
    expect(cursor).not.toBe('');
    expect(same.statusCode).toBe(200);
    expect(other.statusCode).toBe(400);
    expect(json<{ error: { message: string } }>(other).error.message).toMatch(
      /^cursor: not a cursor that tracer issued for this request/,
    );
  });

  it("answers 400 for a since cursor of one account's cluster sent for the other's", async () => {
    // Prepare
    const { handler } = harness();
    const path = (arn: string) => `/clusters/${enc(arn)}/tasks/${serviceReplaced}/trace`;
    const first = await handler(get(path(HOME_ARN), { format: 'json', since: 'start' }));
    const since = json<TraceResponse>(first).sinceCursor ?? '';

    // Act
    const same = await handler(get(path(HOME_ARN), { format: 'json', since }));
    const other = await handler(get(path(OTHER_ARN), { format: 'json', since }));

    // Assess
    expect(same.statusCode).toBe(200);
    expect(other.statusCode).toBe(400);
    expect(json<{ error: { message: string } }>(other).error.message).toMatch(
      /^since: ".*" is not a since cursor that tracer issued for this task/,
    );
  });

  it("answers 400 for the task changes' since cursor of one account's cluster sent for the other's", async () => {
    // Prepare
    const { handler } = harness();
    const first = await handler(get(`/clusters/${enc(HOME_ARN)}/tasks`, { since: 'start' }));
    const since = json<TaskListResponse>(first).sinceCursor ?? '';

    // Act
    const same = await handler(get(`/clusters/${enc(HOME_ARN)}/tasks`, { since }));
    const other = await handler(get(`/clusters/${enc(OTHER_ARN)}/tasks`, { since }));

    // Assess
    expect(since).toMatch(/^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/);
    expect(same.statusCode).toBe(200);
    expect(other.statusCode).toBe(400);
    expect(json<{ error: { message: string } }>(other).error.message).toMatch(
      /^since: ".*" is not a since cursor that tracer issued for this cluster/,
    );
  });
});
