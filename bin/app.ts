// The CDK app (cdk.json "app"). Synthesizes offline: no lookups, bundling with the local esbuild.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { TracerStack } from '../lib/tracer-stack.js';

const app = new App();
const stackName = app.node.tryGetContext('stackName');
new TracerStack(app, typeof stackName === 'string' && stackName !== '' ? stackName : 'Tracer', {
  // Undefined values leave the stack environment-agnostic, so synth needs no credentials.
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
// cdk-nag runs on every synth; `-c nag=false` turns it off.
if (app.node.tryGetContext('nag') !== 'false' && app.node.tryGetContext('nag') !== false) {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}
