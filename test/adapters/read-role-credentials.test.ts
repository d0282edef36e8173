import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  REFRESH_BEFORE_EXPIRY_MS,
  REFUSED_ROLE_TTL_MS,
  ReadRoleCredentials,
  roleSessionName,
  stsAssumeRole,
  type TemporaryCredentials,
} from '../../lambda/adapters/sts/read-role-credentials.js';
import { ReadRoleError } from '../../lambda/core/errors.js';

const ROLE_A = 'arn:aws:iam::222233334444:role/tracer-read-us-west-2';
const ROLE_B = 'arn:aws:iam::555566667777:role/tracer-read-us-west-2';
const HOUR = 3_600_000;

function stsError(name: string): Error {
  return Object.assign(
    new Error(`User: arn:aws:sts::111122223333:assumed-role/x is not authorized (${name})`),
    {
      name,
    },
  );
}

/** A clock the test moves, and an AssumeRole that counts its calls and hands out numbered keys. */
function world(start = Date.parse('2026-12-03T08:00:00Z')) {
  let nowMs = start;
  const calls: string[] = [];
  let fail: Error | undefined;
  let release: (() => void) | undefined;
  let hold = false;
  const assume = async (roleArn: string): Promise<TemporaryCredentials> => {
    calls.push(roleArn);
    if (hold) await new Promise<void>((resolve) => (release = resolve));
    if (fail) throw fail;
    return {
      accessKeyId: `ASIA${calls.length}`,
      secretAccessKey: 'secret',
      sessionToken: 'token',
      expiration: new Date(nowMs + HOUR),
    };
  };
  const cache = new ReadRoleCredentials({ assume, clock: { nowMs: () => nowMs } });
  return {
    cache,
    calls,
    advance: (ms: number) => {
      nowMs += ms;
    },
    failWith: (error: Error | undefined) => {
      fail = error;
    },
    holdCalls: (on: boolean) => {
      hold = on;
    },
    releaseCall: () => release?.(),
  };
}

