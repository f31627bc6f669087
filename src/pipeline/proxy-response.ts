// ProxyResponse: what a handler resolves to; the listener writes it with backpressure.
import type { OutgoingHttpHeaders } from "node:http";

export interface ProxyResponse {
  readonly status: number;
  readonly headers: OutgoingHttpHeaders;
  /** A fixed body, or a stream piped to the client chunk by chunk. */
  readonly body: Uint8Array | AsyncIterable<Uint8Array>;
  /** Called once the body has been written or abandoned; telemetry hooks here. */
  readonly onFinished?: (outcome: { completed: boolean; error?: unknown }) => void;
}
