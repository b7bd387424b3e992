# syntax=docker/dockerfile:1
# The Multinet image: one image for the webhook (`multinet webhook`), the node agent
# (`multinet agent`, run as root by the chart's DaemonSet) and the certificate job
# (`multinet certs`), on Node.js 24 LTS. It runs as the non-root uid 65532 by default.
#
#   docker build -t multinet:dev .
# Without a Docker engine or registry (docs/install.md#building-the-image):
#   bash scripts/image-build.sh    # assembles the base with mmdebstrap + npm, then buildah
#
# NODE_IMAGE must provide node and npm in /usr/local (the official images do); the local build
# passes the equivalent image that scripts/image-base.sh assembles.
ARG NODE_IMAGE=docker.io/library/node:24.21.0-bookworm-slim

# Production dependencies only, from the lock file; no install scripts run (none is needed at
# run time, and none gets to execute during the build). The optional `build-ca` secret is a CA
# bundle for networks that intercept TLS to the registry; it is mounted for the one step and
# never stored in a layer.
FROM ${NODE_IMAGE} AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=build-ca \
    NODE_EXTRA_CA_CERTS=/run/secrets/build-ca npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -rf /root/.npm

# Compile the TypeScript and build the CNI shim (a Node single executable, scripts/build-shim.sh).
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=build-ca \
    NODE_EXTRA_CA_CERTS=/run/secrets/build-ca npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/build-shim.sh ./scripts/
# build-shim.sh checks that the executable answers CNI VERSION before it keeps it.
RUN npm run build \
 && bash scripts/build-shim.sh /src/shim

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
# The agent sets a pod's default route inside its network namespace (`nsenter --net=... ip
# route`): iproute2 is the one host tool it runs itself (nsenter comes with util-linux).
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends iproute2 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*
# npm (and yarn, in the official images) are build tools: the image never installs anything.
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx \
           /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-* \
 && ln -s /opt/multinet/bin/multinet.js /usr/local/bin/multinet
WORKDIR /opt/multinet
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/shim/multinet-cni ./bin/multinet-cni
COPY package.json ./
COPY bin/multinet.js ./bin/
COPY schemas ./schemas
# 65532: the conventional "nonroot" uid. The webhook and the certificate job need no privileges
# and no writable files; the agent's DaemonSet sets runAsUser 0.
USER 65532:65532
EXPOSE 8443 8081
ENTRYPOINT ["node", "/opt/multinet/bin/multinet.js"]
CMD ["webhook"]
# Last, so that a new revision only changes the image's config, not a cached layer.
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=1970-01-01T00:00:00Z
ARG NODE_IMAGE
LABEL org.opencontainers.image.title="multinet" \
      org.opencontainers.image.description="Multi-network pods for Kubernetes: admission webhook, node agent and CNI shim" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/multinet/multinet" \
      org.opencontainers.image.documentation="https://github.com/multinet/multinet/blob/main/docs/install.md" \
      org.opencontainers.image.base.name="${NODE_IMAGE}"
