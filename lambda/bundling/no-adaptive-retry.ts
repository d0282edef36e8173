/**
 * What the Lambda bundles use in place of the SDK's adaptive retry strategy (a file replaced by the
 * `slimSdkClients` plugin of scripts/lambda-bundle.mjs). The SDK builds it only for the `adaptive` retry
 * mode (AWS_RETRY_MODE or `retryMode`), which no tracer function sets; the strategy and its client-side
 * rate limiter would otherwise add about 3 KiB to each bundle. Asking for it fails clearly.
 */
export class AdaptiveRetryStrategy {
  constructor() {
    throw new Error(
      'the adaptive retry mode is left out of tracer bundles (lambda/bundling/no-adaptive-retry.ts): use the standard mode',
    );
  }
}
