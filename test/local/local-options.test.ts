import { describe, expect, it } from 'vitest';
import { banner } from '../../lambda/local/banner.js';
import { LocalSettingError, localOptionsFromEnv } from '../../lambda/local/local-options.js';

describe('localOptionsFromEnv', () => {
  it('starts on port 8787 with the samples, AWS when credentials exist, and ten years of retention', () => {
    expect(localOptionsFromEnv({})).toEqual({
      port: 8787,
      retentionDays: 3650,
      aws: 'auto',
      samples: true,
      level: 'info',
      env: {},
    });
  });

  it('reads every setting from the environment', () => {
    // Prepare
    const env = {
      PORT: '0',
      TRACER_DATA_DIR: '/var/tracer',
      TRACER_RETENTION_DAYS: '30',
      TRACER_LOCAL_AWS: 'OFF',
      TRACER_LOCAL_SAMPLES: 'off',
      TRACER_LOG_LEVEL: 'warn',
    };

    // Act
    const options = localOptionsFromEnv(env);

    // Assess
    expect(options).toEqual({
      port: 0,
      dataDir: '/var/tracer',
      retentionDays: 30,
      aws: 'off',
      samples: false,
      level: 'warn',
      env,
    });
  });

  it.each([
    [{ PORT: '80a' }, 'PORT must be a whole number from 0 to 65535, got "80a"'],
    [{ PORT: '70000' }, 'PORT must be a whole number from 0 to 65535, got "70000"'],
    [{ TRACER_RETENTION_DAYS: '0' }, 'TRACER_RETENTION_DAYS must be a whole number from 1 to 36500, got "0"'],
    [{ TRACER_LOCAL_AWS: 'maybe' }, 'TRACER_LOCAL_AWS must be one of auto, on, off, got "maybe"'],
    [{ TRACER_LOG_LEVEL: 'loud' }, 'TRACER_LOG_LEVEL must be one of debug, info, warn, error, got "loud"'],
  ])('rejects %j, naming the variable and its value', (env, message) => {
    expect(() => localOptionsFromEnv(env)).toThrow(new LocalSettingError(message));
  });
});

describe('banner', () => {
  it('names the URL first, then says how to ask and feed the server', () => {
    // Act
    const text = banner(
      {
        url: 'http://127.0.0.1:8787',
        dataDir: '/repo/.data',
        aws: { used: false, detection: { configured: false, reason: 'no credentials' } },
        samples: 'loaded',
      },
      '/repo',
    );

    // Assess
    const lines = text.split('\n');
    expect(lines[0]).toBe('tracer is running locally on http://127.0.0.1:8787');
    expect(lines).toContain('  data     .data  (delete it to start afresh)');
    expect(lines).toContain('  logs     local log store only (no credentials)');
    expect(lines).toContain('  export TRACER_ENDPOINT=http://127.0.0.1:8787');
    expect(lines).toContain('  npx tracer default 9f654c76cde14c7c85cf54dce087658a');
    expect(lines).toContain(
      '  page     http://127.0.0.1:8787/ui/clusters/default/tasks/9f654c76cde14c7c85cf54dce087658a',
    );
    expect(text).toContain(
      "curl -H 'content-type: application/json' --data-binary @samples/events.jsonl http://127.0.0.1:8787/events",
    );
    expect(text.endsWith('Press Ctrl-C to stop.\n')).toBe(true);
  });

  it('says where logs come from when AWS is used, and shows a data folder outside the current one in full', () => {
    // Act
    const text = banner(
      {
        url: 'http://127.0.0.1:9000',
        dataDir: '/var/tracer',
        aws: { used: true, detection: { configured: true, via: 'profile prod (AWS_PROFILE)' } },
        samples: 'already-loaded',
      },
      '/repo',
    );

    // Assess
    expect(text).toContain('  data     /var/tracer  (delete it to start afresh)');
    expect(text).toContain(
      '  logs     local streams first, then CloudWatch Logs (profile prod (AWS_PROFILE))',
    );
    expect(text).toContain('  samples  3 sample incidents in cluster default\n');
  });
});
