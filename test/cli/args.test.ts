import { describe, expect, it, vi } from 'vitest';
import {
  type CliCommand,
  envNameOf,
  findSubcommand,
  type ParseContext,
  parseCliArgs,
  parseFlags,
  UsageError,
} from '../../lambda/cli/args.js';
import { FIXED_NOW_MS, runTracer } from './run-cli.js';

const TASK_ID = '9f654c76cde14c7c85cf54dce087658a';
const TASK_ARN = `arn:aws:ecs:ap-northeast-1:123456789012:task/default/${TASK_ID}`;

function context(env: Record<string, string> = {}): ParseContext {
  return { env, nowMs: FIXED_NOW_MS, localTimeZone: 'Asia/Tokyo' };
}

function parse(argv: string[], env: Record<string, string> = {}): CliCommand {
  return parseCliArgs(argv, context(env));
}

function optionsOf(argv: string[], env: Record<string, string> = {}) {
  return parseFlags(argv, context(env)).options;
}

describe('parseCliArgs: commands', () => {
  it.each<[string[], Partial<Record<string, unknown>>]>([
    [[], { kind: 'clusters' }],
    [['default'], { kind: 'tasks', cluster: { name: 'default' } }],
    [['default', TASK_ID], { kind: 'trace', cluster: { name: 'default' }, task: TASK_ID }],
    [['default', TASK_ARN], { kind: 'trace', cluster: { name: 'default' }, task: TASK_ID }],
    [
      ['arn:aws:ecs:ap-northeast-1:123456789012:cluster/prod'],
      { kind: 'tasks', cluster: { name: 'prod', account: '123456789012', region: 'ap-northeast-1' } },
    ],
    [
      [TASK_ARN],
      {
        kind: 'trace',
        cluster: { name: 'default', account: '123456789012', region: 'ap-northeast-1' },
        task: TASK_ID,
      },
    ],
    [
      ['--json', `arn:aws-cn:ecs:cn-north-1:123456789012:task/prod/${TASK_ID}`],
      {
        kind: 'trace',
        cluster: { name: 'prod', account: '123456789012', region: 'cn-north-1' },
        task: TASK_ID,
      },
    ],
    [
      ['--account', '222233334444', 'prod'],
      { kind: 'tasks', cluster: { name: 'prod', account: '222233334444' } },
    ],
    [
      ['--account', '222233334444', '--region', 'us-west-2', 'prod', TASK_ID],
      { kind: 'trace', cluster: { name: 'prod', account: '222233334444', region: 'us-west-2' } },
    ],
    [
      ['--account', '222233334444', '--region', 'us-west-2'],
      { kind: 'clusters', options: { account: '222233334444', region: 'us-west-2' } },
    ],
    [['--help'], { kind: 'help' }],
    [['-h', 'default'], { kind: 'help' }],
    [['--version'], { kind: 'version' }],
    [['-version'], { kind: 'version' }],
    [['--', 'mcp'], { kind: 'tasks', cluster: { name: 'mcp' } }],
  ])('reads %j as the right command', (argv, expected) => {
    // Act
    const command = parse(argv);

    // Assess
    expect(command).toMatchObject(expected);
  });

  it.each([
    [
      'an --account the cluster ARN does not name',
      ['--account', '111122223333', 'arn:aws:ecs:us-west-2:222233334444:cluster/prod'],
      '--account: 111122223333 contradicts the cluster ARN, which names account 222233334444; give one of them',
    ],
    [
      'a --region the task ARN does not name',
      ['--region', 'eu-west-1', `arn:aws:ecs:us-west-2:222233334444:task/prod/${TASK_ID}`],
      '--region: eu-west-1 contradicts the cluster ARN, which names region us-west-2; give one of them',
    ],
    [
      'a task ARN of another account than --account',
      ['--account', '111122223333', 'prod', `arn:aws:ecs:us-west-2:222233334444:task/prod/${TASK_ID}`],
      'TASK: the task ARN belongs to account 222233334444, not 111122223333',
    ],
    [
      'an --account that is not one',
      ['--account', '2222', 'prod'],
      '--account: "2222" is not an AWS account id (12 digits)',
    ],
  ])('rejects %s', (_, argv, message) => {
    // Act
    const act = () => parse(argv);

    // Assess
    expect(act).toThrow(UsageError);
    expect(act).toThrow(message);
  });

  it("reads a --live cluster ARN in the ARN's region", () => {
    // Act
    const command = parse(['--live', 'arn:aws:ecs:us-west-2:222233334444:cluster/prod']);

    // Assess
    expect(command).toMatchObject({ kind: 'tasks', options: { region: 'us-west-2' } });
  });

  it('takes flags before, between and after the positional arguments', () => {
    // Act
    const command = parse(['--json', 'default', '--duration', '30s', TASK_ID, '--full']);

    // Assess
    expect(command).toMatchObject({ kind: 'trace', options: { json: true, durationMs: 30_000, full: true } });
  });
});

