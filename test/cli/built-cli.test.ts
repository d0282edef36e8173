import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_CLI, requireBuiltCli } from '../support/build-cli.global.js';
import { type FakeTracerApi, readExpectedTrace, startFakeTracerApi } from '../support/fake-tracer-api.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const CLI = BUILT_CLI;
const FAILED_PULL = '9f654c76cde14c7c85cf54dce087658a';

interface ChildRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment of a person's shell in Tokyo, without any TRACER_* setting of the test runner. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TZ: 'Asia/Tokyo' };
  for (const name of Object.keys(env)) if (name.startsWith('TRACER_')) delete env[name];
  return env;
}

function runBuiltCli(args: readonly string[]): Promise<ChildRun> {
  return new Promise((resolvePromise) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, env: childEnv() }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** The modules a file imports statically (not `import()`), resolved to files or package names. */
function staticImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const specifiers = [
    ...source.matchAll(/(?:^|\n)\s*import\s*(?:[^'"();]*?\sfrom\s*)?["']([^"']+)["']/g),
  ].map((m) => m[1] ?? '');
  return specifiers.map((s) => (s.startsWith('.') ? resolve(dirname(file), s) : s));
}

describe('the built CLI (dist/cli/tracer.mjs) as a child process', () => {
  let api: FakeTracerApi;

  beforeAll(async () => {
    requireBuiltCli();
    api = await startFakeTracerApi();
  });

  afterAll(async () => {
    await api.close();
  });

  it('prints the failed-pull trace of the reference example', async () => {
    // Act
    const run = await runBuiltCli(['--endpoint', api.url, 'default', FAILED_PULL]);

    // Assess
    expect(run).toEqual({ code: 0, stdout: readExpectedTrace(FAILED_PULL), stderr: '' });
  });

  it('exits 1 with one line and no stack trace when the endpoint is unreachable', async () => {
    // Prepare
    const closed = await startFakeTracerApi();
    await closed.close();

    // Act
    const run = await runBuiltCli(['--endpoint', closed.url, 'default', FAILED_PULL]);

    // Assess
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr: `tracer: cannot reach ${closed.url}: connection refused; is \`npm start\` running?\n`,
    });
  });

  it('exits 2 with the usage line for a bad flag', async () => {
    // Act
    const run = await runBuiltCli(['--duration', 'forever', 'default']);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n')).toHaveLength(3);
  });

  it('prints its version and help', async () => {
    // Act
    const version = await runBuiltCli(['--version']);
    const help = await runBuiltCli(['--help']);

    // Assess
    expect(version.stdout).toMatch(/^tracer \d+\.\d+\.\d+\n$/);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage:');
  });

  it('loads no package but Node built-ins at start-up: the AWS SDK waits for the paths that need it', () => {
    // Act: walk the static import graph from the entry.
    const seen = new Set<string>();
    const packages = new Set<string>();
    const queue = [CLI];
    while (queue.length > 0) {
      const file = queue.pop() as string;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const target of staticImports(file)) {
        if (target.startsWith('/')) queue.push(target);
        else packages.add(target);
      }
    }

    // Assess
    expect([...packages].filter((p) => !p.startsWith('node:'))).toEqual([]);
    expect(readFileSync(CLI, 'utf8')).toMatch(/import\("\.\/chunks\/open-source-[A-Z0-9]+\.mjs"\)/);
  });
});
