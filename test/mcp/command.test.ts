import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../lambda/cli/io.js';
import { runCli } from '../../lambda/cli/main.js';
import { MCP_HELP_TEXT, MCP_USAGE_LINE, runMcp } from '../../lambda/mcp/command.js';
import { captureStream } from '../cli/run-cli.js';
import { type FakeTracerApi, startFakeTracerApi } from '../support/fake-tracer-api.js';

const FAILED_PULL = '9f654c76cde14c7c85cf54dce087658a';

function testIo(env: Record<string, string> = {}) {
  const stdout = captureStream();
  const stderr = captureStream();
  const io: CliIo = {
    stdout,
    stderr,
    env,
    nowMs: () => Date.parse('2024-05-01T12:00:00Z'),
    localTimeZone: 'Asia/Tokyo',
  };
  return { io, stdout, stderr };
}

/** Runs `tracer mcp` in-process on piped streams: sends `requests`, closes stdin, and reads the answers. */
async function serve(argv: string[], env: Record<string, string>, requests: readonly object[]) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  const { io, stderr } = testIo(env);
  const running = runMcp(argv, io, { stdin, stdout });
  stdin.end(requests.map((r) => `${JSON.stringify(r)}\n`).join(''));
  const code = await running;
  const messages = Buffer.concat(chunks)
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { id: number; result: { content: Array<{ text: string }> } });
  return { code, messages, stderr: stderr.text() };
}

const initialize = [
  {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'test', version: '1' } },
  },
  { jsonrpc: '2.0', method: 'notifications/initialized' },
];

/** The trace of the failed-pull task that the fake API serves, asked for as request 2. */
const getFailedPullTrace = {
  jsonrpc: '2.0',
  id: 2,
  method: 'tools/call',
  params: { name: 'get_trace', arguments: { cluster: 'default', task: FAILED_PULL } },
};

let api: FakeTracerApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe('tracer mcp [flags]', () => {
  it('prints its help, which shows a client configuration', async () => {
    // Prepare
    const { io, stdout } = testIo();

    // Act
    const code = await runMcp(['--help'], io);

    // Assess
    expect(code).toBe(0);
    expect(stdout.text()).toBe(MCP_HELP_TEXT);
    expect(MCP_HELP_TEXT).toContain('{ "command": "tracer", "args": ["mcp", "--stack", "Tracer"] }');
    expect(MCP_HELP_TEXT).not.toContain('npx');
  });

  it('is reached from the tracer command as a subcommand', async () => {
    // Prepare
    const { io, stdout } = testIo();

    // Act
    const code = await runCli(['mcp', '-h'], io);

    // Assess
    expect(code).toBe(0);
    expect(stdout.text()).toBe(MCP_HELP_TEXT);
  });

  it.each<{ name: string; argv: string[]; env: Record<string, string>; message: string }>([
    {
      name: 'a flag that is a tool argument',
      argv: ['--endpoint', 'http://127.0.0.1:8787', '--json'],
      env: {},
      message:
        'tracer: --json is an argument of the tools, not a flag of tracer mcp; the server takes the source flags and --duration, --full and --tz',
    },
    {
      name: 'a bad default duration',
      argv: ['--endpoint', 'http://127.0.0.1:8787', '--duration', 'forever'],
      env: {},
      message:
        'tracer: --duration: "forever" is not a duration ("forever" is not a number with a unit); use values like 30s, 5m, 1m30s, 1.5h or 500ms',
    },
    {
      name: 'a bad TRACER_TZ',
      argv: ['--live'],
      env: { TRACER_TZ: 'Nowhere/Land' },
      message:
        'tracer: TRACER_TZ: "Nowhere/Land" is not a time zone; use an IANA name such as UTC, Asia/Tokyo or America/New_York',
    },
    {
      name: 'two sources',
      argv: ['--live', '--stack', 'Tracer'],
      env: {},
      message: 'tracer: --stack and --live cannot be combined; choose one source',
    },
  ])('rejects $name with exit code 2 and the usage line', async ({ argv, env, message }) => {
    // Prepare
    const { io, stdout, stderr } = testIo(env);

    // Act
    const code = await runMcp(argv, io);

    // Assess
    expect(code).toBe(2);
    expect(stdout.text()).toBe('');
    expect(stderr.text()).toBe(`${message}\n${MCP_USAGE_LINE}\n`);
  });

  it('fails with exit code 1 when no source is chosen', async () => {
    // Prepare
    const { io, stderr } = testIo({ TRACER_JSON: 'true' });

    // Act
    const code = await runMcp([], io);

    // Assess
    expect(code).toBe(1);
    expect(stderr.text()).toBe(
      'tracer: no endpoint: pass --endpoint, set TRACER_ENDPOINT, or use --stack NAME or --live\n',
    );
  });

  it('takes its source and the defaults of get_trace from TRACER_* variables', async () => {
    // Prepare
    api = await startFakeTracerApi();
    const env = { TRACER_ENDPOINT: api.url, TRACER_DURATION: '5m', TRACER_TZ: 'UTC', TRACER_FULL: 'true' };

    // Act
    const { code, messages, stderr } = await serve([], env, [...initialize, getFailedPullTrace]);

    // Assess
    expect(code).toBe(0);
    expect(messages.find((m) => m.id === 2)?.result.content[0]?.text.split('\n')[0]).toBe(
      '2021-11-26T17:29:15.055Z\tTASK\tCreated',
    );
    expect(Object.fromEntries(new URL(api.requests[0]?.url ?? '', 'http://x').searchParams)).toEqual({
      duration: '5m',
      full: 'true',
      tz: 'UTC',
    });
    expect(stderr).toContain('"message":"tracer mcp serving on stdio"');
    expect(stderr).toContain('"message":"tracer mcp stopped: the client closed stdin"');
  });

  it('gives the tools --account as the account of the clusters they name', async () => {
    // Prepare
    api = await startFakeTracerApi();
    const env = { TRACER_ENDPOINT: api.url, TRACER_TZ: 'UTC' };

    // Act
    const { code } = await serve(['--account', '123456789012'], env, [...initialize, getFailedPullTrace]);

    // Assess
    expect(code).toBe(0);
    expect(new URL(api.requests[0]?.url ?? '', 'http://x').searchParams.get('account')).toBe('123456789012');
  });

  it('lets a flag on the command line win over its variable', async () => {
    // Prepare
    api = await startFakeTracerApi();
    const env = { TRACER_ENDPOINT: 'http://127.0.0.1:1', TRACER_TZ: 'UTC' };

    // Act
    const { messages } = await serve(['--endpoint', api.url, '--tz', 'Asia/Tokyo'], env, [
      ...initialize,
      getFailedPullTrace,
    ]);

    // Assess
    expect(messages.find((m) => m.id === 2)?.result.content[0]?.text.split('\n')[0]).toBe(
      '2021-11-27T02:29:15.055+09:00\tTASK\tCreated',
    );
  });
});
