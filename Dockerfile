# zoho-gateway container image. Untested here (no container engine runs on our build machines):
# kept minimal and conventional. Build: docker build -t zoho-gateway .

# 1. Compile the gateway.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock rustfmt.toml ./
COPY src src
COPY crates crates
COPY migrations migrations
COPY benches benches
COPY examples examples
RUN cargo build --release --locked --bin zoho-gateway

# 2. GraphiQL's assets for /playground (pinned in playground/package-lock.json).
FROM node:20-bookworm-slim AS assets
WORKDIR /assets
COPY playground/package.json playground/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# 3. Small final image: no shell, no package manager, runs as the non-root user 65532.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/zoho-gateway /usr/local/bin/zoho-gateway
COPY playground/index.html playground/app.js playground/redirect.html playground/redirect.js playground/styles.css playground/graphiql.html playground/graphiql.js /srv/playground/
COPY --from=assets /assets/node_modules /srv/playground/node_modules
ENV GATEWAY_BIND=0.0.0.0:8085 \
    GATEWAY_PORTAL_DIR=/srv/playground \
    GATEWAY_LOG_FORMAT=json
USER 65532:65532
EXPOSE 8085
ENTRYPOINT ["/usr/local/bin/zoho-gateway"]
