// Which dialect to answer in when no route was found: the client's headers and path usually tell.
import type { InboundRequest } from "../pipeline/exchange.ts";
import type { Dialect } from "../providers/provider-adapter.ts";

export function guessDialect(request: InboundRequest): Dialect {
  if (request.headers["anthropic-version"] !== undefined || request.headers["x-api-key"] !== undefined) {
    return "anthropic";
  }
  if (request.path.includes("/messages")) return "anthropic";
  return "openai";
}
