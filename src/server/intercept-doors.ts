// Starts the forward-proxy and host-alias doors when configured: loads or creates the pod CA, binds both listeners.
import type { Server } from "node:http";
import { loadOrCreateCertificateAuthority } from "../certificates/ca-files.ts";
import type { CertificateAuthority } from "../certificates/certificate-authority.ts";
import { claimedHosts } from "../certificates/claimed-hosts.ts";
import { LeafCache } from "../certificates/leaf-cache.ts";
import type { OutriggerConfig } from "../config/config-types.ts";
import type { RouteTable } from "../routing/route-table.ts";
import { createInterceptServer } from "./intercept-listener.ts";
import { listen, parseListenAddress, urlOf } from "./listen-address.ts";
import type { ProxyRequestHandler } from "./proxy-listener.ts";
import { createTlsServer } from "./tls-listener.ts";
import type { UpgradeHandler, UpgradeLogger } from "./websocket-upgrade.ts";

export interface InterceptDoorsOptions {
  readonly config: OutriggerConfig;
  readonly table: RouteTable;
  readonly requestHandler: ProxyRequestHandler;
  readonly upgradeHandler?: UpgradeHandler;
  readonly logger?: UpgradeLogger;
  readonly now?: () => Date;
}

/** What `/status` shows about interception: public facts only (never the key). */
export interface InterceptStatus {
  readonly caFingerprintSha256: string;
  readonly caSubject: string;
  readonly caNotAfter: string;
  /** Hosts the providers claim: CONNECTs to these are terminated, SNIs for these are served. */
  readonly interceptedHosts: readonly string[];
  readonly passthrough: "allow" | "deny";
  readonly intercept?: string;
  readonly tls?: string;
  /** Leaves minted so far and when each expires. */
  readonly leaves: readonly { readonly host: string; readonly notAfter: string }[];
}

export interface InterceptDoors {
  readonly authority: CertificateAuthority;
  /** Both listeners, for the drain on shutdown (they behave as http.Server there). */
  readonly servers: readonly Server[];
  readonly interceptUrl?: string;
  readonly tlsUrl?: string;
  status(): InterceptStatus;
}

/** Resolves undefined when neither `listen.intercept` nor `listen.tls` is set. */
export async function startInterceptDoors(
  options: InterceptDoorsOptions,
): Promise<InterceptDoors | undefined> {
  const { config, table } = options;
  if (config.listen.intercept === undefined && config.listen.tls === undefined) return undefined;
  const hosts = claimedHosts(config);
  const authority = await loadOrCreateCertificateAuthority(
    config.intercept,
    hosts,
    options.now === undefined ? {} : { now: options.now },
  );
  const leafCache = new LeafCache({
    authority,
    validity: config.intercept.leafValidity,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const isClaimed = (host: string): boolean => table.byHost(host) !== undefined;
  const shared = {
    requestHandler: options.requestHandler,
    leafCache,
    isClaimed,
    ...(options.upgradeHandler === undefined ? {} : { upgradeHandler: options.upgradeHandler }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  };
  const servers: Server[] = [];
  let interceptUrl: string | undefined;
  let tlsUrl: string | undefined;
  try {
    if (config.listen.intercept !== undefined) {
      const server = createInterceptServer({ ...shared, passthrough: config.intercept.passthrough });
      servers.push(server);
      interceptUrl = urlOf(await listen(server, parseListenAddress(config.listen.intercept)));
    }
    if (config.listen.tls !== undefined) {
      // https.Server carries http.Server's connection methods, which is all the drain uses.
      const server = createTlsServer(shared) as unknown as Server;
      servers.push(server);
      tlsUrl = urlOf(await listen(server, parseListenAddress(config.listen.tls)), "https");
    }
  } catch (error) {
    for (const server of servers) server.close();
    throw error;
  }
  return {
    authority,
    servers,
    ...(interceptUrl === undefined ? {} : { interceptUrl }),
    ...(tlsUrl === undefined ? {} : { tlsUrl }),
    status: () => ({
      caFingerprintSha256: authority.fingerprint,
      caSubject: authority.certificate.subject,
      caNotAfter: authority.certificate.notAfter.toISOString(),
      interceptedHosts: hosts,
      passthrough: config.intercept.passthrough,
      ...(interceptUrl === undefined ? {} : { intercept: interceptUrl }),
      ...(tlsUrl === undefined ? {} : { tls: tlsUrl }),
      leaves: leafCache
        .summaries()
        .map((leaf) => ({ host: leaf.host, notAfter: leaf.notAfter.toISOString() })),
    }),
  };
}
