/**
 * A loopback fake of SNS's query protocol for the real SDK client: it answers Publish, records each
 * request decoded (parameters and message attributes) and can answer with a fault instead.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One Publish request as SNS's query protocol carries it, decoded. */
export interface PublishRequest {
  readonly params: URLSearchParams;
  readonly attributes: Record<string, { dataType: string | null; stringValue: string | null }>;
}

/** A loopback fake of SNS's query protocol: answers Publish, or a fault the test sets. */
export class SnsFake {
  readonly requests: PublishRequest[] = [];
  fault?: { status: number; code: string; message: string };
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        const attributes: PublishRequest['attributes'] = {};
        for (let n = 1; params.has(`MessageAttributes.entry.${n}.Name`); n += 1) {
          const prefix = `MessageAttributes.entry.${n}`;
          attributes[params.get(`${prefix}.Name`) ?? ''] = {
            dataType: params.get(`${prefix}.Value.DataType`),
            stringValue: params.get(`${prefix}.Value.StringValue`),
          };
        }
        this.requests.push({ params, attributes });
        response.setHeader('content-type', 'text/xml');
        if (this.fault) {
          response.statusCode = this.fault.status;
          response.end(
            `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>${this.fault.code}</Code><Message>${this.fault.message}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`,
          );
          return;
        }
        response.end(
          '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>m-1</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>',
        );
      });
    });
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
