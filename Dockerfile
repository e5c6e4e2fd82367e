# The service image (also carries the emulator, which `node dist/main.js` never loads).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx nest build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# docker-compose.yml's sandbox: the emulator writes the replicas' environment here (a named volume
# starts with this directory's owner).
RUN mkdir /sandbox && chown node:node /sandbox
USER node
EXPOSE 3000
# The product's Node flags (src/node-flags.ts): a capped young generation keeps the resident set low.
CMD ["node", "--max-semi-space-size=8", "--heap-growing-percent=30", "dist/main.js"]