describe('parseFlags: defaults', () => {
  it('uses 1m, the local time zone, 100 tasks and no source when nothing is set', () => {
    // Act
    const options = optionsOf([]);

    // Assess
    expect(options).toEqual({
      selection: { kind: 'none' },
      durationMs: 60_000,
      full: false,
      json: false,
      timeZone: 'Asia/Tokyo',
      jsonTimeZone: 'UTC',
      failed: false,
      limit: 100,
      follow: false,
      intervalMs: 2_000,
    });
  });
});

describe('parseFlags: flags', () => {
  it.each<[string[], Record<string, unknown>]>([
    [['--duration', '30s'], { durationMs: 30_000 }],
    [['--duration=1m30s'], { durationMs: 90_000 }],
    [['-duration', '2h'], { durationMs: 7_200_000 }],
    [['--full'], { full: true }],
    [['--json'], { json: true }],
    [['--tz', 'UTC'], { timeZone: 'UTC' }],
    [['--tz', 'Asia/Tokyo', '--json'], { timeZone: 'Asia/Tokyo', jsonTimeZone: 'Asia/Tokyo', json: true }],
    [
      ['--sns', 'arn:aws:sns:ap-northeast-1:123456789012:tracer'],
      { snsTopicArn: 'arn:aws:sns:ap-northeast-1:123456789012:tracer' },
    ],
    [
      ['--endpoint', 'http://127.0.0.1:8787'],
      { selection: { kind: 'endpoint', endpoint: 'http://127.0.0.1:8787/' } },
    ],
    [['--stack', 'Tracer'], { selection: { kind: 'stack', stackName: 'Tracer' } }],
    [['--live'], { selection: { kind: 'live' } }],
    [['--profile', 'prod', '--region', 'eu-west-1'], { profile: 'prod', region: 'eu-west-1' }],
    [
      ['--status', 'stopped', '--failed', '--limit', '5', '--cursor', 'abc'],
      { status: 'STOPPED', failed: true, limit: 5, cursor: 'abc' },
    ],
    [['--since', '2h'], { since: '2024-05-01T10:00:00.000Z' }],
    [
      ['--since', '2024-04-30T00:00:00+09:00', '--until', '2024-05-01'],
      { since: '2024-04-29T15:00:00.000Z', until: '2024-05-01T00:00:00.000Z' },
    ],
  ])('reads %j', (argv, expected) => {
    // Act
    const options = optionsOf(argv);

    // Assess
    expect(options).toMatchObject(expected);
  });
});

