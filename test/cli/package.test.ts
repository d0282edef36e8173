/**
 * What `npm pack` ships: the built CLI and its documentation, nothing of the sources or the tests, every
 * package the built CLI imports declared as a runtime dependency, and a `tracer` that runs from the
 * unpacked tarball in any folder, `tracer mcp` included.
 *
 * The tarball is packed with `--ignore-scripts`: the global setup has built dist/cli already, and a
 * rebuild here would rewrite it under the suites that run it. The full `npm install -g` of the tarball
 * needs its dependencies from the registry, so it is checked by hand (README, "Installing").
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, symlink } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../local/local-harness.js';
import { connectStdioMcp, textOf } from '../mcp/mcp-harness.js';
import { requireBuiltCli } from '../support/build-cli.global.js';
import { type FakeTracerApi, startFakeTracerApi } from '../support/fake-tracer-api.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  readonly version: string;
  readonly bin: { readonly tracer: string };
  readonly dependencies: Record<string, string>;
  readonly scripts: Record<string, string>;
};

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((resolveRun) => {
    execFile(command, args, { cwd, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolveRun({ code, stdout, stderr });
    });
  });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

/** The package a bare module specifier names: `@aws-sdk/client-ecs/x` → `@aws-sdk/client-ecs`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

describe('the npm package', () => {
  let packed: { files: string[] };
  let workDir: string;

  beforeAll(async () => {
    requireBuiltCli();
    workDir = await tempDir('tracer-pack-');
    const answer = await run(
      'npm',
      ['pack', '--ignore-scripts', '--json', '--pack-destination', workDir],
      ROOT,
    );
    if (answer.code !== 0) throw new Error(`npm pack failed: ${answer.stderr}`);
    const [info] = JSON.parse(answer.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    if (!info) throw new Error(`npm pack said nothing: ${answer.stdout}`);
    packed = { files: info.files.map((file) => file.path) };
    await mkdir(join(workDir, 'unpacked'));
    const untar = await run(
      'tar',
      ['-xzf', join(workDir, info.filename), '-C', join(workDir, 'unpacked')],
      ROOT,
    );
    if (untar.code !== 0) throw new Error(`tar failed: ${untar.stderr}`);
    // The tarball's dependencies, as an install would provide them.
    await symlink(join(ROOT, 'node_modules'), join(workDir, 'unpacked', 'package', 'node_modules'), 'dir');
  });

  afterAll(async () => {
    await removeDir(workDir);
  });

  it('holds the built CLI, its documentation and package.json, and no sources or tests', () => {
    // Assess
    expect(packed.files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'docs/cli.md']));
    expect(packed.files).toEqual(expect.arrayContaining(filesUnder(join(ROOT, 'dist', 'cli'))));
    expect(packed.files).toContain(PACKAGE.bin.tracer);
    expect(
      packed.files.filter((path) => !/^(dist\/cli\/|docs\/[^/]+\.md$|README\.md$|package\.json$)/.test(path)),
    ).toEqual([]);
  });

  it('declares every package the built CLI imports as a runtime dependency', () => {
    // Prepare
    const specifiers = filesUnder(join(ROOT, 'dist', 'cli'))
      .filter((path) => path.endsWith('.mjs'))
      .flatMap((path) => {
        const source = readFileSync(join(ROOT, path), 'utf8');
        return [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"'.][^"']*)["']/g)].map(
          (match) => match[1] ?? '',
        );
      });

    // Act
    const bare = specifiers.filter((s) => /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(\/[\w./-]*)?$/.test(s));
    const packages = [...new Set(bare.filter((s) => !isBuiltin(s)).map(packageOf))].sort();

    // Assess
    expect(packages).toEqual(
      expect.arrayContaining(['@aws-sdk/client-ecs', '@modelcontextprotocol/sdk', 'zod']),
    );
    expect(packages.filter((name) => PACKAGE.dependencies[name] === undefined)).toEqual([]);
  });

  it('has no install-time script, which a global install of the tarball would have to approve', () => {
    expect(
      Object.keys(PACKAGE.scripts).filter((name) => /^(pre|post)?install$|^prepare$/.test(name)),
    ).toEqual([]);
  });

  describe('unpacked, run from another folder', () => {
    let elsewhere: string;
    let cli: string;
    let api: FakeTracerApi;

    beforeAll(async () => {
      elsewhere = await tempDir('tracer-elsewhere-');
      cli = join(workDir, 'unpacked', 'package', PACKAGE.bin.tracer);
      api = await startFakeTracerApi();
    });

    afterAll(async () => {
      await api.close();
      await removeDir(elsewhere);
    });

    it('answers --version and --help', async () => {
      // Act
      const version = await run(process.execPath, [cli, '--version'], elsewhere);
      const help = await run(process.execPath, [cli, '--help'], elsewhere);

      // Assess
      expect(version).toEqual({ code: 0, stdout: `tracer ${PACKAGE.version}\n`, stderr: '' });
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('tracer mcp [flags]');
      expect(help.stdout).toContain('tracer import [flags]');
    });

    it('serves tracer mcp over stdio', async () => {
      // Prepare
      const { client, stderr } = await connectStdioMcp(cli, ['--endpoint', api.url], {
        cwd: elsewhere,
        env: getDefaultEnvironment(),
      });

      // Act
      const server = client.getServerVersion();
      const clusters = (await client.callTool({ name: 'list_clusters', arguments: {} })) as CallToolResult;
      await client.close();

      // Assess
      expect(server).toMatchObject({ name: 'tracer', version: PACKAGE.version });
      expect(clusters.isError, stderr()).toBeFalsy();
      expect(textOf(clusters)).toContain('default');
    });
  });
});
