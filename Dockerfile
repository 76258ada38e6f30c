# One image per vendor, Airbyte connector conventions:
#   docker build --build-arg CONNECTOR=addepar -t jobtap/source-addepar:0.1.0 .
#   docker build --build-arg CONNECTOR=impact  -t jobtap/source-impact:0.1.0 .
#   docker run --rm jobtap/source-addepar:0.1.0 spec
ARG NODE_IMAGE=node:20-bookworm-slim

# --- build: compile TypeScript with the dev toolchain -------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /build
COPY package.json package-lock.json tsconfig.json ./
RUN npm ci --no-audit --no-fund
COPY src ./src
RUN npx tsc -p tsconfig.json

# --- runtime: production dependencies only, non-root ----------------------------------------
FROM ${NODE_IMAGE}
ARG CONNECTOR=addepar
ARG VERSION=0.1.0
ENV NODE_ENV=production
WORKDIR /airbyte/integration_code
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /build/dist/src ./dist/src
COPY schemas ./schemas
COPY catalog ./catalog
COPY LICENSE ./LICENSE
# A fixed entry file, so ENTRYPOINT and AIRBYTE_ENTRYPOINT need no build-time expansion.
RUN printf "import './dist/src/cli/source-%s.js';\n" "${CONNECTOR}" > main.js \
 && test -f "dist/src/cli/source-${CONNECTOR}.js"
ENV AIRBYTE_ENTRYPOINT="node /airbyte/integration_code/main.js"
# The connectors' Node options (src/cli/node-options.ts: a small young generation and a 1.5 GB old
# generation keep memory flat).
ENV NODE_OPTIONS="--max-semi-space-size=1 --max-old-space-size=1536"
LABEL io.airbyte.name="jobtap/source-${CONNECTOR}" \
      io.airbyte.version="${VERSION}"
USER node
ENTRYPOINT ["node", "/airbyte/integration_code/main.js"]