describe('parseFlags: TRACER_<FLAG> environment variables', () => {
  it.each<[Record<string, string>, Record<string, unknown>]>([
    [{ TRACER_DURATION: '45s' }, { durationMs: 45_000 }],
    [{ TRACER_FULL: 'true' }, { full: true }],
    [{ TRACER_FULL: '1' }, { full: true }],
    [{ TRACER_FULL: 'false' }, { full: false }],
    [{ TRACER_JSON: 'yes' }, { json: true }],
    [{ TRACER_TZ: 'Europe/Paris' }, { timeZone: 'Europe/Paris', jsonTimeZone: 'Europe/Paris' }],
    [
      { TRACER_SNS: 'arn:aws:sns:eu-west-1:123456789012:alerts' },
      { snsTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts' },
    ],
    [
      { TRACER_ENDPOINT: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod' },
      { selection: { kind: 'endpoint', endpoint: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod' } },
    ],
    [{ TRACER_STACK: 'Tracer' }, { selection: { kind: 'stack', stackName: 'Tracer' } }],
    [{ TRACER_LIVE: 'true' }, { selection: { kind: 'live' } }],
    [
      { TRACER_PROFILE: 'dev', TRACER_REGION: 'us-east-1' },
      { profile: 'dev', region: 'us-east-1' },
    ],
    [
      { TRACER_STATUS: 'running', TRACER_FAILED: 'true', TRACER_LIMIT: '7' },
      { status: 'RUNNING', failed: true, limit: 7 },
    ],
    [{ TRACER_DURATION: '' }, { durationMs: 60_000 }],
  ])('reads %j', (env, expected) => {
    // Act
    const options = optionsOf([], env);

    // Assess
    expect(options).toMatchObject(expected);
  });

  it('names the variable of each flag TRACER_ and the flag in capitals', () => {
    expect(envNameOf('duration')).toBe('TRACER_DURATION');
    expect(envNameOf('sns')).toBe('TRACER_SNS');
  });

  it('ignores TRACER_CURSOR, TRACER_HELP and TRACER_VERSION, which are not standing settings', () => {
    // Act
    const command = parse(['default'], { TRACER_HELP: 'true', TRACER_VERSION: 'true', TRACER_CURSOR: 'x' });

    // Assess
    expect(command.kind).toBe('tasks');
    expect(command.kind === 'tasks' && command.options.cursor).toBeFalsy();
  });
});

describe('parseFlags: a flag wins over its environment variable', () => {
  it.each<[string, string[], Record<string, string>, Record<string, unknown>]>([
    ['duration', ['--duration', '10s'], { TRACER_DURATION: '5m' }, { durationMs: 10_000 }],
    ['tz', ['--tz', 'UTC'], { TRACER_TZ: 'Asia/Tokyo' }, { timeZone: 'UTC' }],
    ['full', ['--full'], { TRACER_FULL: 'false' }, { full: true }],
    [
      'endpoint',
      ['--endpoint', 'http://localhost:1'],
      { TRACER_ENDPOINT: 'http://127.0.0.1:2' },
      { selection: { kind: 'endpoint', endpoint: 'http://localhost:1/' } },
    ],
    [
      'live over env endpoint',
      ['--live'],
      { TRACER_ENDPOINT: 'http://127.0.0.1:2' },
      { selection: { kind: 'live' } },
    ],
    [
      'stack over env endpoint',
      ['--stack', 'Other'],
      { TRACER_ENDPOINT: 'http://127.0.0.1:2' },
      { selection: { kind: 'stack', stackName: 'Other' } },
    ],
    [
      'endpoint over env live',
      ['--endpoint', 'http://127.0.0.1:3'],
      { TRACER_LIVE: 'true' },
      { selection: { kind: 'endpoint', endpoint: 'http://127.0.0.1:3/' } },
    ],
    [
      'env endpoint over env stack',
      [],
      { TRACER_ENDPOINT: 'http://127.0.0.1:4', TRACER_STACK: 'Tracer' },
      { selection: { kind: 'endpoint', endpoint: 'http://127.0.0.1:4/' } },
    ],
    [
      'env stack over env live',
      [],
      { TRACER_STACK: 'Tracer', TRACER_LIVE: 'true' },
      { selection: { kind: 'stack', stackName: 'Tracer' } },
    ],
  ])('%s', (_name, argv, env, expected) => {
    // Act
    const options = optionsOf(argv, env);

    // Assess
    expect(options).toMatchObject(expected);
  });
});

describe('parseCliArgs: bad input', () => {
  it.each<[string, string[], Record<string, string>, string]>([
    ['a bad duration', ['--duration', '5x'], {}, '--duration: "5x" is not a duration'],
    ['a negative duration', ['--duration=-1m'], {}, '--duration: "-1m" is not a duration (it is negative)'],
    [
      'a bad duration from the environment',
      [],
      { TRACER_DURATION: 'soon' },
      'TRACER_DURATION: "soon" is not a duration',
    ],
    ['an unknown time zone', ['--tz', 'Mars/Olympus'], {}, '--tz: "Mars/Olympus" is not a time zone'],
    [
      'a boolean variable that is not a boolean',
      [],
      { TRACER_FULL: 'maybe' },
      'TRACER_FULL must be true or false, got "maybe"',
    ],
    ['an unknown flag', ['--bogus'], {}, 'unknown option --bogus'],
    ['a flag without its value', ['--duration'], {}, '--duration needs a value'],
    ['a value for a boolean flag', ['--full=yes'], {}, '--full takes no value'],
    ['too many arguments', ['default', TASK_ID, 'extra'], {}, 'too many arguments: extra'],
    [
      'two sources',
      ['--endpoint', 'http://127.0.0.1:1', '--live'],
      {},
      '--endpoint and --live cannot be combined',
    ],
    [
      'a URL that is not http',
      ['--endpoint', 'ftp://x'],
      {},
      '--endpoint: "ftp://x" must start with https:// or http://',
    ],
    ['something that is not a URL', ['--endpoint', 'localhost'], {}, '--endpoint: "localhost" is not a URL'],
    [
      '--sns without a task',
      ['--sns', 'arn:aws:sns:eu-west-1:123456789012:t', 'default'],
      {},
      '--sns needs CLUSTER and TASK',
    ],
    [
      'an SNS ARN that is not one',
      ['--sns', 'my-topic', 'default', TASK_ID],
      {},
      '--sns: "my-topic" is not an SNS topic ARN',
    ],
    ['a limit of zero', ['--limit', '0'], {}, '--limit: expected a whole number from 1 to 1000'],
    ['a time that is not one', ['--since', 'yesterday'], {}, '--since: "yesterday" is not a time'],
    ['since after until', ['--since', '1h', '--until', '2h'], {}, 'is after --until'],
    ['a region that is not one', ['--region', 'Tokyo'], {}, '--region: "Tokyo" is not an AWS region'],
    [
      'a task ARN of another cluster',
      ['default', 'arn:aws:ecs:eu-west-1:123456789012:task/prod/abc'],
      {},
      'belongs to cluster prod, not default',
    ],
    ['a cluster name with a space', ['my cluster'], {}, 'CLUSTER: "my cluster" is not a cluster name'],
    ['a task id with a slash', ['default', 'a/b'], {}, 'TASK: "a/b" is not a task id or a task ARN'],
    [
      'an old-format task ARN alone, which names no cluster',
      [`arn:aws:ecs:us-east-1:123456789012:task/${TASK_ID}`],
      {},
      `TASK_ARN: the task ARN arn:aws:ecs:us-east-1:123456789012:task/${TASK_ID} is in the old format, which names no cluster; give the cluster too: tracer CLUSTER arn:aws:ecs:us-east-1:123456789012:task/${TASK_ID}`,
    ],
    [
      'a task ARN alone that is not one',
      ['arn:aws:ecs:us-east-1:123456789012:task/prod/a/b'],
      {},
      'TASK_ARN: "arn:aws:ecs:us-east-1:123456789012:task/prod/a/b" is not a task ARN',
    ],
  ])('rejects %s', (_name, argv, env, message) => {
    // Act
    const act = () => parse(argv, env);

    // Assess
    expect(act).toThrow(UsageError);
    expect(act).toThrow(message);
  });
});

describe('runCli: usage errors, --help and --version', () => {
  it('fails with exit code 2, one message line and the usage line for a bad duration', async () => {
    // Prepare
    const openSource = vi.fn();

    // Act
    const run = await runTracer(['--duration', '90', 'default', TASK_ID], { deps: { openSource } });

    // Assess
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'tracer: --duration: "90" is not a duration ("90" has no unit); use values like 30s, 5m, 1m30s, 1.5h or 500ms\n' +
        'usage: tracer [flags] [CLUSTER [TASK] | TASK_ARN]   (tracer --help for more)\n',
    );
    expect(openSource).not.toHaveBeenCalled();
  });

  it('fails with exit code 2 for a bad TRACER_DURATION', async () => {
    // Act
    const run = await runTracer(['default', TASK_ID], { env: { TRACER_DURATION: '1 minute' } });

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toMatch(/^tracer: TRACER_DURATION: "1 minute" is not a duration/);
  });

  it('prints the help on stdout without opening any source', async () => {
    // Prepare
    const openSource = vi.fn();

    // Act
    const run = await runTracer(['--help'], { deps: { openSource } });

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^tracer: the story of an Amazon ECS task/);
    expect(run.stdout).toContain('--duration D');
    expect(run.stdout).toMatch(/^ {2}tracer mcp \[flags\] /m);
    expect(run.stdout).toMatch(/^ {2}tracer import \[flags\] /m);
    expect(run.stdout).toMatch(/^ {2}tracer \[flags\] TASK_ARN /m);
    expect(run.stderr).toBe('');
    expect(openSource).not.toHaveBeenCalled();
  });

  it('prints the version on stdout without opening any source', async () => {
    // Prepare
    const openSource = vi.fn();

    // Act
    const run = await runTracer(['--version'], { deps: { openSource, version: () => '9.9.9' } });

    // Assess
    expect(run).toEqual({ code: 0, stdout: 'tracer 9.9.9\n', stderr: '' });
    expect(openSource).not.toHaveBeenCalled();
  });

  it('answers --help and --version even when a TRACER_ variable is broken', async () => {
    // Act
    const help = await runTracer(['--help'], { env: { TRACER_DURATION: 'soon', TRACER_TZ: 'Nowhere/Land' } });
    const version = await runTracer(['--version', '--tz', 'Nowhere/Land']);

    // Assess
    expect(help.code).toBe(0);
    expect(version.code).toBe(0);
  });

  it('reads the version from package.json', async () => {
    // Act
    const run = await runTracer(['--version']);

    // Assess
    expect(run.stdout).toMatch(/^tracer \d+\.\d+\.\d+/);
  });
});

describe('runCli: subcommands', () => {
  it('hands the rest of the command line to a registered subcommand, loaded on demand', async () => {
    // Prepare
    const subcommand = vi.fn(async () => 0);
    const load = vi.fn(async () => subcommand);

    // Act
    const run = await runTracer(['mcp', '--endpoint', 'http://127.0.0.1:1'], {
      deps: { subcommands: { mcp: load } },
    });

    // Assess
    expect(run.code).toBe(0);
    expect(load).toHaveBeenCalledOnce();
    expect(subcommand).toHaveBeenCalledWith(['--endpoint', 'http://127.0.0.1:1'], expect.anything());
  });

  it('finds the subcommand after flags, and hands it those flags', async () => {
    // Prepare
    const subcommand = vi.fn(async () => 0);

    // Act
    await runTracer(['--profile', 'prod', 'mcp', '--live', '--extra'], {
      deps: { subcommands: { mcp: async () => subcommand } },
    });

    // Assess
    expect(subcommand).toHaveBeenCalledWith(['--profile', 'prod', '--live', '--extra'], expect.anything());
  });

  it.each<[string[], unknown]>([
    [['mcp'], { name: 'mcp', argv: [] }],
    [['-duration', '5m', 'mcp', 'x'], { name: 'mcp', argv: ['-duration', '5m', 'x'] }],
    [['default', 'mcp'], undefined],
    [['--', 'mcp'], undefined],
    [['--endpoint', 'mcp'], undefined],
    [[], undefined],
  ])('finds the subcommand of %j', (argv, expected) => {
    expect(findSubcommand(argv, ['mcp', 'import'])).toEqual(expected);
  });

  it('fails with one line for a reserved subcommand that this build lacks', async () => {
    // Act
    const run = await runTracer(['import'], { deps: { subcommands: { import: undefined } } });

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'tracer: tracer import is not part of this build; for a cluster named import, run: tracer -- import\n',
    );
  });

  it('treats a subcommand name after -- as a cluster', async () => {
    // Prepare
    const subcommand = vi.fn(async () => 0);
    const openSource = vi.fn(async () => {
      throw new UsageError('stop here');
    });

    // Act
    const run = await runTracer(['--', 'mcp'], {
      env: { TRACER_ENDPOINT: 'http://127.0.0.1:1' },
      deps: { subcommands: { mcp: async () => subcommand }, openSource },
    });

    // Assess
    expect(subcommand).not.toHaveBeenCalled();
    expect(openSource).toHaveBeenCalledOnce();
    expect(run.code).toBe(2);
  });
});
