# syntax=docker/dockerfile:1
# Two stages: build with every dependency, run with production ones only. Both apps share the
# image; the default command is the ingress, docker-compose.yml gives the forwarder its own.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# Manifests first: the dependency layer is rebuilt only when they change.
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY libs ./libs
COPY apps ./apps
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# No production dependency needs an install script (only @scarf/scarf has one, for analytics),
# so none runs and the image needs no compiler.
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY --from=build /app/dist ./dist
# Files stay root-owned: the app cannot rewrite its own code.
USER node
EXPOSE 6969
# The slim image has no curl; Node 20's global fetch does the probe.
HEALTHCHECK --interval=10s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || (process.env.GO_APP_PORT || '').replace(':', '') || 6969) + '/health/live', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/apps/ingress/main.js"]
