# syntax=docker/dockerfile:1
# Outrigger image: the sidecar (`serve`, the default) and the injection webhook (`webhook`) in one.
# No build step: Node 24 runs the TypeScript sources directly (type stripping).

ARG NODE_IMAGE=node:24-slim

# --- dependencies: production only, from the lockfile --------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no install script is needed at run time; dev tools (tsc, biome, the pinned
# `node` package) are omitted, the base image already is Node 24.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

# --- runtime ----------------------------------------------------------------------------------------
FROM ${NODE_IMAGE}
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="outrigger" \
      org.opencontainers.image.description="Sidecar proxy for LLM APIs: credentials, resilience, streaming schema and telemetry with no app code change" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="https://github.com/outrigger-dev/outrigger" \
      org.opencontainers.image.base.name="docker.io/library/node:24-slim"

# Nothing is written at run time (no compile cache is enabled, npm is never run), so a read-only
# root filesystem works; the pod CA goes to a mounted emptyDir.
ENV NODE_ENV=production
WORKDIR /app
# Root-owned and read-only to the runtime user: the image works with readOnlyRootFilesystem: true.
COPY --from=deps --chown=0:0 /app/node_modules ./node_modules
COPY --chown=0:0 package.json package-lock.json ./
COPY --chown=0:0 src ./src

# Numeric so Kubernetes can verify runAsNonRoot without resolving a name.
USER 10001:10001
# 7700 base-URL door, 7701 forward-proxy door, 7702 admin (health, metrics), 8443 webhook.
EXPOSE 7700 7701 7702 8443
# The same Node flags as `npm start`: a small young generation keeps RSS near the working set
# while chunks stream through (bench/README.md).
ENTRYPOINT ["node", "--max-semi-space-size=4", "src/main.ts"]
CMD ["serve"]
