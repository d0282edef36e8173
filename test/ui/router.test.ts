import { describe, expect, it } from 'vitest';
import { clusterLabel, routeOf, taskHref, tasksHref } from '../../lambda/ui/app/router.js';

const ARN = 'arn:aws:ecs:us-west-2:222233334444:cluster/prod';

describe("the page's cluster addresses", () => {
  it('links a cluster ARN as one encoded segment, and reads it back whole', () => {
    const href = taskHref(ARN, 'abc123');

    expect(href).toBe(
      '/ui/clusters/arn%3Aaws%3Aecs%3Aus-west-2%3A222233334444%3Acluster%2Fprod/tasks/abc123',
    );
    expect(routeOf(href)).toEqual({ page: 'task', cluster: ARN, task: 'abc123' });
    expect(routeOf(tasksHref(ARN))).toEqual({ page: 'tasks', cluster: ARN });
  });

  it.each([
    [ARN, 'prod (222233334444 us-west-2)'],
    ['arn:aws-cn:ecs:cn-north-1:123456789012:cluster/batch_jobs', 'batch_jobs (123456789012 cn-north-1)'],
    ['prod', 'prod'],
    ['arn:aws:ecs:us-west-2:222233334444:task/prod/abc', 'arn:aws:ecs:us-west-2:222233334444:task/prod/abc'],
  ])('names %s as %s', (cluster, label) => {
    expect(clusterLabel(cluster)).toBe(label);
  });
});
