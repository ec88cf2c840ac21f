# syntax=docker/dockerfile:1
# Two stages: build with every dependency, run with production ones only. Both apps share the
# image; the default command is the ingress, docker-compose.yml gives the forwarder its own.

FROM node:24-bookworm-slim AS build
WORKDIR /app
# Manifests first: the dependency layer is rebuilt only when they change. npm ci applies
# patches/ (patch-package, the postinstall script): kafkajs's faster record-batch encoder.
COPY package.json package-lock.json ./
COPY patches ./patches
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY libs ./libs
COPY apps ./apps
RUN npm run build

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# No production dependency needs an install script (only @scarf/scarf has one, for analytics),
# so none runs and the image needs no compiler.
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund
# kafkajs as patched in the build stage (no install script runs here).
COPY --from=build /app/node_modules/kafkajs ./node_modules/kafkajs
COPY --from=build /app/dist ./dist
# Files stay root-owned: the app cannot rewrite its own code.
USER node
EXPOSE 6969
# The slim image has no curl; Node's global fetch does the probe.
HEALTHCHECK --interval=10s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || (process.env.GO_APP_PORT || '').replace(':', '') || 6969) + '/health/live', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/apps/ingress/main.js"]
