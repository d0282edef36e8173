/**
 * What the Lambda bundles use in place of `@smithy/core/checksum` (an esbuild alias in
 * lib/constructs/bundled-function.ts). The SDK clients take their SHA-256 (request signing) and MD5 (SQS
 * message checks) from it; the package also carries pure-JavaScript fallbacks for runtimes without
 * `node:crypto`, which Lambda's Node.js always has. These are the SDK's native classes alone.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

type Input = string | ArrayBuffer | ArrayBufferView;

function toBuffer(data: Input): Buffer | string {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

function toBytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** SHA-256, or HMAC-SHA-256 with a secret, as the SDK's `Sha256` checksum. */
export class Sha256 {
  readonly digestLength = 32;
  private hash: Hash | Hmac;
  private finished = false;

  constructor(private readonly secret?: Input) {
    this.hash = this.createHash();
  }

  update(data: Input): void {
    if (this.finished) throw new Error('Attempted to update an already finished hash.');
    this.hash.update(toBuffer(data));
  }

  async digest(): Promise<Uint8Array> {
    if (this.secret) {
      this.finished = true;
      return toBytes(this.hash.digest());
    }
    return toBytes((this.hash as Hash).copy().digest());
  }

  reset(): void {
    this.hash = this.createHash();
    this.finished = false;
  }

  private createHash(): Hash | Hmac {
    return this.secret ? createHmac('sha256', toBuffer(this.secret)) : createHash('sha256');
  }
}

/** MD5, as the SDK's `Md5` checksum. */
export class Md5 {
  readonly digestLength = 16;
  private hash = createHash('md5');

  update(data: Input): void {
    this.hash.update(toBuffer(data));
  }

  async digest(): Promise<Uint8Array> {
    return toBytes(this.hash.copy().digest());
  }

  reset(): void {
    this.hash = createHash('md5');
  }
}
