/**
 * dynalite in a child process of its own, with the tracer table created in it. The recorder benchmark
 * measures the CPU time of its own process: with the server in another process, what the server spends
 * on each request (far more than DynamoDB's front end would, and more for an UpdateItem's expressions than
 * for a PutItem) is not counted against the recorder or the bare loop.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTracerTable, type DynaliteHandle } from '../../test/support/dynalite.js';

/** Starts dynalite (zero table delays, in memory) on a random loopback port and prints the port. */
const SERVER = `const dynalite = require('dynalite');
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\\n'));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();`;

/**
 * Starts the server process, waits for its port and creates the tracer table. The child exits when
 * `stop()` closes its stdin, or when this process dies and its stdin closes with it.
 * @example const db = await startDynaliteProcess(root); try { ... } finally { await db.stop(); }
 */
export async function startDynaliteProcess(root: string, tableName = 'tracer'): Promise<DynaliteHandle> {
  const child = spawn(process.execPath, ['-e', SERVER], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const [line] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`dynalite exited with code ${code} before it listened`);
    }),
  ])) as [string];
  const { port } = JSON.parse(line) as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'dynalite', secretAccessKey: 'dynalite' },
  });
  const stop = async () => {
    client.destroy();
    lines.close();
    if (child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.stdin.end();
    await exited;
  };
  try {
    await createTracerTable(client, tableName);
  } catch (error) {
    await stop();
    throw error;
  }
  return { client, tableName, endpoint, stop };
}

/** The CPU time (user and system) this process spent since `start`, in milliseconds. */
export function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}
