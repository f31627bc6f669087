// Route: which provider serves an exchange, and the upstream path it maps to.
import type { FallbackTarget } from "../config/config-types.ts";
import type { Dialect } from "../providers/provider-adapter.ts";
import type { ProviderRuntime } from "./provider-runtime.ts";

export interface Route {
  readonly provider: ProviderRuntime;
  /** Path after the provider prefix, with the query string: appended to baseUrl's path. */
  readonly upstreamPath: string;
  /** The dialect the client speaks; errors go back in it. */
  readonly clientDialect: Dialect;
  /** True on the unified routes (`/v1/chat/completions`, `/v1/messages`): the provider was chosen by model. */
  readonly unified?: boolean;
  /** Fallback targets of the matched `models` rule; when absent the provider's own `fallback` applies. */
  readonly fallback?: readonly FallbackTarget[];
}
