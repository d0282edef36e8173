/**
 * What the Lambda bundles use in place of `@aws-sdk/middleware-endpoint-discovery` (an esbuild alias in
 * lib/constructs/bundled-function.ts). The DynamoDB client resolves an endpoint-discovery configuration
 * and builds its endpoint cache, yet no command tracer sends discovers endpoints and tracer never turns
 * discovery on: the configuration says "off" without the cache, its LRU and the settings reader.
 */

interface EndpointDiscoveryInput {
  readonly endpointDiscoveryEnabled?: boolean;
}

/** The setting as the SDK's node config loader reads it: never set, so discovery stays off. */
export const NODE_ENDPOINT_DISCOVERY_CONFIG_OPTIONS = {
  environmentVariableSelector: (_env: Record<string, string | undefined>): boolean | undefined => undefined,
  configFileSelector: (_profile: Record<string, string | undefined>): boolean | undefined => undefined,
  default: undefined,
};

/** The client's resolved configuration: discovery off, as the SDK resolves it when nothing turns it on. */
export const resolveEndpointDiscoveryConfig = <T extends EndpointDiscoveryInput>(
  input: T,
  { endpointDiscoveryCommandCtor }: { endpointDiscoveryCommandCtor?: unknown },
) => {
  // Read before the assignment below replaces the setting with its provider.
  const enabled = input.endpointDiscoveryEnabled;
  return Object.assign(input, {
    endpointDiscoveryCommandCtor,
    endpointDiscoveryEnabled: () => Promise.resolve(enabled ?? false),
    isClientEndpointDiscoveryEnabled: enabled !== undefined,
  });
};
