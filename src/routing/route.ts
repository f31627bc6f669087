// Route: which provider serves an exchange, and the upstream path it maps to.
import type { Dialect } from "../providers/provider-adapter.ts";
import type { ProviderRuntime } from "./provider-runtime.ts";

export interface Route {
  readonly provider: ProviderRuntime;
  /** Path after the provider prefix, with the query string: appended to baseUrl's path. */
  readonly upstreamPath: string;
  /** The dialect the client speaks; errors go back in it. */
  readonly clientDialect: Dialect;
}
