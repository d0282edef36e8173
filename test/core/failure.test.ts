import { describe, expect, it } from 'vitest';
import { classifyFailure, exitCodeMeaning, FAILURE_KINDS } from '../../lambda/core/failure.js';
import type { TaskDefinitionInfo, TaskSummary } from '../../lambda/core/model.js';
import { loadSummary } from '../support/notify-fixtures.js';

interface Expectation {
  readonly fixture: string;
  readonly failed: boolean;
  readonly kind: string;
  readonly container?: string;
  readonly exitCode?: number;
  readonly diagnosis: RegExp;
  readonly hint?: RegExp;
}

const CASES: readonly Expectation[] = [
  {
    fixture: 'failure-image-pull.json',
    failed: true,
    kind: 'image-pull',
    container: 'nginx',
    diagnosis: /^Image pull failed: ECS could not pull docker\.io\/library\/ngin:latest for container nginx;/,
    hint: /execution role.*ecr:BatchGetImage/,
  },
  {
    fixture: 'failure-resource-initialization.json',
    failed: true,
    kind: 'resource-initialization',
    diagnosis: /could not read its secrets or registry credentials/,
    hint: /Secrets Manager/,
  },
  {
    fixture: 'failure-oom.json',
    failed: true,
    kind: 'out-of-memory',
    container: 'app',
    exitCode: 137,
    diagnosis: /^Out of memory: container app was killed .*\(exit code 137\)\.$/,
    hint: /memory/,
  },
  {
    fixture: 'failure-container-health-check.json',
    failed: true,
    kind: 'container-health-check',
    container: 'app',
    diagnosis: /container app was UNHEALTHY/,
    hint: /healthCheck/,
  },
  {
    fixture: 'failure-elb-health-check.json',
    failed: true,
    kind: 'elb-health-check',
    diagnosis: /target group example-api-v1 marked the task unhealthy/,
    hint: /healthCheckGracePeriodSeconds/,
  },
  {
    fixture: 'failure-essential-exit.json',
    failed: true,
    kind: 'essential-container-exited',
    container: 'app',
    exitCode: 2,
    diagnosis: /^Essential container app exited with code 2 \(a bad argument/,
    hint: /last log lines of app/,
  },
  {
    fixture: 'failure-task-failed-to-start.json',
    failed: true,
    kind: 'task-failed-to-start',
    container: 'app',
    diagnosis: /^The task failed to start: CannotStartContainerError: .*\/app\/server/,
    hint: /command and entryPoint/,
  },
  {
    fixture: 'failure-new-stop-code.json',
    failed: true,
    kind: 'other',
    diagnosis: /infrastructure it ran on was unhealthy \(InfrastructureHealth\)/,
  },
  {
    fixture: 'failure-spot-interruption.json',
    failed: false,
    kind: 'spot-interruption',
    diagnosis: /^Spot interruption/,
  },
  {
    fixture: 'failure-user-stop.json',
    failed: false,
    kind: 'not-failed',
    diagnosis: /^Stopped by a user or an API call \(UserInitiated\): Request stop task by user action\.$/,
  },
  {
    fixture: 'failure-user-stop-ec2.json',
    failed: false,
    kind: 'not-failed',
    diagnosis: /UserInitiated/,
  },
  {
    fixture: 'failure-scale-in.json',
    failed: false,
    kind: 'not-failed',
    diagnosis: /^Stopped by the service scheduler \(ServiceSchedulerInitiated\): Scaling activity/,
  },
  {
    fixture: 'failure-deployment.json',
    failed: false,
    kind: 'not-failed',
    diagnosis: /\(deployment ecs-svc\/8709920613704280865\)/,
  },
  {
    fixture: 'failure-legacy-no-stop-code.json',
    failed: false,
    kind: 'not-failed',
    diagnosis: /Essential container in task exited/,
  },
];

function withChanges(summary: TaskSummary, changes: Partial<TaskSummary>): TaskSummary {
  return { ...structuredClone(summary), ...changes };
}

describe('classifyFailure', () => {
  it.each(CASES)('classifies $fixture as $kind', (expected) => {
    // Prepare
    const summary = loadSummary(expected.fixture);

    // Act
    const result = classifyFailure(summary);

    // Assess
    expect(result).toBeDefined();
    expect(result?.failed).toBe(expected.failed);
    expect(result?.kind).toBe(expected.kind);
    expect(result?.diagnosis).toMatch(expected.diagnosis);
    expect(result?.diagnosis).not.toMatch(/\n/);
    if (expected.hint) expect(result?.hint).toMatch(expected.hint);
    if (result?.failed) {
      expect(result.container).toBe(expected.container);
      expect(result.exitCode).toBe(expected.exitCode);
      expect(result.hint.length).toBeGreaterThan(0);
    }
  });

  it.each(CASES)('keeps the stop code of $fixture in the classification', ({ fixture }) => {
    const summary = loadSummary(fixture);

    const result = classifyFailure(summary);

    expect(result?.stopCode).toBe(summary.stopCode);
  });

  it('names the image and the ECS error of a failed pull', () => {
    const summary = loadSummary('failure-image-pull.json');

    const result = classifyFailure(summary);

    expect(result).toMatchObject({
      image: 'docker.io/library/ngin:latest',
      errorName: 'CannotPullContainerError',
    });
  });

  it('names the target group whose health checks failed', () => {
    const summary = loadSummary('failure-elb-health-check.json');

    const result = classifyFailure(summary);

    expect(result).toMatchObject({
      targetGroupArn:
        'arn:aws:elasticloadbalancing:eu-central-1:111111111111:targetgroup/example-api-v1/6a301850702273d9',
    });
  });

  it('returns undefined while the task has not stopped', () => {
    const summary = withChanges(loadSummary('failure-essential-exit.json'), {
      lastStatus: 'DEACTIVATING',
    });

    expect(classifyFailure(summary)).toBeUndefined();
  });

  it('finds a pull failure that only the task-level reason reports, on EC2', () => {
    const base = loadSummary('failure-image-pull.json');
    const summary = withChanges(base, {
      containers: base.containers.map((c) => ({ name: c.name, image: 'ngin:latest', lastStatus: 'STOPPED' })),
      stoppedReason:
        'CannotPullContainerError: Error response from daemon: manifest for 123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/web:v2 not found: manifest unknown',
    });

    const result = classifyFailure(summary);

    expect(result).toMatchObject({
      kind: 'image-pull',
      image: '123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/web:v2',
      container: 'nginx',
    });
    expect(result?.diagnosis).toMatch(/repository or tag does not exist/);
  });

  it.each([
    ['dial tcp 52.119.1.1:443: i/o timeout', /could not be reached/, /VPC endpoints ecr\.api/],
    ['toomanyrequests: You have reached your pull rate limit', /pull rate limit/, /pull-through cache/],
    ['no basic auth credentials', /denied access/, /execution role/],
  ])('explains a pull failure caused by "%s"', (detail, diagnosis, hint) => {
    const summary = withChanges(loadSummary('failure-image-pull.json'), {
      stoppedReason: `CannotPullContainerError: ${detail}`,
      containers: [{ name: 'nginx', image: 'ngin:latest', lastStatus: 'STOPPED' }],
    });

    const result = classifyFailure(summary);

    expect(result?.diagnosis).toMatch(diagnosis);
    expect(result?.hint).toMatch(hint);
  });

  it.each([
    [
      'failed to validate logger args: The specified log group does not exist.',
      /log driver/,
      /log group exists/,
    ],
    ['failed to invoke EFS utils commands to set up EFS volumes', /mount a volume/, /EFS/],
    ['unable to get ENI: dial tcp 10.0.0.1:443: i/o timeout', /reach AWS endpoints/, /DNS resolution/],
  ])('explains a resource initialization failure caused by "%s"', (detail, diagnosis, hint) => {
    const summary = withChanges(loadSummary('failure-resource-initialization.json'), {
      stoppedReason: `ResourceInitializationError: ${detail}`,
    });

    const result = classifyFailure(summary);

    expect(result?.kind).toBe('resource-initialization');
    expect(result?.diagnosis).toMatch(diagnosis);
    expect(result?.hint).toMatch(hint);
  });

  it('reports a container that a deployment had to SIGKILL after its stop timeout', () => {
    const base = loadSummary('failure-deployment.json');
    const summary = withChanges(base, {
      containers: base.containers.map((c) => ({ ...c, exitCode: 137 })),
    });

    const result = classifyFailure(summary);

    expect(result).toMatchObject({ failed: true, kind: 'essential-container-exited', exitCode: 137 });
    expect(result?.diagnosis).toMatch(/did not exit within its stop timeout after the service scheduler/);
    expect(result?.hint).toMatch(/SIGTERM/);
  });

  it('treats exit code 143 on a user stop as the SIGTERM that ECS sent', () => {
    const base = loadSummary('failure-user-stop.json');
    const summary = withChanges(base, {
      containers: base.containers.map((c) => ({ ...c, exitCode: 143 })),
    });

    expect(classifyFailure(summary)?.failed).toBe(false);
  });

  it('reports a container that crashed while a user stopped the task', () => {
    const base = loadSummary('failure-user-stop.json');
    const summary = withChanges(base, {
      containers: base.containers.map((c) => ({ ...c, exitCode: 1 })),
    });

    const result = classifyFailure(summary);

    expect(result).toMatchObject({ failed: true, kind: 'essential-container-exited', container: 'nginx' });
    expect(result?.diagnosis).toMatch(/exited with code 1 .* while a user or an API call stopped it/);
  });

  it("reports a service's essential container that exited 0 on its own", () => {
    const base = loadSummary('failure-essential-exit.json');
    const summary = withChanges(base, {
      containers: base.containers.map((c) => ({ ...c, exitCode: 0 })),
    });

    const result = classifyFailure(summary);

    expect(result).toMatchObject({ failed: true, kind: 'essential-container-exited', exitCode: 0 });
    expect(result?.diagnosis).toMatch(/meant to keep running/);
  });

  it('treats a standalone task whose essential containers exited 0 as finished', () => {
    const base = loadSummary('failure-essential-exit.json');
    const summary = withChanges(base, {
      group: 'family:batch',
      containers: base.containers.map((c) => ({ ...c, exitCode: 0 })),
    });

    const result = classifyFailure(summary);

    expect(result).toMatchObject({ failed: false, kind: 'not-failed' });
    expect(result?.diagnosis).toBe('The task finished: its essential containers exited with code 0.');
  });

  it('ignores a non-essential container that the task definition marks as such', () => {
    const base = loadSummary('failure-essential-exit.json');
    const summary = withChanges(base, {
      group: 'family:batch',
      containers: base.containers.map((c) =>
        c.name === 'app' ? { ...c, exitCode: 0 } : { ...c, exitCode: 1 },
      ),
    });
    const taskDefinition: TaskDefinitionInfo = {
      status: 'described',
      taskDefinitionArn: base.taskDefinitionArn ?? '',
      describedAt: '2020-03-16T15:37:05.000Z',
      containers: [
        { containerName: 'app', essential: true },
        { containerName: 'envoy', essential: false },
      ],
    };

    expect(classifyFailure(summary)?.failed).toBe(true);
    expect(classifyFailure(summary, taskDefinition)).toMatchObject({ failed: false, kind: 'not-failed' });
  });

  it('reports an essential container killed by a signal that ECS did not send', () => {
    const base = loadSummary('failure-essential-exit.json');
    const summary = withChanges(base, {
      containers: base.containers.map((c) => ({ ...c, exitCode: 137 })),
    });

    const result = classifyFailure(summary);

    expect(result).toMatchObject({ failed: true, kind: 'essential-container-exited', exitCode: 137 });
    expect(result?.diagnosis).toMatch(/without ECS asking it to stop/);
  });

  it('reports a stop code that ECS added after tracer was written', () => {
    const summary = withChanges(loadSummary('failure-scale-in.json'), {
      stopCode: 'CapacityRebalance',
      stoppedReason: 'Task stopped to rebalance capacity',
    });

    const result = classifyFailure(summary);

    expect(result).toMatchObject({ failed: true, kind: 'other', stopCode: 'CapacityRebalance' });
    expect(result?.diagnosis).toBe(
      'The task stopped with stop code CapacityRebalance: Task stopped to rebalance capacity',
    );
  });

  it('reports a task without a stop code whose reason is not a normal stop', () => {
    const summary = withChanges(loadSummary('failure-legacy-no-stop-code.json'), {
      stoppedReason: 'The database went away.',
      containers: [{ name: 'example-ecs-events', lastStatus: 'STOPPED' }],
    });

    const result = classifyFailure(summary);

    expect(result).toMatchObject({ failed: true, kind: 'other' });
    expect(result?.diagnosis).toMatch(/database went away/);
  });

  it('keeps a long reason on one bounded line', () => {
    const summary = withChanges(loadSummary('failure-task-failed-to-start.json'), {
      containers: [
        { name: 'app', lastStatus: 'STOPPED', reason: `CannotStartContainerError: ${'x\n'.repeat(2000)}` },
      ],
    });

    const result = classifyFailure(summary);

    expect(result?.diagnosis).not.toMatch(/\n/);
    expect(result?.diagnosis.length).toBeLessThan(400);
    expect(result?.diagnosis.endsWith('...')).toBe(true);
  });

  it('classifies every kind it returns as a known failure kind', () => {
    const kinds = CASES.map(({ fixture }) => classifyFailure(loadSummary(fixture))?.kind);

    for (const kind of kinds) {
      expect([...FAILURE_KINDS, 'not-failed']).toContain(kind);
    }
  });
});

describe('exitCodeMeaning', () => {
  it.each([
    [137, /SIGKILL/],
    [139, /segmentation fault/],
    [143, /SIGTERM/],
    [136, /signal 8/],
  ])('explains exit code %i', (exitCode, meaning) => {
    expect(exitCodeMeaning(exitCode)).toMatch(meaning);
  });

  it('says nothing about an exit code without a common meaning', () => {
    expect(exitCodeMeaning(42)).toBeUndefined();
  });
});
