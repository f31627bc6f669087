// rescue: the only place an error becomes a response, rendered in the client's dialect.
import type { Logger } from "pino";
import type { Handler, Stage } from "../pipeline/stage.ts";
import { adapterForDialect } from "../providers/providers.ts";
import { guessDialect } from "../routing/guess-dialect.ts";
import { toProxyError } from "./proxy-error.ts";

export interface RescueOptions {
  readonly logger: Logger;
}

export function rescueStage(options: RescueOptions): Stage {
  return function rescue(next: Handler): Handler {
    return async (exchange) => {
      try {
        return await next(exchange);
      } catch (error) {
        const proxyError = toProxyError(error);
        // A client that went away is not the proxy's failure, whatever the abort surfaced as.
        if (proxyError.code === "internal" && !exchange.signal.aborted) {
          options.logger.error({ err: proxyError.cause, exchange: exchange.id }, "internal error");
        }
        exchange.observed.errorType = proxyError.code;
        const dialect = exchange.route?.clientDialect ?? guessDialect(exchange.request);
        const rendered = adapterForDialect(dialect).renderError(proxyError);
        return {
          status: rendered.status,
          headers: { ...rendered.headers, "x-outrigger-error": proxyError.code },
          body: Buffer.from(rendered.body),
        };
      }
    };
  };
}
