import { createHash, createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { AdaptiveRetryStrategy } from '../../lambda/bundling/no-adaptive-retry.js';
import {
  NODE_ENDPOINT_DISCOVERY_CONFIG_OPTIONS,
  resolveEndpointDiscoveryConfig,
} from '../../lambda/bundling/no-endpoint-discovery.js';
import {
  EventStreamSerde,
  eventStreamSerdeProvider,
  resolveEventStreamSerdeConfig,
} from '../../lambda/bundling/no-event-streams.js';
import { getInstanceMetadataRegion } from '../../lambda/bundling/no-instance-metadata-region.js';
import { Md5, Sha256 } from '../../lambda/bundling/node-checksums.js';
import { SignatureV4MultiRegion } from '../../lambda/bundling/sigv4-only.js';
import { BUNDLE_ALIASES } from '../../lib/constructs/bundled-function.js';
import { REPLACED_SDK_FILES } from '../../scripts/lambda-bundle.mjs';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('the modules the Lambda bundles use in place of SDK parts', () => {
  it('are each named by an alias that exists', () => {
    // Prepare
    const files = Object.values(BUNDLE_ALIASES).map((path) => path.split('/').slice(-2).join('/'));

    // Assess
    expect(files).toEqual(
      expect.arrayContaining([
        'bundling/no-event-streams.ts',
        'bundling/no-endpoint-discovery.ts',
        'bundling/node-checksums.ts',
      ]),
    );
  });

  it('hash as the SDK checksums do: SHA-256, HMAC-SHA-256 and MD5', async () => {
    // Prepare
    const data = 'tracer records ECS tasks';
    const sha = new Sha256();
    const hmac = new Sha256('secret');
    const md5 = new Md5();

    // Act
    sha.update(data);
    hmac.update(Buffer.from(data));
    md5.update(new TextEncoder().encode(data));

    // Assess
    expect(hex(await sha.digest())).toBe(createHash('sha256').update(data).digest('hex'));
    expect(hex(await hmac.digest())).toBe(createHmac('sha256', 'secret').update(data).digest('hex'));
    expect(hex(await md5.digest())).toBe(createHash('md5').update(data).digest('hex'));
  });

  it('refuses to update a finished HMAC, as the SDK does', async () => {
    const hmac = new Sha256('secret');
    await hmac.digest();

    expect(() => hmac.update('more')).toThrow('Attempted to update an already finished hash.');
    hmac.reset();
    hmac.update('more');
    expect(hex(await hmac.digest())).toBe(createHmac('sha256', 'secret').update('more').digest('hex'));
  });

  it('leave endpoint discovery off unless a client turns it on', async () => {
    const config = resolveEndpointDiscoveryConfig({}, { endpointDiscoveryCommandCtor: undefined });
    const on = resolveEndpointDiscoveryConfig(
      { endpointDiscoveryEnabled: true },
      { endpointDiscoveryCommandCtor: undefined },
    );

    expect(await config.endpointDiscoveryEnabled()).toBe(false);
    expect(config.isClientEndpointDiscoveryEnabled).toBe(false);
    expect(await on.endpointDiscoveryEnabled()).toBe(true);
    expect(NODE_ENDPOINT_DISCOVERY_CONFIG_OPTIONS.environmentVariableSelector({})).toBeUndefined();
  });

  it('fail clearly if an event stream is ever asked for', () => {
    const config = resolveEventStreamSerdeConfig({});
    const marshaller = eventStreamSerdeProvider();

    expect(config.eventStreamMarshaller).toBeDefined();
    expect(() => marshaller.deserialize()).toThrow('event streams are left out of tracer bundles');
    expect(() => marshaller.serialize()).toThrow(/left out of tracer bundles/);
    expect(() => new EventStreamSerde()).toThrow(/left out of tracer bundles/);
  });

  it('replace SDK files that exist where the bundler looks for them, by modules that exist', () => {
    // Prepare: an SDK update that moves a file would silently keep it in the bundles
    const root = join(import.meta.dirname, '../..');

    // Assess
    for (const [suffix, replacement] of Object.entries(REPLACED_SDK_FILES)) {
      expect(existsSync(join(root, 'node_modules', suffix)), suffix).toBe(true);
      expect(existsSync(replacement), replacement).toBe(true);
    }
  });

  it('fail clearly if the adaptive retry mode is ever asked for', () => {
    expect(() => new AdaptiveRetryStrategy()).toThrow(/adaptive retry mode is left out of tracer bundles/);
  });

  it('never look the region up in the instance metadata service', async () => {
    expect(await getInstanceMetadataRegion()).toBeUndefined();
  });

  it('sign with plain SigV4 in place of the multi-region signer, and refuse SigV4a', async () => {
    // Prepare
    const options = {
      service: 'sts',
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      sha256: Sha256,
    };
    const request = () => ({
      method: 'POST',
      protocol: 'https:',
      hostname: 'sts.us-east-1.amazonaws.com',
      path: '/',
      headers: { host: 'sts.us-east-1.amazonaws.com' },
    });
    const signingDate = new Date('2026-01-01T00:00:00Z');

    // Act
    const signed = await new SignatureV4MultiRegion(options).sign(request(), { signingDate });
    const plain = await new SignatureV4(options).sign(request(), { signingDate });

    // Assess
    expect(SignatureV4MultiRegion.sigv4aDependency()).toBe('none');
    expect(signed.headers.authorization).toBe(plain.headers.authorization);
    await expect(new SignatureV4MultiRegion(options).sign(request(), { signingRegion: '*' })).rejects.toThrow(
      /SigV4a \(multi-region\) signing is left out of tracer bundles/,
    );
  });
});
