// The CDK app (cdk.json "app"). Synthesizes offline: no lookups, bundling with the local esbuild.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { TracerStack } from '../lib/tracer-stack.js';

const app = new App();
const stackName = app.node.tryGetContext('stackName');
// No env: the stack is environment-agnostic, so one template deploys to any account and region (ARNs, URLs
// and grants use AWS::Region and AWS::AccountId) and synth needs no credentials. CDK_DEFAULT_REGION is not
// read on purpose: the CDK CLI sets it to us-east-1 when no region is configured, which would pin the
// template to that region.
new TracerStack(app, typeof stackName === 'string' && stackName !== '' ? stackName : 'Tracer');
// cdk-nag runs on every synth; `-c nag=false` turns it off.
if (app.node.tryGetContext('nag') !== 'false' && app.node.tryGetContext('nag') !== false) {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}
