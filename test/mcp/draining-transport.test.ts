import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DrainingTransport } from '../../lambda/mcp/draining-transport.js';

/** A transport that records what is sent and lets the test deliver messages. */
function fakeInner() {
  const sent: JSONRPCMessage[] = [];
  const inner: Transport & { deliver(message: JSONRPCMessage): void } = {
    start: async () => {},
    send: async (message) => {
      sent.push(message);
    },
    close: async () => {
      inner.onclose?.();
    },
    deliver(message) {
      inner.onmessage?.(message);
    },
  };
  return { inner, sent };
}

const request = (id: number): JSONRPCMessage => ({ jsonrpc: '2.0', id, method: 'tools/call', params: {} });
const response = (id: number): JSONRPCMessage => ({ jsonrpc: '2.0', id, result: {} });

afterEach(() => {
  vi.useRealTimers();
});

describe('DrainingTransport', () => {
  it('is idle at once when no request waits for its answer', async () => {
    // Prepare
    const { inner } = fakeInner();
    const transport = new DrainingTransport(inner);
    await transport.start();

    // Act
    const idle = transport.whenIdle(60_000);

    // Assess
    await expect(idle).resolves.toBeUndefined();
    expect(transport.pendingRequests).toBe(0);
  });

  it('becomes idle when the last received request has been answered, and forwards messages both ways', async () => {
    // Prepare
    const { inner, sent } = fakeInner();
    const transport = new DrainingTransport(inner);
    const received: JSONRPCMessage[] = [];
    transport.onmessage = (message) => received.push(message);
    await transport.start();
    inner.deliver(request(1));
    inner.deliver(request(2));
    inner.deliver({ jsonrpc: '2.0', method: 'notifications/initialized' });
    let idle = false;
    const waiting = transport.whenIdle(60_000).then(() => {
      idle = true;
    });

    // Act
    await transport.send(response(1));
    const idleAfterFirst = idle;
    await transport.send({
      jsonrpc: '2.0',
      method: 'notifications/message',
      params: { level: 'info', data: 'x' },
    });
    await transport.send(response(2));
    await waiting;

    // Assess
    expect(idleAfterFirst).toBe(false);
    expect(idle).toBe(true);
    expect(received).toHaveLength(3);
    expect(sent).toHaveLength(3);
  });

  it('stops waiting after the longest wait when an answer never comes', async () => {
    // Prepare
    vi.useFakeTimers();
    const { inner } = fakeInner();
    const transport = new DrainingTransport(inner);
    await transport.start();
    inner.deliver(request(7));

    // Act
    const idle = transport.whenIdle(45_000);
    await vi.advanceTimersByTimeAsync(45_000);

    // Assess
    await expect(idle).resolves.toBeUndefined();
    expect(transport.pendingRequests).toBe(1);
  });

  it('reports the close of the inner transport', async () => {
    // Prepare
    const { inner } = fakeInner();
    const transport = new DrainingTransport(inner);
    const onclose = vi.fn();
    transport.onclose = onclose;
    await transport.start();

    // Act
    await transport.close();

    // Assess
    expect(onclose).toHaveBeenCalledOnce();
  });
});
