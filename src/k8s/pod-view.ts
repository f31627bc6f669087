// The parts of a Pod the injector reads, parsed from the untrusted AdmissionReview object; other fields pass through.
import { z } from "zod";

const envVar = z.looseObject({ name: z.string() });
const volumeMount = z.looseObject({ name: z.string(), mountPath: z.string() });
const container = z.looseObject({
  name: z.string().min(1),
  env: z.array(envVar).optional(),
  envFrom: z.array(z.unknown()).optional(),
  volumeMounts: z.array(volumeMount).optional(),
  restartPolicy: z.string().optional(),
});
const podSchema = z.looseObject({
  metadata: z
    .looseObject({
      name: z.string().optional(),
      generateName: z.string().optional(),
      namespace: z.string().optional(),
      annotations: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  spec: z.looseObject({
    containers: z.array(container).min(1),
    initContainers: z.array(container).optional(),
    volumes: z.array(z.looseObject({ name: z.string() })).optional(),
    hostAliases: z.array(z.looseObject({ ip: z.string() })).optional(),
    securityContext: z
      .looseObject({ sysctls: z.array(z.looseObject({ name: z.string(), value: z.string() })).optional() })
      .optional(),
    terminationGracePeriodSeconds: z.number().int().nonnegative().optional(),
  }),
});

export type PodView = z.infer<typeof podSchema>;
export type ContainerView = z.infer<typeof container>;

export type PodParseResult =
  | { readonly ok: true; readonly pod: PodView }
  | { readonly ok: false; readonly reason: string };

export function parsePod(value: unknown): PodParseResult {
  const result = podSchema.safeParse(value);
  if (result.success) return { ok: true, pod: result.data };
  const issue = result.error.issues[0];
  const where = issue === undefined ? "" : `${issue.path.join(".")}: `;
  return { ok: false, reason: `${where}${issue?.message ?? "invalid pod"}` };
}

/** `namespace/name` or `namespace/generateName*` for logs and warnings (pods from controllers have no name yet). */
export function podDisplayName(pod: PodView, namespace: string | undefined): string {
  const name =
    pod.metadata?.name ?? (pod.metadata?.generateName === undefined ? "?" : `${pod.metadata.generateName}*`);
  return `${namespace ?? pod.metadata?.namespace ?? "?"}/${name}`;
}
