import { describe, expect, it } from 'vitest';
import { arnToName, parseTaskArn, serviceOfGroup, taskOfArn } from '../../lambda/core/arn.js';
import { InvalidInputError } from '../../lambda/core/errors.js';

describe('parseTaskArn', () => {
  it.each([
    [
      'arn:aws:ecs:eu-west-1:0123456789:task/Features/33a7f27282624543abd4a00c3e84d0ee',
      { cluster: 'Features', taskId: '33a7f27282624543abd4a00c3e84d0ee', region: 'eu-west-1' },
    ],
    [
      'arn:aws:ecs:us-east-1:000000000000:task/037d58fc-e5f6-4e95-ac1f-3ce533bb2abb',
      { cluster: undefined, taskId: '037d58fc-e5f6-4e95-ac1f-3ce533bb2abb', region: 'us-east-1' },
    ],
  ])('parses %s', (arn, expected) => {
    const parts = parseTaskArn(arn);
    expect(parts?.cluster).toBe(expected.cluster);
    expect(parts?.taskId).toBe(expected.taskId);
    expect(parts?.region).toBe(expected.region);
  });

  it('returns undefined for something that is not a task ARN', () => {
    expect(parseTaskArn('arn:aws:ecs:us-east-1:1:cluster/default')).toBeUndefined();
  });
});

describe('serviceOfGroup and arnToName', () => {
  it('reads service names from groups', () => {
    expect(serviceOfGroup('service:web')).toBe('web');
    expect(serviceOfGroup('family:web')).toBeUndefined();
    expect(arnToName('arn:aws:ecs:us-east-1:1:task-definition/web:3')).toBe('web:3');
  });
});

describe('taskOfArn', () => {
  it.each([
    ['arn:aws:ecs:us-east-1:123456789012:task/prod/9f654c76cde14c7c85cf54dce087658a', 'prod'],
    [' arn:aws-us-gov:ecs:us-gov-west-1:123456789012:task/batch_jobs/abc-123 ', 'batch_jobs'],
  ])('reads the cluster and task of %s', (arn, cluster) => {
    expect(taskOfArn(arn)).toEqual({ cluster, taskId: arn.trim().slice(arn.trim().lastIndexOf('/') + 1) });
  });

  it.each(['default', 'arn:aws:ecs:us-east-1:123456789012:cluster/prod', '9f654c76cde14c7c85cf54dce087658a'])(
    'says %s is no task ARN',
    (text) => {
      expect(taskOfArn(text)).toBeUndefined();
    },
  );

  it('rejects an old-format task ARN, which names no cluster', () => {
    expect(() =>
      taskOfArn('arn:aws:ecs:us-east-1:123456789012:task/9f654c76cde14c7c85cf54dce087658a'),
    ).toThrow(
      new InvalidInputError(
        'the task ARN arn:aws:ecs:us-east-1:123456789012:task/9f654c76cde14c7c85cf54dce087658a is in the old format, which names no cluster; give the cluster too: tracer CLUSTER arn:aws:ecs:us-east-1:123456789012:task/9f654c76cde14c7c85cf54dce087658a',
      ),
    );
  });
});
