import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_CLI, requireBuiltCli } from '../support/build-cli.global.js';
import { type FakeTracerApi, readExpectedTrace, startFakeTracerApi } from '../support/fake-tracer-api.js';
import { connectStdioMcp, textOf } from './mcp-harness.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const CLI = BUILT_CLI;
const FAILED_PULL = '9f654c76cde14c7c85cf54dce087658a';
const UNKNOWN_TASK = '0123456789abcdef0123456789abcdef';

/** A person's shell in Tokyo, with no TRACER_* setting of the test runner. */
const childEnv = (): Record<string, string> => ({ ...getDefaultEnvironment(), TZ: 'Asia/Tokyo' });

function collect(stream: Readable | null | undefined): () => string {
  const chunks: Buffer[] = [];
  stream?.on('data', (chunk: Buffer) => chunks.push(chunk));
  return () => Buffer.concat(chunks).toString('utf8');
}

const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('tracer mcp over stdio, as an MCP client starts it', () => {
  let api: FakeTracerApi;

  beforeAll(async () => {
    requireBuiltCli();
    api = await startFakeTracerApi();
  });

  afterAll(async () => {
    await api.close();
  });

  it('serves the four tools to the SDK client, with the reference trace and diagnosis', async () => {
    // Prepare
    const { client, stderr, protocolErrors } = await connectStdioMcp(CLI, ['--endpoint', api.url], {
      cwd: ROOT,
      env: childEnv(),
    });

    // Act
    const { tools } = await client.listTools();
    const trace = (await client.callTool({
      name: 'get_trace',
      arguments: { cluster: 'default', task: FAILED_PULL },
    })) as CallToolResult;
    const task = (await client.callTool({
      name: 'get_task',
      arguments: { cluster: 'default', task: FAILED_PULL },
    })) as CallToolResult;
    const unknown = (await client.callTool({
      name: 'get_task',
      arguments: { cluster: 'default', task: UNKNOWN_TASK },
    })) as CallToolResult;
    const after = (await client.callTool({ name: 'list_clusters', arguments: {} })) as CallToolResult;
    await client.close();

    // Assess
    expect(tools.map((t) => t.name).sort()).toEqual(['get_task', 'get_trace', 'list_clusters', 'list_tasks']);
    expect(textOf(trace)).toBe(readExpectedTrace(FAILED_PULL));
    expect(task.structuredContent).toMatchObject({ failure: { failed: true, kind: 'image-pull' } });
    expect(unknown).toMatchObject({ isError: true });
    expect(textOf(unknown)).toBe(
      `task ${UNKNOWN_TASK} not found in cluster default (tracer keeps tasks for 90 days)`,
    );
    expect(after.isError).toBeFalsy();
    expect(protocolErrors).toEqual([]);
    const logs = jsonLines(stderr());
    expect(logs[0]).toMatchObject({
      level: 'info',
      message: 'tracer mcp serving on stdio',
      source: 'endpoint',
    });
    expect(logs).toContainEqual(expect.objectContaining({ message: 'tool call failed', tool: 'get_task' }));
  });

  it('writes nothing but JSON-RPC messages to stdout, answers every request, and exits 0 when stdin closes', async () => {
    // Prepare
    const child = spawn(process.execPath, [CLI, 'mcp', '--endpoint', api.url], {
      cwd: ROOT,
      env: childEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout = collect(child.stdout);
    const stderr = collect(child.stderr);
    const exited = new Promise<number | null>((resolvePromise) => child.on('close', resolvePromise));
    const requests = [
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'raw', version: '1' },
        },
      },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      {
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/call',
        params: { name: 'get_trace', arguments: { cluster: 'default', task: FAILED_PULL } },
      },
      {
        jsonrpc: '2.0',
        id: 4,
        method: 'tools/call',
        params: { name: 'get_trace', arguments: { cluster: 'default', task: 'not a task' } },
      },
      { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'list_tasks', arguments: {} } },
    ];

    // Act: send everything, then close stdin at once, as a client that shuts down does.
    child.stdin.end(requests.map((r) => `${JSON.stringify(r)}\n`).join(''));
    const code = await exited;

    // Assess
    expect(code).toBe(0);
    expect(stdout().endsWith('\n')).toBe(true);
    const messages = jsonLines(stdout());
    for (const message of messages) expect(message.jsonrpc).toBe('2.0');
    expect(messages.map((m) => m.id).sort()).toEqual([1, 2, 3, 4, 5]);
    const byId = new Map(messages.map((m) => [m.id, m.result as CallToolResult]));
    expect(textOf(byId.get(3) as CallToolResult)).toBe(readExpectedTrace(FAILED_PULL));
    expect(byId.get(4)).toMatchObject({ isError: true });
    expect(byId.get(5)).toMatchObject({ isError: true });
    for (const log of jsonLines(stderr())) expect(log).toHaveProperty('level');
  });

  it.each([
    {
      name: 'a positional argument',
      args: ['mcp', '--endpoint', 'http://127.0.0.1:1', 'default'],
      code: 2,
      stderr:
        'tracer: tracer mcp takes no arguments, got: default\n' +
        'usage: tracer mcp [--endpoint URL | --stack NAME | --live] [flags]   (tracer mcp --help for more)\n',
    },
    {
      name: 'no source',
      args: ['mcp'],
      code: 1,
      stderr: 'tracer: no endpoint: pass --endpoint, set TRACER_ENDPOINT, or use --stack NAME or --live\n',
    },
  ])('exits before speaking the protocol on $name', async ({ args, code, stderr }) => {
    // Prepare
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: childEnv() });
    const out = collect(child.stdout);
    const err = collect(child.stderr);

    // Act
    const exitCode = await new Promise<number | null>((resolvePromise) => child.on('close', resolvePromise));

    // Assess
    expect({ code: exitCode, stdout: out(), stderr: err() }).toEqual({ code, stdout: '', stderr });
  });
});
