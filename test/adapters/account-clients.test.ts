import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { AccountClients, type ClientAccess } from '../../lambda/adapters/account-clients.js';

const HOME = { account: '111122223333', region: 'us-east-1' };
const SOURCE = { account: '222233334444', region: 'us-west-2' };

/** Account clients whose factories record what each client was built with. */
function clients(homeAccount: string | null = HOME.account) {
  const built: { kind: string; access: ClientAccess }[] = [];
  const roles: string[] = [];
  const accounts = new AccountClients({
    ...(homeAccount ? { homeAccount } : {}),
    homeRegion: HOME.region,
    readRolePrefix: 'tracer-read',
    credentials: async (roleArn) => {
      roles.push(roleArn);
      return { accessKeyId: 'ASIA', secretAccessKey: 's' };
    },
    createEcs: (access) => {
      built.push({ kind: 'ecs', access });
      return new ECSClient({ region: HOME.region, ...access });
    },
    createLogs: (access) => {
      built.push({ kind: 'logs', access });
      return new CloudWatchLogsClient({ region: HOME.region, ...access });
    },
  });
  return { accounts, built, roles };
}

describe('AccountClients', () => {
  it('builds the own account and region clients the standard way, with no region or credentials', () => {
    const { accounts, built } = clients();

    accounts.ecs();
    accounts.ecs(HOME);
    accounts.logs(HOME, undefined);

    expect(built).toEqual([
      { kind: 'ecs', access: {} },
      { kind: 'logs', access: {} },
    ]);
  });

  it('reads another region of the own account with the function credentials', () => {
    const { accounts, built } = clients();

    accounts.ecs({ account: HOME.account, region: 'eu-west-1' });

    expect(built).toEqual([{ kind: 'ecs', access: { region: 'eu-west-1' } }]);
  });

  it('reads a source account in the task region through the read role of that region', async () => {
    const { accounts, built, roles } = clients();

    const ecs = accounts.ecs(SOURCE);
    const logs = accounts.logs(SOURCE, 'eu-central-1');
    await ecs.config.credentials();
    await logs.config.credentials();

    expect(built.map((b) => [b.kind, b.access.region, typeof b.access.credentials])).toEqual([
      ['ecs', 'us-west-2', 'function'],
      ['logs', 'eu-central-1', 'function'],
    ]);
    expect(await ecs.config.region()).toBe('us-west-2');
    expect(roles).toEqual([
      'arn:aws:iam::222233334444:role/tracer-read-us-west-2',
      'arn:aws:iam::222233334444:role/tracer-read-us-west-2',
    ]);
  });

  it('keeps one client per account, role and region', () => {
    const { accounts } = clients();

    expect(accounts.ecs(SOURCE)).toBe(accounts.ecs(SOURCE));
    expect(accounts.ecs(SOURCE)).not.toBe(accounts.ecs({ ...SOURCE, region: 'ap-northeast-1' }));
    expect(accounts.ecs(SOURCE)).not.toBe(accounts.ecs());
  });

  it('names the read role in the partition of the region', () => {
    const { accounts } = clients();

    expect(accounts.readRoleOf({ account: SOURCE.account, region: 'cn-north-1' })).toBe(
      'arn:aws-cn:iam::222233334444:role/tracer-read-cn-north-1',
    );
    expect(accounts.readRoleOf(HOME)).toBeUndefined();
    expect(accounts.readRoleOf(undefined)).toBeUndefined();
  });

  it('reads every account with the function credentials when it knows no home account', () => {
    const { accounts, built } = clients(null);

    accounts.ecs(SOURCE);

    expect(accounts.readRoleOf(SOURCE)).toBeUndefined();
    expect(built).toEqual([{ kind: 'ecs', access: { region: 'us-west-2' } }]);
  });

  it('fails to build a CloudWatch Logs client when none was asked for, and withLogs adds them', () => {
    const accounts = new AccountClients({
      homeAccount: HOME.account,
      readRolePrefix: 'tracer-read',
      credentials: async () => ({ accessKeyId: 'ASIA', secretAccessKey: 's' }),
      createEcs: (access) => new ECSClient(access),
    });

    expect(() => accounts.logs(HOME, undefined)).toThrow(/without CloudWatch Logs/);
    const withLogs = accounts.withLogs((access) => new CloudWatchLogsClient(access));
    expect(withLogs.logs(HOME, 'us-east-1')).toBeInstanceOf(CloudWatchLogsClient);
    expect(withLogs.ecs()).toBe(accounts.ecs());
  });
});
