/**
 * Connects the SDK's own MCP client to tracer's MCP server over an in-memory transport pair. The server
 * reads a loopback fake of the trace API through the CLI's real source wiring (openTracerSource).
 */
import type { Readable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { openTracerSource } from '../../lambda/cli/open-source.js';
import type { TracerSource } from '../../lambda/cli/source.js';
import { createLogger } from '../../lambda/config/logger.js';
import { createTracerMcpServer, type TracerMcpServerOptions } from '../../lambda/mcp/server.js';
import {
  type FakeTracerApi,
  type FakeTracerApiOptions,
  startFakeTracerApi,
} from '../support/fake-tracer-api.js';

/** 2024-05-01T12:00:00Z: "now" for `since: 24h`. */
export const FIXED_NOW_MS = Date.parse('2024-05-01T12:00:00Z');

export interface McpHarness {
  readonly client: Client;
  readonly api: FakeTracerApi;
  /** What the server logged, one JSON object a line. */
  readonly logs: string[];
  /** Calls a tool and returns its result, validated by the client against the tool's output schema. */
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly api?: FakeTracerApiOptions;
  /** Replaces the source wiring, for faults of the opening itself. */
  readonly openSource?: (endpoint: string) => Promise<TracerSource>;
  readonly server?: Partial<Omit<TracerMcpServerOptions, 'openSource'>>;
}

/** The defaults of a server started as `tracer mcp --endpoint URL` in Tokyo. */
export const TOKYO_DEFAULTS = { durationMs: 60_000, full: false, timeZone: 'Asia/Tokyo' } as const;

/**
 * Starts the fake API and a connected client; the client has listed the tools, so it checks every
 * structured answer against its output schema.
 * @example const mcp = await connectMcp(); const result = await mcp.call('list_clusters');
 */
export async function connectMcp(options: HarnessOptions = {}): Promise<McpHarness> {
  const api = await startFakeTracerApi(options.api);
  const logs: string[] = [];
  const mcp = createTracerMcpServer({
    openSource: () =>
      options.openSource
        ? options.openSource(api.url)
        : openTracerSource({ selection: { kind: 'endpoint', endpoint: api.url } }),
    defaults: TOKYO_DEFAULTS,
    version: '0.0.0-test',
    nowMs: () => FIXED_NOW_MS,
    logger: createLogger({}, { level: 'debug', write: (line) => logs.push(line) }),
    ...options.server,
  });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'tracer-test-client', version: '1.0.0' });
  await mcp.server.connect(serverTransport);
  await client.connect(clientTransport);
  await client.listTools();
  return {
    client,
    api,
    logs,
    call: async (name, args = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult,
    close: async () => {
      await client.close();
      await mcp.close();
      await api.close();
    },
  };
}

/** The text of a result's single text content. */
export function textOf(result: CallToolResult): string {
  const [first, ...rest] = result.content;
  if (first?.type !== 'text' || rest.length > 0) {
    throw new Error(`expected one text content, got ${JSON.stringify(result.content).slice(0, 200)}`);
  }
  return first.text;
}

/** An SDK client connected to a `tracer mcp` child process over stdio, as an MCP client starts it. */
export interface StdioMcp {
  readonly client: Client;
  /** What the server wrote to stderr so far. */
  stderr(): string;
  /** Errors the client saw in the protocol itself. */
  readonly protocolErrors: Error[];
}

/**
 * Starts `node <cli> mcp ...args` and connects the SDK's client to it.
 * @example const { client } = await connectStdioMcp(BUILT_CLI, ['--endpoint', api.url], { cwd, env });
 */
export async function connectStdioMcp(
  cli: string,
  args: readonly string[],
  options: { readonly cwd: string; readonly env: Record<string, string> },
): Promise<StdioMcp> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [cli, 'mcp', ...args],
    env: options.env,
    cwd: options.cwd,
    stderr: 'pipe',
  });
  const chunks: Buffer[] = [];
  (transport.stderr as Readable | null)?.on('data', (chunk: Buffer) => chunks.push(chunk));
  const client = new Client({ name: 'tracer-stdio-test', version: '1.0.0' });
  const protocolErrors: Error[] = [];
  client.onerror = (error) => protocolErrors.push(error);
  await client.connect(transport);
  return { client, stderr: () => Buffer.concat(chunks).toString('utf8'), protocolErrors };
}
