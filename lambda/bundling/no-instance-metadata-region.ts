/**
 * What the Lambda bundles use in place of the SDK's region lookup in the EC2 instance metadata service (a
 * file replaced by the `slimSdkClients` plugin of scripts/lambda-bundle.mjs). Lambda always sets
 * AWS_REGION, which the SDK reads first; the metadata service does not exist in a function, so the lookup
 * could only time out. Without it, a client with no region fails with the SDK's "Region is missing".
 */
export const getInstanceMetadataRegion = async (): Promise<string | undefined> => undefined;
