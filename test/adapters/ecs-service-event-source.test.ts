import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EcsServiceEventSource } from '../../lambda/adapters/ecs/ecs-service-event-source.js';
import { MAX_REASON_CHARS } from '../../lambda/core/text.js';

const ecs = mockClient(ECSClient);
const source = new EcsServiceEventSource({ client: new ECSClient({ region: 'ap-northeast-1' }) });

beforeEach(() => {
  ecs.reset();
});

describe('EcsServiceEventSource', () => {
  it('maps DescribeServices events with the ECS event id and the message as ECS wrote it', async () => {
    // Prepare
    ecs.on(DescribeServicesCommand, { cluster: 'default', services: ['nginx-local'] }).resolves({
      services: [
        {
          serviceName: 'nginx-local',
          status: 'ACTIVE',
          events: [
            {
              id: '5e5bd5b4-0b3c-4b1e-9f55-0b6a1a1e2f01',
              createdAt: new Date('2021-12-03T02:22:38.224Z'),
              message: '(service nginx-local) has reached a steady state.',
            },
            {
              id: '0c6f5b1e-7d8a-4a9b-8c7d-6e5f4a3b2c10',
              createdAt: new Date('2021-12-03T02:06:21.664Z'),
              message: '(service nginx-local) has started 1 tasks: (task 834a5628bef14f2dbb81c7bc0b272160).',
            },
          ],
        },
      ],
      failures: [],
    });

    // Act
    const events = await source.recentServiceEvents('default', 'nginx-local');

    // Assess
    expect(events).toEqual([
      {
        clusterName: 'default',
        serviceName: 'nginx-local',
        eventId: '5e5bd5b4-0b3c-4b1e-9f55-0b6a1a1e2f01',
        createdAt: '2021-12-03T02:22:38.224Z',
        message: '(service nginx-local) has reached a steady state.',
        source: 'describe-services',
      },
      {
        clusterName: 'default',
        serviceName: 'nginx-local',
        eventId: '0c6f5b1e-7d8a-4a9b-8c7d-6e5f4a3b2c10',
        createdAt: '2021-12-03T02:06:21.664Z',
        message: '(service nginx-local) has started 1 tasks: (task 834a5628bef14f2dbb81c7bc0b272160).',
        source: 'describe-services',
      },
    ]);
  });

  it('redacts credentials and bounds a long message', async () => {
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        {
          serviceName: 'nginx-local',
          status: 'ACTIVE',
          events: [
            {
              id: 'e1',
              createdAt: new Date('2021-12-03T02:06:21.664Z'),
              message: `(service nginx-local) failed: https://bucket.s3.amazonaws.com/x?X-Amz-Signature=deadbeef ${'y'.repeat(9000)}`,
            },
          ],
        },
      ],
    });

    const [event] = (await source.recentServiceEvents('default', 'nginx-local')) ?? [];

    expect(event?.message).toContain('X-Amz-Signature=[REDACTED]');
    expect(event?.message).not.toContain('deadbeef');
    expect(event?.message.length).toBeLessThanOrEqual(MAX_REASON_CHARS);
    expect(event?.message).toMatch(/\[truncated \d+ chars\]$/);
  });

  it('skips an event without id or time', async () => {
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        {
          serviceName: 'nginx-local',
          status: 'DRAINING',
          events: [{ message: 'no id' }, { id: 'ok', createdAt: new Date(0), message: 'kept' }],
        },
      ],
    });

    const events = await source.recentServiceEvents('default', 'nginx-local');

    expect(events?.map((e) => e.eventId)).toEqual(['ok']);
  });

  it.each([
    [
      'missing',
      {
        services: [],
        failures: [{ arn: 'arn:aws:ecs:ap-northeast-1:1:service/default/gone', reason: 'MISSING' }],
      },
    ],
    [
      'inactive',
      { services: [{ serviceName: 'nginx-local', status: 'INACTIVE', events: [] }], failures: [] },
    ],
  ])('returns undefined for a %s service', async (_label, output) => {
    ecs.on(DescribeServicesCommand).resolves(output);

    expect(await source.recentServiceEvents('default', 'nginx-local')).toBeUndefined();
  });

  it('returns undefined when the cluster is gone', async () => {
    ecs
      .on(DescribeServicesCommand)
      .rejects(Object.assign(new Error('Cluster not found.'), { name: 'ClusterNotFoundException' }));

    expect(await source.recentServiceEvents('default', 'nginx-local')).toBeUndefined();
  });

  it('rejects on throttling', async () => {
    ecs
      .on(DescribeServicesCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    await expect(source.recentServiceEvents('default', 'nginx-local')).rejects.toThrow('Rate exceeded');
  });
});
