import type { App } from 'aws-cdk-lib';
import { sourcePlanFromContext } from './stack-context.js';
import { TracerSourceStack } from './tracer-source-stack.js';
import { TracerStack } from './tracer-stack.js';

/** The stacks of the tracer CDK app. */
export interface TracerStacks {
  readonly central: TracerStack;
  readonly sources: readonly TracerSourceStack[];
}

/**
 * Adds tracer's stacks to an app, from its context: the central stack (`-c stackName=`, default `Tracer`),
 * environment-agnostic, and the source stacks of `-c sourceAccounts= -c sourceRegions= -c organizationId=`,
 * whose `CentralAccountId` and `CentralRegion` parameters default to `-c centralAccount= -c centralRegion=`.
 * @example addTracerStacks(new App());
 */
export function addTracerStacks(app: App): TracerStacks {
  const read = (key: string) => app.node.tryGetContext(key);
  const stackName = read('stackName');
  const centralId = typeof stackName === 'string' && stackName !== '' ? stackName : 'Tracer';
  // No env: the central stack is environment-agnostic, so one template deploys to any account and region
  // (ARNs, URLs and grants use AWS::Region and AWS::AccountId) and synth needs no credentials.
  // CDK_DEFAULT_REGION is not read on purpose: the CDK CLI sets it to us-east-1 when no region is
  // configured, which would pin the template to that region.
  const central = new TracerStack(app, centralId);
  const plan = sourcePlanFromContext(read, centralId);
  const sources = plan.stacks.map(
    (stack) =>
      new TracerSourceStack(app, stack.id, {
        ...(stack.env === undefined ? {} : { env: stack.env }),
        centralAccount: plan.centralAccount,
        centralRegion: plan.centralRegion,
        source: {
          readRolePrefix: plan.readRolePrefix,
          logRegions: plan.logRegions,
          logGroupPrefixes: plan.logGroupPrefixes,
        },
      }),
  );
  return { central, sources };
}
