// The one stage shape: a stage wraps the next handler.
import type { Exchange } from "./exchange.ts";
import type { ProxyResponse } from "./proxy-response.ts";

export type Handler = (exchange: Exchange) => Promise<ProxyResponse>;
export type Stage = (next: Handler) => Handler;
