// One upstream request on undici's dispatch API: the response head resolves the promise, the body streams after it.
import type { IncomingHttpHeaders } from "node:http";
import type { Dispatcher } from "undici";
import { ProxyError } from "../errors/proxy-error.ts";
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
  /**
   * Bounds the whole wait for the response head from dispatch on, a wait for a free pooled connection
   * included (undici's own clocks start only on a socket); it fails with `upstream_timeout`.
   */
  readonly headTimeout?: number;
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
    let headTimer: NodeJS.Timeout | undefined;
    // Given up while still queued for a connection: undici must not send it when a connection frees up.
    // Aborting it then costs that connection (undici closes the socket of an aborted request), which is
    // the cheaper loss: sent, it would be a provider call billed for nobody. (undici's own queued-abort
    // hook is internal; request()'s signal path that uses it cost more per request, bench/README.md.)
    let abandoned: Error | undefined;
    const done = (): void => {
      if (headTimer !== undefined) clearTimeout(headTimer);
      signal.removeEventListener("abort", onAbort);
    };
    const { headTimeout } = options;
    if (headTimeout !== undefined) {
      headTimer = setTimeout(() => {
        const reason = new ProxyError("upstream_timeout", `No response head within ${headTimeout} ms.`);
        if (controller !== undefined && !controller.aborted) controller.abort(reason);
        else if (!settled) {
          settled = true;
          abandoned = reason;
          reject(reason);
        }
      }, headTimeout);
    }
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(started) {
        controller = started;
        const reason = abandoned ?? (signal.aborted ? (signal.reason as Error) : undefined);
        if (reason !== undefined) started.abort(reason);
      },
      onResponseStart(started, statusCode, headers) {
        if (statusCode < 200) return;
        if (headTimer !== undefined) clearTimeout(headTimer);
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
