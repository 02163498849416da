# syntax=docker/dockerfile:1
# ibfleet worker image. Multi-stage: build (all deps, tsc, prebuilt workflow bundle) -> prod-deps
# (production node_modules only) -> runtime (non-root, compiled JS, no compilers, no dev deps).
#   docker build -t ibfleet-worker:0.1.0 .
# The same image runs the codec server: `node dist/worker/codec-server.js`.
# Health and metrics listen on all interfaces here (IBFLEET_*_HOST=0.0.0.0: the container's network is
# its boundary; outside a container they default to loopback). The codec server keeps its loopback
# default and needs IBFLEET_CODEC_HOST and IBFLEET_CODEC_AUTH[_FILE] set explicitly (docker-compose.yml).
# /var/lib/ibfleet-codec is the mount point for its Authorization value (a named volume copies the
# directory's owner, so the unprivileged user can write it there).

ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# tsc -p tsconfig.build.json -> dist/ (and worker/start.sh, the entry point, beside dist/worker/main.js),
# then webpack the workflows once -> dist/workflow-bundle.js, so the worker never bundles at startup
# (seconds of CPU and a webpack dependency at runtime).
RUN npm run build && npm run bundle

FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    IBFLEET_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js \
    IBFLEET_HEALTH_PORT=8081 \
    IBFLEET_HEALTH_HOST=0.0.0.0 \
    IBFLEET_METRICS_PORT=9464 \
    IBFLEET_METRICS_HOST=0.0.0.0 \
    IBFLEET_LOG_FORMAT=json
WORKDIR /app
RUN groupadd --system --gid 10001 ibfleet \
 && useradd --system --uid 10001 --gid ibfleet --home-dir /app --no-create-home --shell /usr/sbin/nologin ibfleet \
 && install -d -o ibfleet -g ibfleet -m 0700 /var/lib/ibfleet-codec
# Code and dependencies stay root-owned and read-only to the process.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist ./dist
# Named on their own so a build that produced no bundle or entry point fails here, not at the first start.
COPY --from=build /app/dist/workflow-bundle.js ./dist/workflow-bundle.js
COPY --from=build /app/dist/worker/start.sh ./dist/worker/start.sh
USER ibfleet:ibfleet
EXPOSE 8081 9464
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.IBFLEET_HEALTH_PORT || 8081) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
# start.sh gives Node the heap limit of IBFLEET_WORKER_MEMORY_MB (README "Sizing") and execs the worker:
# the process that gets STOPSIGNAL is the worker itself.
CMD ["sh", "dist/worker/start.sh"]
