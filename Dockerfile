# avatars: built with the Swift toolchain, run on a slim Debian with the libvips, LMDB and
# OpenCV runtime libraries, the one binary and its resources. scripts/image-check builds and
# runs it with buildah (from base images it assembles locally) and checks that it serves.
FROM docker.io/library/swift:6.3-bookworm AS build
WORKDIR /src
COPY .ci/packages-build.txt .ci/packages-build.txt
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive xargs -a .ci/packages-build.txt apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/*
COPY Package.swift ./
COPY Sources Sources
COPY Tests Tests
RUN swift build -c release --product avatars --static-swift-stdlib \
 && bin="$(swift build -c release --show-bin-path)" \
 && mkdir -p /out \
 && cp "$bin/avatars" /out/avatars \
 && cp -R "$bin"/*.resources /out/

FROM docker.io/library/debian:bookworm-slim
COPY .ci/packages-runtime.txt /tmp/packages-runtime.txt
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive xargs -a /tmp/packages-runtime.txt apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/* /tmp/packages-runtime.txt \
 && useradd --system --uid 10001 --home-dir /var/lib/avatars --create-home avatars
# The binary finds its resources (openapi.json) beside itself.
COPY --from=build /out/ /usr/local/bin/
# Every setting comes from the environment (AVATARS_*); everything kept is under /var/lib/avatars.
ENV AVATARS_HTTP_HOST=0.0.0.0 \
    AVATARS_HTTP_PORT=8080 \
    AVATARS_STORAGE_PATH=/var/lib/avatars/originals \
    AVATARS_METADATA_PATH=/var/lib/avatars/metadata \
    AVATARS_CACHE_PATH=/var/lib/avatars/cache \
    AVATARS_AUTH_HASH_KEY_FILE=/var/lib/avatars/hash-key
USER avatars
# Not the volume: a config/avatars.json there would be read beside the environment.
WORKDIR /
VOLUME /var/lib/avatars
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["/usr/local/bin/avatars", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/avatars"]
CMD ["serve"]
