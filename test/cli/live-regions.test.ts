import { describe, expect, it } from 'vitest';
import { RegionRoutedSource } from '../../lambda/cli/live-regions.js';
import type { TracerSource } from '../../lambda/cli/source.js';
import { InvalidInputError } from '../../lambda/core/errors.js';

/** A source that answers with its own region and records whether it was closed. */
function fakeSource(region: string | undefined, closed: string[]): TracerSource {
  const name = region ?? '(profile)';
  const answer = async () => ({ region: name }) as never;
  return {
    description: `fake ${name}`,
    listClusters: answer,
    listTasks: answer,
    getTask: answer,
    getTraceText: answer,
    getTraceJson: answer,
    close: () => {
      closed.push(name);
    },
  };
}

describe('RegionRoutedSource', () => {
  it('makes one source per region, on first use, and asks each cluster in its own region', async () => {
    // Prepare
    const made: (string | undefined)[] = [];
    const closed: string[] = [];
    const source = new RegionRoutedSource((region) => {
      made.push(region);
      return fakeSource(region, closed);
    }, 'ap-northeast-1');

    // Act
    const answers = [
      await source.getTask({ name: 'web', region: 'eu-west-1' }, 'abc'),
      await source.getTraceText({ name: 'web' }, 'abc', { durationMs: 60_000 }),
      await source.listTasks({ name: 'web', region: 'eu-west-1' }),
      await source.listClusters({ region: 'us-east-1' }),
      await source.getTraceJson({ name: 'web', region: 'ap-northeast-1' }, 'abc', { durationMs: 60_000 }),
    ];
    source.close();

    // Assess
    expect(answers).toEqual([
      { region: 'eu-west-1' },
      { region: 'ap-northeast-1' },
      { region: 'eu-west-1' },
      { region: 'us-east-1' },
      { region: 'ap-northeast-1' },
    ]);
    expect(made).toEqual(['ap-northeast-1', 'eu-west-1', 'us-east-1']);
    expect(closed.sort()).toEqual(['ap-northeast-1', 'eu-west-1', 'us-east-1']);
    expect(source.description).toBe('fake ap-northeast-1');
  });

  it('leaves the region to the profile when neither the cluster nor --region names one', async () => {
    const made: (string | undefined)[] = [];
    const source = new RegionRoutedSource((region) => {
      made.push(region);
      return fakeSource(region, []);
    });

    expect(await source.getTask({ name: 'web' }, 'abc')).toEqual({ region: '(profile)' });
    expect(made).toEqual([undefined]);
  });

  it("asks the credentials' account once, and only for clusters named with an account", async () => {
    // Prepare
    let asked = 0;
    const source = new RegionRoutedSource(
      (region) => fakeSource(region, []),
      'eu-west-1',
      async () => {
        asked += 1;
        return '123456789012';
      },
    );

    // Act
    await source.getTask({ name: 'web' }, 'abc');
    await source.getTask({ name: 'web', account: '123456789012' }, 'abc');
    await source.listTasks({ name: 'web', account: '123456789012', region: 'us-east-1' });
    const other = source.getTask({ name: 'web', account: '222233334444' }, 'abc');

    // Assess
    await expect(other).rejects.toBeInstanceOf(InvalidInputError);
    expect(asked).toBe(1);
  });

  it('reads on when the account of the credentials cannot be told', async () => {
    const source = new RegionRoutedSource(
      (region) => fakeSource(region, []),
      'eu-west-1',
      async () => {
        throw new Error('no network');
      },
    );

    expect(await source.getTask({ name: 'web', account: '222233334444' }, 'abc')).toEqual({
      region: 'eu-west-1',
    });
  });
});
