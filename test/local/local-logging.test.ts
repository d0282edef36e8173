import { describe, expect, it } from 'vitest';
import { createLocalLogging, requestLine } from '../../lambda/local/local-logging.js';

function capture(level: Parameters<typeof createLocalLogging>[0]) {
  const lines: string[] = [];
  const logging = createLocalLogging(level, (line) => lines.push(line));
  return { ...logging, lines };
}

const REQUEST = { method: 'POST', path: '/events', statusCode: 422, durationMs: 12 };

describe('requestLine', () => {
  it.each([
    [{ method: 'GET', path: '/health', statusCode: 200, durationMs: 2 }, 'GET /health 200 2ms'],
    [
      { ...REQUEST, details: { stored: 2, duplicates: 0, rejected: 1 } },
      'POST /events 422 12ms stored=2 rejected=1',
    ],
  ])('writes %o as one short line', (entry, line) => {
    expect(requestLine(entry)).toBe(line);
  });
});

describe('createLocalLogging', () => {
  it('writes one short line per request by default, warnings as text, and drops the handlers’ info logs', () => {
    // Prepare
    const { logger, logRequest, lines } = capture('info');

    // Act
    logger.child({ handler: 'recorder' }).info('recorded an event', { taskId: 'abc' });
    logRequest({ ...REQUEST, details: { stored: 2, rejected: 1 } });
    logger.child({ handler: 'recorder' }).warn('could not describe the task definition', {
      taskDefinitionArn: 'arn:aws:ecs:us-east-1:1:task-definition/web:1',
      error: new Error('denied'),
    });

    // Assess
    expect(lines).toEqual([
      'POST /events 422 12ms stored=2 rejected=1',
      'warn: could not describe the task definition (handler=recorder, taskDefinitionArn=arn:aws:ecs:us-east-1:1:task-definition/web:1, error=Error: denied)',
    ]);
  });

  it('writes JSON lines for everything at debug, requests included', () => {
    // Prepare
    const { logger, logRequest, lines } = capture('debug');

    // Act
    logRequest({ ...REQUEST, details: { stored: 2 } });
    logger.debug('detail', { n: 1 });

    // Assess
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({
        level: 'info',
        message: 'request',
        service: 'tracer-local',
        method: 'POST',
        path: '/events',
        statusCode: 422,
        durationMs: 12,
        stored: 2,
      }),
      expect.objectContaining({ level: 'debug', message: 'detail', n: 1 }),
    ]);
  });

  it('leaves the requests out at warn', () => {
    // Prepare
    const { logger, logRequest, lines } = capture('warn');

    // Act
    logRequest(REQUEST);
    logger.error('request failed', { path: '/logs' });

    // Assess
    expect(lines).toEqual(['error: request failed (path=/logs)']);
  });
});