describe('ReadRoleCredentials', () => {
  it('reuses a role credentials until five minutes before they expire, then assumes the role again', async () => {
    // Prepare
    const w = world();
    const first = await w.cache.credentials(ROLE_A);

    // Act
    w.advance(HOUR - REFRESH_BEFORE_EXPIRY_MS - 1);
    const reused = await w.cache.credentials(ROLE_A);
    w.advance(1);
    const refreshed = await w.cache.credentials(ROLE_A);

    // Assess
    expect(reused).toBe(first);
    expect(refreshed.accessKeyId).toBe('ASIA2');
    expect(w.calls).toEqual([ROLE_A, ROLE_A]);
  });

  it('shares one AssumeRole among concurrent callers', async () => {
    // Prepare
    const w = world();
    w.holdCalls(true);

    // Act
    const pending = [w.cache.credentials(ROLE_A), w.cache.credentials(ROLE_A), w.cache.credentials(ROLE_A)];
    w.releaseCall();
    const answers = await Promise.all(pending);

    // Assess
    expect(w.calls).toEqual([ROLE_A]);
    expect(new Set(answers.map((c) => c.accessKeyId))).toEqual(new Set(['ASIA1']));
  });

  it('keeps each account role apart', async () => {
    // Prepare
    const w = world();

    // Act
    const a = await w.cache.credentials(ROLE_A);
    const b = await w.cache.credentials(ROLE_B);
    const aAgain = await w.cache.credentials(ROLE_A);

    // Assess
    expect(a.accessKeyId).not.toBe(b.accessKeyId);
    expect(aAgain).toBe(a);
    expect(w.calls).toEqual([ROLE_A, ROLE_B]);
  });

  it.each(['AccessDenied', 'NoSuchEntity', 'RegionDisabledException'])(
    'fails with a ReadRoleError that names the role when STS answers %s, without the AWS message',
    async (name) => {
      // Prepare
      const w = world();
      w.failWith(stsError(name));

      // Act
      const error = await w.cache.credentials(ROLE_A).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(ReadRoleError);
      expect((error as ReadRoleError).roleArn).toBe(ROLE_A);
      expect((error as ReadRoleError).message).toContain(ROLE_A);
      expect((error as ReadRoleError).message).toContain(name);
      expect((error as ReadRoleError).message).not.toContain('111122223333');
    },
  );

  it('fails fast for a refused role for a minute, then asks STS again', async () => {
    // Prepare
    const w = world();
    w.failWith(stsError('AccessDenied'));
    await expect(w.cache.credentials(ROLE_A)).rejects.toBeInstanceOf(ReadRoleError);

    // Act
    w.advance(REFUSED_ROLE_TTL_MS - 1);
    await expect(w.cache.credentials(ROLE_A)).rejects.toBeInstanceOf(ReadRoleError);
    w.failWith(undefined);
    w.advance(1);
    const granted = await w.cache.credentials(ROLE_A);

    // Assess
    expect(granted.accessKeyId).toBe('ASIA2');
    expect(w.calls).toEqual([ROLE_A, ROLE_A]);
  });

  it('throws throttling unchanged and asks again on the next call', async () => {
    // Prepare
    const w = world();
    const throttled = stsError('Throttling');
    w.failWith(throttled);

    // Act
    const error = await w.cache.credentials(ROLE_A).catch((e: unknown) => e);
    w.failWith(undefined);
    const next = await w.cache.credentials(ROLE_A);

    // Assess
    expect(error).toBe(throttled);
    expect(next.accessKeyId).toBe('ASIA2');
  });

  it('keeps using credentials that are still valid when their refresh fails', async () => {
    // Prepare
    const w = world();
    const first = await w.cache.credentials(ROLE_A);
    w.advance(HOUR - REFRESH_BEFORE_EXPIRY_MS + 1);
    w.failWith(stsError('Throttling'));

    // Act
    const kept = await w.cache.credentials(ROLE_A);
    w.advance(REFRESH_BEFORE_EXPIRY_MS);
    const error = await w.cache.credentials(ROLE_A).catch((e: unknown) => e);

    // Assess
    expect(kept).toBe(first);
    expect((error as Error).name).toBe('Throttling');
  });
});

describe('stsAssumeRole', () => {
  const sts = mockClient(STSClient);
  afterEach(() => sts.reset());

  it('assumes the role for an hour with a session name that names tracer and the function', async () => {
    // Prepare
    const expiration = new Date('2026-12-03T09:00:00Z');
    sts.on(AssumeRoleCommand).resolves({
      Credentials: { AccessKeyId: 'ASIAX', SecretAccessKey: 's', SessionToken: 't', Expiration: expiration },
    });

    // Act
    const credentials = await stsAssumeRole({ sessionName: 'tracer-notifier-Tracer-Notifier/Fn' })(ROLE_A);

    // Assess
    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input).toEqual({
      RoleArn: ROLE_A,
      RoleSessionName: 'tracer-notifier-Tracer-Notifier-Fn',
      DurationSeconds: 3600,
    });
    expect(credentials).toEqual({
      accessKeyId: 'ASIAX',
      secretAccessKey: 's',
      sessionToken: 't',
      expiration,
    });
  });

  it('fails when STS answers without credentials', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).resolves({});

    // Act / Assess
    await expect(stsAssumeRole({ sessionName: 'tracer-api' })(ROLE_A)).rejects.toThrow(
      /returned no credentials/,
    );
  });
});

describe('roleSessionName', () => {
  it.each([
    ['tracer-api', 'tracer-api'],
    ['tracer api/Fn', 'tracer-api-Fn'],
    ['x', 'x-'],
    [`tracer-${'a'.repeat(80)}`, `tracer-${'a'.repeat(57)}`],
  ])('makes %j a valid session name', (input, expected) => {
    expect(roleSessionName(input)).toBe(expected);
  });
});
