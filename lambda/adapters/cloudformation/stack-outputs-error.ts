import { TracerError } from '../../core/errors.js';

/**
 * The stack does not exist in the region, or lacks the output that was asked for. Kept apart from the
 * adapter so that error handling can recognise it without loading the CloudFormation client.
 */
export class StackOutputError extends TracerError {
  constructor(
    readonly stackName: string,
    readonly reason: 'stack-not-found' | 'output-not-found',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
