# Build stage: dev dependencies are needed only to bundle.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build

# Runtime stage: the bundle carries its production dependencies, so no node_modules at all.
# HOST=0.0.0.0: a container is reached from outside it; set GATEWAY_API_KEYS when you publish the port.
FROM node:24-slim
# A young generation of at most 8 MB: about 75 MB less peak RSS under load (docs/performance.md).
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 NODE_OPTIONS=--max-semi-space-size=8
WORKDIR /app
COPY --from=build --chown=node:node /app/dist/switchyard.mjs ./dist/switchyard.mjs
COPY --from=build --chown=node:node /app/dist/gateway.mjs ./dist/gateway.mjs
COPY --from=build --chown=node:node /app/dist/THIRD_PARTY_LICENSES ./dist/THIRD_PARTY_LICENSES
COPY LICENSE THIRD_PARTY_NOTICES ./
# The request log's SQLite file (DATA_DIR=./data); mount a volume here to keep it.
RUN mkdir -p /app/data /app/.cache && chown node:node /app/data /app/.cache
VOLUME /app/data
USER node
# Node's compile cache, filled now so that the first start is as fast as the next ones (about a
# quarter less CPU to ready, docs/performance.md). Node keys the cache by its version, its V8 flags
# and the user id, so it is filled as `node` with the NODE_OPTIONS above; a container run as another
# user, or with a read-only filesystem, just starts without it.
ENV NODE_COMPILE_CACHE=/app/.cache/node-compile-cache
RUN node -- dist/switchyard.mjs --version
EXPOSE 8080
STOPSIGNAL SIGTERM
# /ready, not /health: unhealthy while no provider is active or the configured Redis is unreachable.
HEALTHCHECK --interval=15s --timeout=3s --start-period=5s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node is PID 1 and gets SIGTERM itself; `--` keeps Node from reading the gateway's --env-file.
CMD ["node", "--", "dist/switchyard.mjs"]
