// The CDK app (cdk.json "app"). Synthesizes offline: no lookups, bundling with the local esbuild.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { addTracerStacks } from '../lib/tracer-app.js';

const app = new App();
// The central stack, environment-agnostic, and the source stacks that context asks for (lib/tracer-app.ts).
addTracerStacks(app);
// cdk-nag runs on every synth; `-c nag=false` turns it off.
if (app.node.tryGetContext('nag') !== 'false' && app.node.tryGetContext('nag') !== false) {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}
