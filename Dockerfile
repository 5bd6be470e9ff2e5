# mimbot in a container: a static binary on distroless, run as a non-root user.
#
#   docker build -t mimbot .
#   docker run -p 8080:8080 -v mimbot-data:/data -e SLACK_BOT_TOKEN ... mimbot
#
# Alone it keeps its SQLite file in the /data volume; with DATABASE_URL set it uses
# PostgreSQL instead (deploy/compose.yaml runs two replicas on one). The build line
# below is run as it stands by cmd/mimbot's TestDockerfileBuild.

FROM golang:1.26 AS build
WORKDIR /src
# Modules first: this layer is rebuilt only when go.mod or go.sum change.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# CGO_ENABLED=0: a static binary (pure-Go SQLite), so the final image needs no libc.
# -s -w drops the symbol table and DWARF, a third of the size.
RUN CGO_ENABLED=0 go build -ldflags="-s -w" -o /out/mimbot ./cmd/mimbot
# The volume's mount point, owned by the user that runs mimbot: a named volume
# starts as a copy of it, so SQLite can write there.
RUN mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/mimbot /mimbot
COPY --from=build --chown=65532:65532 /out/data /data
# nonroot (65532), as distroless names it; never root.
USER 65532:65532
WORKDIR /data
ENV MIMBOT_ADDR=:8080 \
    MIMBOT_DB=/data/mimbot.db
VOLUME /data
EXPOSE 8080
# /mimbot healthcheck: GET /healthz on MIMBOT_ADDR, exit 0 or 1 (no shell or curl here).
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 CMD ["/mimbot", "healthcheck"]
# docker stop sends SIGTERM: serve stops accepting, finishes what is under way,
# releases its leases and exits within 10 s, inside Docker's default grace of 10 s.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/mimbot"]
CMD ["serve"]
