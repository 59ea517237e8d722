# syntax=docker/dockerfile:1
#
# zendesk-destination: Segment events from Kafka into Zendesk.
#
#   docker build -t zendesk-destination .
#   docker run --rm -e ZENDESK_SUBDOMAIN=acme -e ZENDESK_OAUTH_TOKEN_FILE=/run/secrets/zendesk \
#     -e KAFKA_BROKERS=kafka:9092 -e SCHEMA_REGISTRY_URL=http://registry:8081 zendesk-destination
#
# Two stages: the build stage has the compiler and dev dependencies; the runtime stage gets only the
# compiled JavaScript, the launcher, the Avro schemas and production node_modules.

# Node.js 24, the active LTS (20 reached end of life on 2026-04-30); .ci/run runs the whole suite on
# it. The code still runs on Node 20 (package.json engines: the two lines the CI tests).
ARG NODE_IMAGE=node:24-bookworm-slim

# ---------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app

# Manifests first: the dependency layer is rebuilt only when they change, not on every source edit.
COPY package.json package-lock.json ./
# node:24 images ship npm 11, which installs this lock file as npm 10 does (checked: npm 11.21.2 ci).
RUN npm ci --no-audit --no-fund

COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# Compile, then drop the dev dependencies (typescript, vitest, eslint …) from node_modules in place,
# so the runtime stage can copy the folder as it is.
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# ---------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app

# HTTP_HOST: the health and metrics server listens on loopback by default (safe on a laptop); in a
# container it must listen on every interface, or neither probes nor Prometheus can reach it.
ENV NODE_ENV=production \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=9464

# Owned by root and only readable by the service user: the process cannot rewrite its own code.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY schemas ./schemas

# The unprivileged user the official Node.js images ship (uid 1000).
USER node

EXPOSE 9464

# /healthz answers 200 while the event loop does. No curl in the slim image: node's own fetch does it.
# It probes 127.0.0.1, so HTTP_HOST must stay 0.0.0.0 (or 127.0.0.1) for the check to reach it.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.HTTP_PORT||'9464')+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# SIGTERM (docker stop) drains in-flight events and commits before exiting; give it time with
# `docker stop -t 40` or `stop_grace_period` above SHUTDOWN_TIMEOUT_MS (30 s by default).
# --max-semi-space-size, --heap-growing-percent: see src/ops/runtime-flags.ts (lower peak RSS).
ENTRYPOINT ["node", "--max-semi-space-size=8", "--heap-growing-percent=30", "bin/zendesk-destination.js"]
CMD ["run"]
