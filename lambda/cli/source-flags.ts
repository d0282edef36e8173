/**
 * Which source the flags choose (`--endpoint`, `--stack`, `--live`, or their variables), each checked before
 * any request: credentials never go to a host the person did not choose.
 */
import { parseSignHost, planSigning } from '../adapters/http/signing-policy.js';
import type { FlagName, Setting, SourceSelection } from './flags.js';
import { UsageError } from './usage-error.js';

function parseEndpoint(setting: Setting<string>, signHost: string | undefined): string {
  let url: URL;
  try {
    url = new URL(setting.value.trim());
  } catch (cause) {
    throw new UsageError(`${setting.from}: "${setting.value}" is not a URL`, { cause });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`${setting.from}: "${setting.value}" must start with https:// or http://`);
  }
  // Refused here, before any request: credentials must never go to a host the person did not choose.
  planSigning(url, signHost);
  return url.href;
}

/** The source the command line and the environment choose; `none` when neither names one. */
export function selectSource(
  values: Readonly<Record<string, string | boolean | undefined>>,
  fromEnv: (flag: FlagName) => Setting<string> | undefined,
  booleanSetting: (flag: FlagName) => boolean,
  signHostSetting: Setting<string> | undefined,
): SourceSelection {
  const signHost = signHostSetting ? parseSignHost(signHostSetting.value, signHostSetting.from) : undefined;
  const endpointOf = (setting: Setting<string>): SourceSelection => ({
    kind: 'endpoint',
    endpoint: parseEndpoint(setting, signHost),
    ...(signHost ? { signHost } : {}),
  });
  const endpointFlag = typeof values.endpoint === 'string' ? values.endpoint : undefined;
  const stackFlag = typeof values.stack === 'string' ? values.stack : undefined;
  const liveFlag = values.live === true;
  const given = [endpointFlag && '--endpoint', stackFlag && '--stack', liveFlag && '--live'].filter(Boolean);
  if (given.length > 1) throw new UsageError(`${given.join(' and ')} cannot be combined; choose one source`);
  if (endpointFlag !== undefined) {
    return endpointOf({ value: endpointFlag, from: '--endpoint' });
  }
  if (stackFlag !== undefined)
    return { kind: 'stack', stackName: stackName({ value: stackFlag, from: '--stack' }) };
  if (liveFlag) return { kind: 'live' };
  const endpoint = fromEnv('endpoint');
  if (endpoint) return endpointOf(endpoint);
  const stack = fromEnv('stack');
  if (stack) return { kind: 'stack', stackName: stackName(stack) };
  if (booleanSetting('live')) return { kind: 'live' };
  return { kind: 'none' };
}

function stackName(setting: Setting<string>): string {
  const name = setting.value.trim();
  // CloudFormation accepts a stack name or a stack id (ARN).
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(name) && !name.startsWith('arn:')) {
    throw new UsageError(`${setting.from}: "${setting.value}" is not a CloudFormation stack name`);
  }
  return name;
}
