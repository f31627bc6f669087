// One upstream request on undici's dispatch API: the response head resolves the promise, the body streams after it.
import type { IncomingHttpHeaders } from "node:http";
import type { Dispatcher } from "undici";
import { DispatchedBody } from "./upstream-body.ts";

export interface DispatchedResponse {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: DispatchedBody;
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
    let body: DispatchedBody | undefined;
    let settled = false;
    const onAbort = (): void => {
      const reason: Error = signal.reason instanceof Error ? signal.reason : new Error("aborted");
      if (controller !== undefined && !controller.aborted) controller.abort(reason);
      else if (!settled) {
        settled = true;
        reject(reason);
      }
      // The body's readers see the reason at once, whatever undici reports after its abort.
      body?.fail(reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    const done = (): void => signal.removeEventListener("abort", onAbort);
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(started) {
        controller = started;
      },
      onResponseStart(started, statusCode, headers) {
        if (statusCode < 200) return;
        body = new DispatchedBody(started, done);
        settled = true;
        resolve({ statusCode, headers, body });
      },
      onResponseData(_started, chunk) {
        body?.push(chunk);
      },
      onResponseEnd() {
        if (body === undefined) done();
        else body.end();
      },
      onResponseError(_started, error) {
        if (body !== undefined) body.fail(error);
        else {
          done();
          if (!settled) {
            settled = true;
            reject(error);
          }
        }
      },
    };
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
