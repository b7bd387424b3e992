# Multinet image: the webhook (and, later, the agent) on Node.js 20, as a non-root user.
# Build: docker build -t multinet:dev .
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /opt/multinet
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY schemas ./schemas
# 65532: the conventional "nonroot" uid; the webhook needs no privileges and listens above 1024.
USER 65532:65532
EXPOSE 8443 8081
ENTRYPOINT ["node", "/opt/multinet/bin/multinet.js"]
CMD ["webhook"]
