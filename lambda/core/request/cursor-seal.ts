/**
 * Opaque, authenticated cursors. The cursor a use case issues (a position in a listing or a trace) goes
 * out sealed: followed by an HMAC-SHA-256 tag over the route it belongs to and its text, with a key that
 * only the query function can read. A cursor that was changed, forged, or issued by another deployment
 * (another key) or for another task or cluster is refused before anything is read, so a caller cannot
 * steer a request with a crafted position.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidInputError } from '../errors.js';

/** 128 bits of the HMAC-SHA-256 tag: forging one takes 2^128 guesses. */
const TAG_BYTES = 16;
/** Key material shorter than this is a deployment mistake, not a key. */
export const MIN_CURSOR_KEY_BYTES = 16;

/** Seals the cursors a route issues and unseals the ones it receives. */
export interface CursorSeal {
  /** The cursor to hand out for `inner`, issued for `scope` (a route and what it names). */
  seal(scope: string, inner: string): string;
  /**
   * The inner cursor of a sealed one.
   * @throws InvalidInputError when the cursor was not sealed by this key for this scope.
   */
  unseal(scope: string, sealed: string): string;
}

/** The scope of a cursor: the route and the names it was issued for. */
export function cursorScope(route: string, ...names: readonly string[]): string {
  return [route, ...names].join('\u0000');
}

const refused = () =>
  new InvalidInputError(
    'cursor: not a cursor that tracer issued for this request; pass the nextCursor of the previous page unchanged, with the same cluster and task',
  );

/**
 * A seal over `key` (the secret's bytes or text).
 * @throws Error when the key is shorter than MIN_CURSOR_KEY_BYTES.
 * @example const seal = makeCursorSeal(key); seal.unseal('tasks\u0000prod', seal.seal('tasks\u0000prod', 'abc')) === 'abc'
 */
export function makeCursorSeal(key: string | Uint8Array): CursorSeal {
  const keyBytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
  if (keyBytes.length < MIN_CURSOR_KEY_BYTES) {
    throw new Error(
      `the cursor key must hold at least ${MIN_CURSOR_KEY_BYTES} bytes, got ${keyBytes.length}`,
    );
  }
  const tagOf = (scope: string, inner: string): Buffer =>
    createHmac('sha256', keyBytes).update(`${scope}\u0000${inner}`, 'utf8').digest().subarray(0, TAG_BYTES);
  return {
    seal(scope, inner) {
      return `${inner}.${tagOf(scope, inner).toString('base64url')}`;
    },
    unseal(scope, sealed) {
      const dot = sealed.lastIndexOf('.');
      if (dot <= 0) throw refused();
      const inner = sealed.slice(0, dot);
      const given = Buffer.from(sealed.slice(dot + 1), 'base64url');
      const expected = tagOf(scope, inner);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw refused();
      return inner;
    },
  };
}
