/**
 * `tracer mcp [flags]`: serves tracer to AI assistants over the Model Context Protocol on stdio. It takes
 * the CLI's source flags and `TRACER_*` variables; stdout carries only protocol messages, and every log
 * line goes to stderr, which MCP clients keep as the server's log.
 */
import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { parseFlags, UsageError } from '../cli/args.js';
import { describeFailure, NoSourceError } from '../cli/errors.js';
import { type CliIo, writeText } from '../cli/io.js';
import { openTracerSource } from '../cli/open-source.js';
import { readVersion } from '../cli/version.js';
import { createLogger } from '../config/logger.js';
import { DrainingTransport } from './draining-transport.js';
import { createTracerMcpServer } from './server.js';

/** The first line of `tracer mcp --help`, also printed after a usage error. */
export const MCP_USAGE_LINE =
  'usage: tracer mcp [--endpoint URL | --stack NAME | --live] [flags]   (tracer mcp --help for more)';

export const MCP_HELP_TEXT = `tracer mcp: serve tracer's history of Amazon ECS tasks to AI assistants (Model Context Protocol).

usage:
  tracer mcp [flags]

An MCP client starts this command and speaks JSON-RPC with it on stdin and stdout; logs go to stderr.
Tools (all read-only): list_clusters, list_tasks, get_task, get_trace.

source (one of), as for tracer:
  --endpoint URL     the tracer API (SigV4-signed; http://127.0.0.1:PORT is used unsigned)
  --stack NAME       the tracer API of this CloudFormation stack (its ApiUrl output)
  --live             read ECS and CloudWatch Logs directly (tasks ECS still remembers)
  --profile NAME     AWS profile (default: AWS_PROFILE, then the standard credential chain)
  --region REGION    AWS region (default: AWS_REGION or the profile's region)

defaults of the tools (a tool call may override them):
  --account ID       the clusters of this AWS account id (12 digits), when accounts share cluster names
  --duration D       log window around start and stop, Go-style: 30s, 5m, 1h (default 1m)
  --full             read the task's whole log instead of the two windows
  --tz ZONE          time zone of the timestamps (default: the local zone; UTC for json)

Every flag can also be set as TRACER_<FLAG>; a flag on the command line wins. A get_trace answer holds at
most about 100 KB of trace; a longer trace ends with a TRACER line that gives the cursor for the rest.

client configuration (such as .mcp.json or claude_desktop_config.json), with tracer installed
(npm install -g ./ecs-tracer-VERSION.tgz from npm pack, or npm link in the checkout):
  { "mcpServers": { "tracer": { "command": "tracer", "args": ["mcp", "--stack", "Tracer"] } } }
`;

/** How long a shutdown waits for the answers of requests in flight: longer than the API client's timeout. */
const SHUTDOWN_GRACE_MS = 45_000;

/** Flags of the CLI that are tool arguments here; on the command line they are a mistake worth naming. */
const TOOL_ARGUMENT_FLAGS = ['json', 'sns', 'status', 'failed', 'since', 'until', 'limit', 'cursor'];

/** The streams the protocol runs on. */
export interface McpStreams {
  readonly stdin: Readable;
  readonly stdout: Writable;
}

function flagsBeforeTerminator(argv: readonly string[]): string[] {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end))
    .map((arg) => /^--?([a-z][a-z-]*)(?:=|$)/.exec(arg)?.[1])
    .filter((name): name is string => name !== undefined);
}

// A stray console.log in any dependency would corrupt the protocol on stdout; the console writes to stderr.
function routeConsoleToStderr(): void {
  const toStderr = (...values: unknown[]) => console.error(...values);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
}

/**
 * Runs `tracer mcp` with the arguments after `mcp`, until the client closes stdin. Resolves to the exit
 * code: 0 after a clean end, 1 for an error and 2 for a usage error, each with one line on stderr.
 * @example process.exitCode = await runMcp(['--endpoint', 'http://127.0.0.1:8787'], processIo());
 */
export async function runMcp(
  argv: readonly string[],
  io: CliIo,
  streams: McpStreams = { stdin: process.stdin, stdout: process.stdout },
): Promise<number> {
  const flags = flagsBeforeTerminator(argv);
  if (flags.includes('help') || flags.includes('h')) {
    await writeText(io.stdout, MCP_HELP_TEXT);
    return 0;
  }
  if (flags.includes('version') || flags.includes('v')) {
    await writeText(io.stdout, `tracer ${readVersion()}\n`);
    return 0;
  }
  let serve: () => Promise<void>;
  try {
    serve = prepare(argv, flags, io, streams);
  } catch (error) {
    const failure = describeFailure(error);
    io.stderr.write(`tracer: ${failure.message}\n`);
    if (failure.showUsage) io.stderr.write(`${MCP_USAGE_LINE}\n`);
    return failure.exitCode;
  }
  await serve();
  return 0;
}

/** Checks the command line and returns what serves it, so that a usage error fails before any protocol. */
function prepare(
  argv: readonly string[],
  flags: readonly string[],
  io: CliIo,
  streams: McpStreams,
): () => Promise<void> {
  const misplaced = TOOL_ARGUMENT_FLAGS.find((flag) => flags.includes(flag));
  const { options, positionals } = parseFlags(argv, {
    env: io.env,
    nowMs: io.nowMs(),
    get localTimeZone() {
      return io.localTimeZone;
    },
  });
  if (positionals.length > 0) {
    throw new UsageError(`tracer mcp takes no arguments, got: ${positionals.join(' ')}`);
  }
  if (misplaced) {
    throw new UsageError(
      `--${misplaced} is an argument of the tools, not a flag of tracer mcp; the server takes the source flags and --duration, --full and --tz`,
    );
  }
  if (options.selection.kind === 'none') throw new NoSourceError();

  return async () => {
    if (streams.stdout === process.stdout) routeConsoleToStderr();
    const version = readVersion();
    const logger = createLogger(
      { service: 'tracer-mcp' },
      {
        level: io.env.TRACER_DEBUG ? 'debug' : 'info',
        write: (line) => {
          io.stderr.write(`${line}\n`);
        },
      },
    );
    const mcp = createTracerMcpServer({
      openSource: () => openTracerSource(options, { userAgent: `tracer-mcp/${version}` }),
      defaults: {
        durationMs: options.durationMs,
        full: options.full,
        timeZone: options.timeZone,
        jsonTimeZone: options.jsonTimeZone,
        ...(options.account === undefined ? {} : { account: options.account }),
      },
      version,
      logger,
      nowMs: io.nowMs,
    });
    const transport = new DrainingTransport(new StdioServerTransport(streams.stdin, streams.stdout));
    const closed = new Promise<void>((resolve) => {
      mcp.server.server.onclose = resolve;
    });
    mcp.server.server.onerror = (error) => logger.warn('protocol error', { error });
    // The stdio transport does not notice the end of stdin, which is how a client shuts the server down.
    // The requests already received are answered first.
    let ending = false;
    const end = () => {
      if (ending) return;
      ending = true;
      void transport.whenIdle(SHUTDOWN_GRACE_MS).then(() => transport.close());
    };
    streams.stdin.once('end', end);
    streams.stdin.once('close', end);
    await mcp.server.connect(transport);
    logger.info('tracer mcp serving on stdio', {
      version,
      source: options.selection.kind,
      ...(options.selection.kind === 'endpoint' ? { endpoint: options.selection.endpoint } : {}),
      ...(options.selection.kind === 'stack' ? { stack: options.selection.stackName } : {}),
    });
    await closed;
    await mcp.close();
    logger.info('tracer mcp stopped: the client closed stdin');
  };
}
