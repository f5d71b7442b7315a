# zoho-gateway container image, for machines that can pull from a container registry:
#   docker build -t zoho-gateway .      (podman: podman build --format docker -t zoho-gateway .)
# Not built on our machines, which reach no registry (rust:… and distroless cannot be pulled). What
# is built and tested here is deploy/Containerfile.local, by tests/container/run.sh in CI: the same
# runtime layout on a debootstrapped Debian base, with the binary compiled on the host. Keep the
# two runtime stages alike: binary path, user, environment, port, HEALTHCHECK, entrypoint.
# The binary carries the portal and GraphiQL (vendored in playground/, embedded at compile time), so
# no Node.js stage and no portal folder; GATEWAY_PORTAL_DIR stays an optional override.

# 1. Compile the gateway.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock rustfmt.toml ./
COPY src src
COPY crates crates
COPY migrations migrations
COPY benches benches
COPY playground playground
RUN cargo build --release --locked --bin zoho-gateway

# 2. Small final image: glibc, CA certificates, no shell, no package manager; user 65532 ("nonroot").
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/zoho-gateway /usr/local/bin/zoho-gateway
ENV GATEWAY_BIND=0.0.0.0:8085 \
    GATEWAY_LOG_FORMAT=json
USER 65532:65532
EXPOSE 8085
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/zoho-gateway", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/zoho-gateway"]
