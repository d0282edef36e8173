import { describe, expect, it } from 'vitest';
import { queryParts } from '../../../lambda/core/request/query-parts.js';

describe('queryParts', () => {
  it('keeps the last value of each parameter and all of its values, as API Gateway does', () => {
    expect(queryParts(new URLSearchParams('cluster=a&limit=5&limit=6&tz='))).toEqual({
      query: { cluster: 'a', limit: '6', tz: '' },
      multiValueQuery: { cluster: ['a'], limit: ['5', '6'], tz: [''] },
    });
  });

  it('gives empty maps for a URL without a query', () => {
    expect(queryParts(new URLSearchParams(''))).toEqual({ query: {}, multiValueQuery: {} });
  });
});
