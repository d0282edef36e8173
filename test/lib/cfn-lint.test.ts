import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTracerStacks } from '../../lib/tracer-app.js';
import { TracerStack } from '../../lib/tracer-stack.js';
import { CDK_JSON_CONTEXT, SKIP_BUNDLING } from './support.js';

/**
 * Warnings that cfn-lint raises on what CDK generates, each with the reason it is accepted. Any other
 * warning fails the test, like every error (E*).
 */
const ACCEPTED_WARNINGS: Readonly<Record<string, string>> = {
  W3005:
    'CDK makes each function DependsOn its role and the role policy; the role dependency is also implied by GetAtt. It is redundant, not wrong, and keeps the policy attached before the first invocation.',
};

interface CfnLintMatch {
  readonly Level: string;
  readonly Message: string;
  readonly Rule: { readonly Id: string };
  readonly Filename: string;
  readonly Location: { readonly Path: ReadonlyArray<string | number> };
}

const cfnLintAvailable = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' }).status === 0;
if (!cfnLintAvailable)
  console.warn('cfn-lint is not on PATH: the cfn-lint check is skipped (pip install cfn-lint)');
const title = cfnLintAvailable
  ? 'synthesized template'
  : 'synthesized template (cfn-lint checks skipped: cfn-lint is not on PATH; pip install cfn-lint)';

/** Sources of every kind: listed accounts in listed regions, and an organization (the StackSet template). */
const SOURCE_CONTEXT = {
  sourceAccounts: '222233334444',
  sourceRegions: 'ap-northeast-1',
  organizationId: 'o-a1b2c3d4e5',
  centralAccount: '111122223333',
  centralRegion: 'eu-west-1',
};

describe('synthesized template', () => {
  let outdir = '';
  let sourcesOutdir = '';
  let templatePaths: string[] = [];

  beforeAll(() => {
    // GIVEN the stack of bin/app.ts, synthesized with CDK's built-in CloudFormation validation on
    outdir = mkdtempSync(join(tmpdir(), 'tracer-cfn-lint-'));
    const app = new App({ outdir, context: { ...CDK_JSON_CONTEXT, ...SKIP_BUNDLING } });
    new TracerStack(app, 'Tracer');
    app.synth();
    // AND the app with sources: the central stack with its bus, a source stack and the StackSet template
    sourcesOutdir = mkdtempSync(join(tmpdir(), 'tracer-cfn-lint-sources-'));
    const withSources = new App({
      outdir: sourcesOutdir,
      context: { ...CDK_JSON_CONTEXT, ...SKIP_BUNDLING, ...SOURCE_CONTEXT },
    });
    addTracerStacks(withSources);
    withSources.synth();
    templatePaths = [
      join(outdir, 'Tracer.template.json'),
      join(sourcesOutdir, 'Tracer.template.json'),
      join(sourcesOutdir, 'TracerSource-222233334444-ap-northeast-1.template.json'),
      join(sourcesOutdir, 'TracerSource.template.json'),
    ];
  }, 180_000);

  afterAll(() => {
    for (const dir of [outdir, sourcesOutdir]) if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('passes CDK built-in CloudFormation validation without a finding', () => {
    for (const dir of [outdir, sourcesOutdir]) {
      const reportPath = join(dir, 'validation-report.json');
      const report = existsSync(reportPath)
        ? (JSON.parse(readFileSync(reportPath, 'utf8')) as {
            pluginReports: Array<{ violations?: unknown[] }>;
          })
        : { pluginReports: [] };
      expect(report.pluginReports.flatMap((plugin) => plugin.violations ?? [])).toEqual([]);
    }
  });

  it('writes the central template and each source template', () => {
    for (const path of templatePaths) expect(existsSync(path), path).toBe(true);
  });

  describe.skipIf(!cfnLintAvailable)(title, () => {
    it('has no cfn-lint error and no warning other than the accepted ones', () => {
      // WHEN
      const run = spawnSync('cfn-lint', ['--format', 'json', '--', ...templatePaths], { encoding: 'utf8' });
      // THEN cfn-lint ran (exit codes 2, 4, 6 mean errors or warnings were found, 1 a crash)
      expect(run.status === 1 || run.error !== undefined, run.stderr).toBe(false);
      const matches = JSON.parse(run.stdout || '[]') as CfnLintMatch[];
      const unexpected = matches
        .filter((m) => m.Level === 'Error' || ACCEPTED_WARNINGS[m.Rule.Id] === undefined)
        .map((m) => `${m.Rule.Id} in ${m.Filename} at ${m.Location.Path.join('/')}: ${m.Message}`);
      expect(unexpected).toEqual([]);
    }, 120_000);
  });
});
