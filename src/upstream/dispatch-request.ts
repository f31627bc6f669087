// One upstream request on undici's dispatch API: the response head resolves the promise, the body is a Readable.
import type { IncomingHttpHeaders } from "node:http";
import { Readable } from "node:stream";
import type { Dispatcher } from "undici";

export interface DispatchedResponse {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Readable;
}

export interface DispatchRequestOptions {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer | undefined;
  readonly signal: AbortSignal;
  readonly headersTimeout?: number;
}

/**
 * undici's request() with an AbortSignal takes a slower path (options copied, a queued-abort hook,
 * addAbortListener per request; bench/README.md). Here the controller undici hands the handler is kept,
 * and the signal's one listener calls its abort: the same cancellation, before and after the head.
 */
export function dispatchRequest(
  dispatcher: Dispatcher,
  options: DispatchRequestOptions,
): Promise<DispatchedResponse> {
  return new Promise((resolve, reject) => {
    const { signal } = options;
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    let controller: Dispatcher.DispatchController | undefined;
    let body: Readable | undefined;
    let settled = false;
    const onAbort = (): void => {
      const reason: Error = signal.reason instanceof Error ? signal.reason : new Error("aborted");
      if (controller !== undefined && !controller.aborted) controller.abort(reason);
      else if (!settled) {
        settled = true;
        reject(reason);
      }
    };
    signal.addEventListener("abort", onAbort, { once: true });
    const done = (): void => signal.removeEventListener("abort", onAbort);
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(started) {
        controller = started;
      },
      onResponseStart(started, statusCode, headers) {
        if (statusCode < 200) return;
        body = new Readable({
          read: () => started.resume(),
          destroy: (error, callback) => {
            // The reader gave up (client gone, idle timeout): stop the upstream too.
            if (!started.aborted && !ended) started.abort(error ?? new Error("response body destroyed"));
            done();
            callback(error);
          },
        });
        settled = true;
        resolve({ statusCode, headers, body });
      },
      onResponseData(started, chunk) {
        if (body !== undefined && !body.push(chunk)) started.pause();
      },
      onResponseEnd() {
        ended = true;
        done();
        body?.push(null);
      },
      onResponseError(_started, error) {
        done();
        if (body !== undefined) body.destroy(error);
        else if (!settled) {
          settled = true;
          reject(error);
        }
      },
    };
    let ended = false;
    dispatcher.dispatch(
      {
        method: options.method as Dispatcher.HttpMethod,
        path: options.path,
        headers: options.headers,
        body: options.body ?? null,
        ...(options.headersTimeout === undefined ? {} : { headersTimeout: options.headersTimeout }),
      },
      handler,
    );
  });
}
