# layerscope in a container, reading the host's store read-only:
#
#   npm ci                              # builds dist/bundle (and the optional native addons)
#   docker build -t layerscope .
#   docker run --rm -it -v /var/lib/docker:/var/lib/docker:ro layerscope
#   docker run --rm -v /var/lib/docker:/var/lib/docker:ro layerscope images
#
# The bundle has no runtime dependencies; fs-xattr and zstd-napi come along when `npm ci` built them
# (.dockerignore lets in only dist/bundle and those two). BASE is any image with Node >= 20.19 on
# glibc (the addons are built for this machine's Node); tests use one made from this machine's node.
ARG BASE=node:20-bookworm-slim
FROM ${BASE}
COPY . /opt/layerscope/
ENTRYPOINT ["node", "/opt/layerscope/dist/bundle/cli.js"]
CMD ["/var/lib/docker"]
