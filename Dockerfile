# avatars: build with the Swift toolchain, run on a slim Debian with the libvips and
# LMDB runtime libraries and the one binary.
FROM swift:6.3-bookworm AS build
WORKDIR /src
COPY .ci/packages-build.txt .ci/packages-build.txt
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive xargs -a .ci/packages-build.txt apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/*
COPY Package.swift ./
COPY Sources Sources
COPY Tests Tests
RUN swift build -c release --product avatars --static-swift-stdlib \
 && cp "$(swift build -c release --show-bin-path)/avatars" /usr/local/bin/avatars

FROM debian:bookworm-slim
COPY .ci/packages-runtime.txt /tmp/packages-runtime.txt
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive xargs -a /tmp/packages-runtime.txt apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/* /tmp/packages-runtime.txt \
 && useradd --system --home /var/lib/avatars --create-home avatars
COPY --from=build /usr/local/bin/avatars /usr/local/bin/avatars
COPY config/avatars.json /etc/avatars/avatars.json
USER avatars
WORKDIR /var/lib/avatars
ENV AVATARS_HTTP_HOST=0.0.0.0
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/avatars"]
CMD ["serve", "--config", "/etc/avatars/avatars.json"]
