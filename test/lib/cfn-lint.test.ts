import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  readonly Location: { readonly Path: ReadonlyArray<string | number> };
}

const cfnLintAvailable = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' }).status === 0;
if (!cfnLintAvailable)
  console.warn('cfn-lint is not on PATH: the cfn-lint check is skipped (pip install cfn-lint)');
const title = cfnLintAvailable
  ? 'synthesized template'
  : 'synthesized template (cfn-lint checks skipped: cfn-lint is not on PATH; pip install cfn-lint)';

describe('synthesized template', () => {
  let outdir = '';
  let templatePath = '';

  beforeAll(() => {
    // GIVEN the stack of bin/app.ts, synthesized with CDK's built-in CloudFormation validation on
    outdir = mkdtempSync(join(tmpdir(), 'tracer-cfn-lint-'));
    const app = new App({ outdir, context: { ...CDK_JSON_CONTEXT, ...SKIP_BUNDLING } });
    new TracerStack(app, 'Tracer');
    app.synth();
    templatePath = join(outdir, 'Tracer.template.json');
  }, 180_000);

  afterAll(() => {
    if (outdir !== '') rmSync(outdir, { recursive: true, force: true });
  });

  it('passes CDK built-in CloudFormation validation without a finding', () => {
    const reportPath = join(outdir, 'validation-report.json');
    const report = existsSync(reportPath)
      ? (JSON.parse(readFileSync(reportPath, 'utf8')) as { pluginReports: Array<{ violations?: unknown[] }> })
      : { pluginReports: [] };
    expect(report.pluginReports.flatMap((plugin) => plugin.violations ?? [])).toEqual([]);
  });

  describe.skipIf(!cfnLintAvailable)(title, () => {
    it('has no cfn-lint error and no warning other than the accepted ones', () => {
      // WHEN
      const run = spawnSync('cfn-lint', ['--format', 'json', '--', templatePath], { encoding: 'utf8' });
      // THEN cfn-lint ran (exit codes 2, 4, 6 mean errors or warnings were found, 1 a crash)
      expect(run.status === 1 || run.error !== undefined, run.stderr).toBe(false);
      const matches = JSON.parse(run.stdout || '[]') as CfnLintMatch[];
      const unexpected = matches
        .filter((m) => m.Level === 'Error' || ACCEPTED_WARNINGS[m.Rule.Id] === undefined)
        .map((m) => `${m.Rule.Id} at ${m.Location.Path.join('/')}: ${m.Message}`);
      expect(unexpected).toEqual([]);
    }, 120_000);
  });
});
