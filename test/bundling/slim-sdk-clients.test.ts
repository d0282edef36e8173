import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEPT_SDK_ERRORS, lambdaBuildOptions } from '../../scripts/lambda-bundle.mjs';

const ROOT = join(import.meta.dirname, '../..');

/** A module bundled as the functions are: it sends one DynamoDB command and returns what it threw. */
const PROBE = `
import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
export async function probe(endpoint, errorType) {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const command = errorType === 'ConditionalCheckFailedException'
    ? new PutItemCommand({ TableName: 't', Item: { pk: { S: 'a' } } })
    : new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } });
  try {
    await client.send(command);
    return { thrown: false };
  } catch (error) {
    return { thrown: true, name: error.name, message: error.message, fault: error.$fault,
      status: error.$metadata?.httpStatusCode, item: error.Item,
      conditional: error instanceof ConditionalCheckFailedException };
  }
}`;

interface Probed {
  readonly thrown: boolean;
  readonly name?: string;
  readonly message?: string;
  readonly fault?: string;
  readonly status?: number;
  readonly item?: unknown;
  readonly conditional?: boolean;
}

describe('the SDK clients of a function bundle', () => {
  let dir = '';
  let server: Server;
  let endpoint = '';
  let probe: (endpoint: string, errorType: string) => Promise<Probed>;

  beforeAll(async () => {
    // GIVEN a bundle built with the functions' options, and a loopback DynamoDB whose PutItem fails its
    // condition and whose other operations find no table
    dir = mkdtempSync(join(tmpdir(), 'tracer-slim-sdk-'));
    await build(
      lambdaBuildOptions({
        stdin: { contents: PROBE, resolveDir: ROOT, sourcefile: 'probe.ts', loader: 'ts' },
        outfile: join(dir, 'index.mjs'),
      }),
    );
    server = createServer((request, response) => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const conditional = target.endsWith('.PutItem');
      response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(
        JSON.stringify(
          conditional
            ? {
                __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
                message: 'The conditional request failed',
                Item: { pk: { S: 'a' } },
              }
            : {
                __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
                message: 'Requested resource not found',
              },
        ),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    ({ probe } = (await import(pathToFileURL(join(dir, 'index.mjs')).href)) as { probe: typeof probe });
  }, 60_000);

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('leave out the error classes that no tracer code imports', () => {
    // THEN the bundle names no error class but the kept ones
    const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
    expect(code).toContain('ConditionalCheckFailedException');
    expect(code).not.toContain('BackupInUseException');
    expect(code).not.toContain('TransactionCanceledException');
  });

  it('still name a left-out error after its code, with its message, fault and status', async () => {
    // WHEN
    const result = await probe(endpoint, 'ResourceNotFoundException');

    // THEN
    expect(result).toMatchObject({
      thrown: true,
      name: 'ResourceNotFoundException',
      message: 'Requested resource not found',
      fault: 'client',
      status: 400,
      conditional: false,
    });
  });

  it('keep the classes tracer imports, with their typed fields', async () => {
    // WHEN
    const result = await probe(endpoint, 'ConditionalCheckFailedException');

    // THEN
    expect(result).toMatchObject({
      thrown: true,
      name: 'ConditionalCheckFailedException',
      conditional: true,
      item: { pk: { S: 'a' } },
    });
  });

  it('keep every SDK error class that tracer imports', () => {
    // GIVEN every value imported from an SDK client by the Lambda code
    const imported = new Set<string>();
    const visit = (folder: string) => {
      for (const entry of readdirSync(folder, { withFileTypes: true })) {
        const path = join(folder, entry.name);
        if (entry.isDirectory()) visit(path);
        else if (path.endsWith('.ts')) {
          const source = readFileSync(path, 'utf8');
          for (const match of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/client-[^']+'/g)) {
            for (const name of (match[1] ?? '').split(',')) {
              // A type-only import needs no class at run time.
              if (/^\s*type\s/.test(name)) continue;
              const trimmed = name.trim().split(/\s+as\s+/)[0] ?? '';
              if (/(?:Exception|Error)$/.test(trimmed) && !trimmed.endsWith('ServiceException'))
                imported.add(trimmed);
            }
          }
        }
      }
    };
    visit(join(ROOT, 'lambda'));

    // THEN each is kept registered in the bundles
    expect([...imported].filter((name) => !KEPT_SDK_ERRORS.includes(name))).toEqual([]);
  });
});
