/**
 * DynamoDB's documented item-size rules ("DynamoDB item sizes and formats" in the Developer Guide), which
 * both write capacity and storage are billed by:
 * - a string: the UTF-8 bytes of the attribute name plus the UTF-8 bytes of the value;
 * - a number: the name plus 1 byte per two significant digits (leading and trailing zeros trimmed) plus 1;
 * - a binary: the name plus the raw bytes (not the base64 text sent on the wire);
 * - a null or Boolean: the name plus 1 byte;
 * - a list or map: the name plus 3 bytes plus its elements, each element 1 byte more than its own size
 *   (a map element's size includes its key);
 * - a set: the name plus the sum of its elements' sizes.
 * Storage adds 100 bytes of indexing overhead per item, and per item in each index.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

export type Item = Record<string, AttributeValue>;

/** Bytes per write capacity unit, and per item of storage overhead. */
export const WRITE_UNIT_BYTES = 1024;
export const STORAGE_OVERHEAD_BYTES = 100;

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

/**
 * Bytes a number takes: 1 per two significant digits, plus 1. The sign and the decimal point are free.
 * @example numberBytes('1579802278000') === 6 // 10 significant digits
 */
export function numberBytes(text: string): number {
  const digits = text
    .replace(/^[-+]/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '');
  const significant = digits.replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(significant.length, 1) / 2) + 1;
}

function binaryBytes(value: Uint8Array | string): number {
  return typeof value === 'string' ? Buffer.from(value, 'base64').length : value.byteLength;
}

/** Bytes of one attribute value, without its name. */
export function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberBytes(value.N);
  if (value.B !== undefined) return binaryBytes(value.B);
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((n, s) => n + utf8(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((n, s) => n + numberBytes(s), 0);
  if (value.BS !== undefined) return value.BS.reduce((n, b) => n + binaryBytes(b), 0);
  if (value.L !== undefined) return 3 + value.L.reduce((n, element) => n + 1 + valueBytes(element), 0);
  if (value.M !== undefined) {
    return (
      3 + Object.entries(value.M).reduce((n, [name, element]) => n + 1 + utf8(name) + valueBytes(element), 0)
    );
  }
  throw new Error(`unknown attribute value type: ${Object.keys(value).join(', ')}`);
}

/**
 * The size of an item as DynamoDB bills it: every attribute's name and value.
 * @example itemBytes({ pk: { S: 'abc' } }) === 5
 */
export function itemBytes(item: Item): number {
  return Object.entries(item).reduce((n, [name, value]) => n + utf8(name) + valueBytes(value), 0);
}

/** Write capacity units of writing `bytes`: rounded up to 1 KB, at least 1. */
export function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / WRITE_UNIT_BYTES));
}
