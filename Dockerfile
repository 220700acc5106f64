# syntax=docker/dockerfile:1.7
#
# One image for every process of the supergraph: the router, the five subgraphs and the back office.
# The SERVICE environment variable picks the process (docker-compose.yml sets it per service):
#
#   SERVICE=router     -> router/index.ts                (port 4000)
#   SERVICE=products   -> subgraphs/products/index.ts    (port 4001)
#   SERVICE=inventory  -> subgraphs/inventory/index.ts   (port 4002)
#   SERVICE=ecommerce  -> subgraphs/ecommerce/index.ts   (port 4003)
#   SERVICE=retail     -> subgraphs/retail/index.ts      (port 4004)
#   SERVICE=reports    -> subgraphs/reports/index.ts     (port 4005)
#   SERVICE=web        -> web/server.ts                  (port 4100: the back-office app's static files)
#
# TypeScript runs through tsx (ADR 0002), so the API has no build step: the image holds the sources
# and the production dependencies only (no embedded PostgreSQL, no dev tooling: scripts/,
# tests and load tests are left out by .dockerignore). The back-office app (web/) is built by Vite
# in a stage of its own, with the dev dependencies; only its static files reach the image.
#
#   docker build -t retail-supergraph .
#   docker run --rm -e SERVICE=products -e PRODUCTS_DATABASE_URL=postgres://... retail-supergraph

ARG NODE_IMAGE=node:20-slim

# ---- dependencies: exactly what package-lock.json pins, without devDependencies ----
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev

# ---- the back-office app: Vite, React and Apollo Client are dev dependencies, so it builds here ----
FROM ${NODE_IMAGE} AS web
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci
COPY web ./web
COPY schema/operations ./schema/operations
RUN node --import tsx web/build.ts --force

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="retail-supergraph" \
      org.opencontainers.image.description="Federated GraphQL retail platform: the router and the products, inventory, ecommerce, retail and reports subgraphs (pick one with SERVICE)"
WORKDIR /app
# APOLLO_TELEMETRY_DISABLED: @apollo/gateway sends nothing to Apollo and probes no cloud metadata
# (the code's default too, router/gateway.ts; ALLOW_VENDOR_TELEMETRY=1 is the operator's opt-in).
ENV NODE_ENV=production \
    APOLLO_TELEMETRY_DISABLED=1 \
    HOST=0.0.0.0 \
    SERVICE=router \
    PORT=4000 \
    NPM_CONFIG_UPDATE_NOTIFIER=false

# Code and dependencies belong to root and are read-only for the process user: a compromised
# process cannot rewrite the application. tsx keeps its transpile cache in /tmp.
COPY --from=deps /app/node_modules ./node_modules
COPY . .
COPY --from=web /app/web/dist ./web/dist
RUN chmod -R a+rX /app

# The `node` user (uid 1000) ships with the official image.
USER node

EXPOSE 4000 4001 4002 4003 4004 4005 4100

# Readiness of whichever process runs, on its own PORT (node:20-slim has no curl or wget).
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# `node --import tsx` runs TypeScript in a single process (no npx or tsx CLI parent in between), so
# SIGTERM from `docker stop` reaches the process that drains connections (graceful shutdown in the
# kit). `exec` replaces the shell for the same reason.
CMD ["sh", "-c", "case \"$SERVICE\" in router) exec node --import tsx router/index.ts ;; products|inventory|ecommerce|retail|reports) exec node --import tsx \"subgraphs/$SERVICE/index.ts\" ;; web) exec node --import tsx web/server.ts ;; *) echo \"unknown SERVICE '$SERVICE' (router, products, inventory, ecommerce, retail, reports, web)\" >&2; exit 64 ;; esac"]
