# keyward in a container: one static binary (CGO_ENABLED=0; the SQLite driver
# is pure Go) on an empty image, run as a non-root user, its data in the
# /data volume. Build and run:
#   docker build -t keyward .
#   docker run -p 8080:8080 -v keyward-data:/data keyward
# The first start writes the admin's credential and password to
# /data/admin.json; scratch has no shell, so read it with
# "docker cp CONTAINER:/data/admin.json -". compose.yaml runs keyward with
# PostgreSQL and Redis.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/keyward ./cmd/keyward \
 && mkdir -p /out/data

FROM scratch
# CA certificates, for HTTPS song downloads, S3 and SMTP over TLS.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/keyward /usr/local/bin/keyward
# The data directory belongs to the unprivileged user keyward runs as.
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV KEYWARD_LISTEN=0.0.0.0:8080 \
    KEYWARD_DATA=/data
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/keyward"]
CMD ["serve"]
