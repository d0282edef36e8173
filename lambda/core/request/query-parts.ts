/**
 * A URL's query as API Gateway hands it to a function: each parameter's last value, and all of its values
 * (so that the front door can refuse a repeated parameter). Local mode and `tracer ui` build their
 * requests with it, so the front door sees the same shape everywhere.
 * @example queryParts(new URLSearchParams('a=1&a=2')) // { query: { a: '2' }, multiValueQuery: { a: ['1', '2'] } }
 */
export function queryParts(params: URLSearchParams): {
  query: Record<string, string>;
  multiValueQuery: Record<string, string[]>;
} {
  const query: Record<string, string> = {};
  const multiValueQuery: Record<string, string[]> = {};
  for (const name of new Set(params.keys())) {
    const values = params.getAll(name);
    query[name] = values.at(-1) ?? '';
    multiValueQuery[name] = values;
  }
  return { query, multiValueQuery };
}
