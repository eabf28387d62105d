# Redazione's image: a static binary on an empty base, run as a user without
# privileges, with one volume for its data (the SQLite database, the files
# citizens send and the master key). Build it with
#   docker build -t redazione .
# and see docs/INSTALL.md.

# --- build: the static binary (pure-Go SQLite driver, so CGO is off).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOFLAGS=-trimpath go build -ldflags="-s -w" -o /out/redazione ./cmd/redazione
# The data directory, owned by the server's user, for the volume to copy.
RUN mkdir -p /out/data && chown 65532:65532 /out/data && chmod 0700 /out/data

# --- run: nothing but the binary, the CA certificates (Telegram, Meta,
# Mastodon and mail servers are reached over TLS) and the data directory.
# The time zone database is inside the binary (time/tzdata).
FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/redazione /usr/local/bin/redazione
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV REDAZIONE_ADDR=:8080 \
    REDAZIONE_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["/usr/local/bin/redazione", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/redazione"]
CMD ["serve"]
