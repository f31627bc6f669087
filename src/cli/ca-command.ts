// `outrigger ca init --out DIR [--hosts h1,h2] [--config FILE] [--force]`: writes a name-constrained pod CA.
import { parseArgs } from "node:util";
import { writeCertificateAuthorityFiles } from "../certificates/ca-files.ts";
import { createCertificateAuthority } from "../certificates/certificate-authority.ts";
import { claimedHosts } from "../certificates/claimed-hosts.ts";
import { constrainableHosts, normalizeHosts } from "../certificates/name-constraints.ts";
import { loadConfig } from "../config/load-config.ts";

const usage = `Usage: outrigger ca init --out DIR [--hosts h1,h2] [--config FILE] [--force]

Writes DIR/ca.pem, DIR/ca-key.pem (mode 0600) and DIR/ca-bundle.pem (system roots + this CA).
The CA may only issue for the hosts the providers claim (providers.*.hosts in the config, or
the built-in api.anthropic.com, api.deepseek.com, api.openai.com) plus --hosts.
The config file is --config, else OUTRIGGER_CONFIG.`;

async function init(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      out: { type: "string" },
      hosts: { type: "string" },
      config: { type: "string" },
      force: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (values.out === undefined || values.out === "") {
    process.stderr.write(`outrigger ca init: --out DIR is required\n\n${usage}\n`);
    return 2;
  }
  const { config } = await loadConfig(values.config === undefined ? {} : { file: values.config });
  const fromConfig = claimedHosts(config);
  const extra = (values.hosts ?? "").split(",").filter((host) => host.trim() !== "");
  // Hosts named on the command line must be valid; those from the config are filtered (IPs cannot be constrained).
  const fromProviders = constrainableHosts(fromConfig);
  const hosts = normalizeHosts([...fromProviders.hosts, ...extra]);
  const { authority, privateKeyPem } = await createCertificateAuthority({ hosts });
  const paths = await writeCertificateAuthorityFiles(values.out, authority, privateKeyPem, {
    force: values.force,
  });
  // Paths and the public fingerprint only: the key stays in its file.
  process.stdout.write(
    [
      `CA certificate  ${paths.certificate}`,
      `CA key (0600)   ${paths.key}`,
      `CA bundle       ${paths.bundle}`,
      `SHA-256         ${authority.fingerprint}`,
      `Permitted hosts ${hosts.join(", ")}`,
      ...(fromProviders.skipped.length === 0
        ? []
        : [`Not constrainable (IP addresses) ${fromProviders.skipped.join(", ")}`]),
      "",
    ].join("\n"),
  );
  return 0;
}

export async function run(args: readonly string[]): Promise<number> {
  const [subcommand, ...rest] = args;
  if (subcommand === "init") {
    try {
      return await init(rest);
    } catch (error) {
      process.stderr.write(`outrigger ca init: ${error instanceof Error ? error.message : String(error)}\n`);
      return 1;
    }
  }
  if (subcommand === undefined || subcommand === "--help" || subcommand === "-h" || subcommand === "help") {
    process.stdout.write(`${usage}\n`);
    return subcommand === undefined ? 2 : 0;
  }
  process.stderr.write(`outrigger ca: unknown subcommand '${subcommand}'\n\n${usage}\n`);
  return 2;
}
