/**
 * A transport that knows which requests still await their response, so that a shutdown can answer them
 * first. Over stdio, a client (or `printf ... | tracer mcp`) may close stdin right after its last request;
 * closing the protocol then would abort that request and drop its answer.
 */
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, MessageExtraInfo, RequestId } from '@modelcontextprotocol/sdk/types.js';

function isRequest(message: JSONRPCMessage): message is JSONRPCMessage & { id: RequestId; method: string } {
  return 'id' in message && 'method' in message;
}

function isResponse(message: JSONRPCMessage): message is JSONRPCMessage & { id: RequestId } {
  return 'id' in message && !('method' in message);
}

/** Wraps a transport and counts the requests it received that have no response yet. */
export class DrainingTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;
  private readonly pending = new Set<RequestId>();
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly inner: Transport) {}

  get sessionId(): string | undefined {
    return this.inner.sessionId;
  }

  async start(): Promise<void> {
    this.inner.onclose = () => this.onclose?.();
    this.inner.onerror = (error) => this.onerror?.(error);
    this.inner.onmessage = (message, extra) => {
      if (isRequest(message)) this.pending.add(message.id);
      this.onmessage?.(message, extra);
    };
    await this.inner.start();
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    try {
      await this.inner.send(message, options);
    } finally {
      if (isResponse(message) && this.pending.delete(message.id) && this.pending.size === 0) {
        for (const resolve of this.idleWaiters.splice(0)) resolve();
      }
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  setProtocolVersion(version: string): void {
    this.inner.setProtocolVersion?.(version);
  }

  /** Requests received and not answered yet. */
  get pendingRequests(): number {
    return this.pending.size;
  }

  /**
   * Resolves once every request received so far has its response sent, or after `maxWaitMs`.
   * @example await transport.whenIdle(60_000); await transport.close();
   */
  whenIdle(maxWaitMs: number): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, maxWaitMs);
      // The wait must not be what keeps the process alive once everything else is done.
      timer.unref();
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
