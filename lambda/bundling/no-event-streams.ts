/**
 * What the Lambda bundles use in place of `@smithy/core/event-streams` (an esbuild alias in
 * lib/constructs/bundled-function.ts). Only CloudWatch Logs' StartLiveTail streams events, and no tracer
 * function calls it; yet the client's configuration imports the event-stream codec, which would add about
 * 19 KiB to each bundle. The client still builds: its configuration gets a marshaller that fails clearly
 * if an event stream is ever asked for.
 */

const UNSUPPORTED = 'event streams are left out of tracer bundles (lambda/bundling/no-event-streams.ts)';

interface EventStreamInput {
  readonly eventStreamSerdeProvider?: (input: unknown) => unknown;
}

/** The marshaller the client's configuration asks for: one that refuses to (de)serialize a stream. */
export const eventStreamSerdeProvider = (_options?: unknown) => ({
  serialize(): never {
    throw new Error(UNSUPPORTED);
  },
  deserialize(): never {
    throw new Error(UNSUPPORTED);
  },
});

/** The same as the SDK's: the marshaller from the configured provider. */
export const resolveEventStreamSerdeConfig = <T extends EventStreamInput>(input: T) =>
  Object.assign(input, {
    eventStreamMarshaller: (input.eventStreamSerdeProvider ?? eventStreamSerdeProvider)(input),
  });

/** What a protocol loads only for an operation with an event stream, which tracer never calls. */
export class EventStreamSerde {
  constructor() {
    throw new Error(UNSUPPORTED);
  }
}
