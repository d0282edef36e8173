import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretsManagerCursorKey } from '../../lambda/adapters/secrets-manager/cursor-key.js';
import { EnvName } from '../../lambda/config/env.js';
import { apiDepsFromEnv } from '../../lambda/handlers/api.js';

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:tracer-cursor-key-AbCdEf';
const secrets = mockClient(SecretsManagerClient);

afterEach(() => {
  secrets.reset();
});

describe('SecretsManagerCursorKey', () => {
  it('reads the secret string of the secret the stack named', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: 'k'.repeat(64) });

    // Act
    const key = await new SecretsManagerCursorKey(SECRET_ARN).read();

    // Assess
    expect(key).toBe('k'.repeat(64));
  });

  it('fails when the secret holds no string', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1, 2]) });

    // Act
    const act = new SecretsManagerCursorKey(SECRET_ARN).read();

    // Assess
    await expect(act).rejects.toThrow(`the cursor secret ${SECRET_ARN} holds no string value`);
  });

  it('is fetched once per cold start, and again after a failed attempt', async () => {
    // Prepare
    secrets
      .on(GetSecretValueCommand)
      .rejectsOnce(new Error('network down'))
      .resolves({ SecretString: 'k'.repeat(64) });
    const deps = apiDepsFromEnv({
      [EnvName.TABLE_NAME]: 'tracer',
      [EnvName.CURSOR_SECRET_ARN]: SECRET_ARN,
      AWS_REGION: 'us-east-1',
    });

    // Act
    const first = await deps.cursorSeal().catch((error: unknown) => error);
    const second = await deps.cursorSeal();
    const third = await deps.cursorSeal();

    // Assess
    expect(first).toBeInstanceOf(Error);
    expect(second).toBe(third);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });
});
