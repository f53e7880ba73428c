#!/usr/bin/env bash
# image.sh: builds the vrpsim container image (docs/deploy/Containerfile)
# offline. It builds the static binary on the host, lays out the build
# context (the binary, the image's lab file and configuration, and rootfs/
# with /data and /config owned by uid 65532 through COPY --chown) and runs
# the build command given, podman build --format docker by default:
#
#   scripts/image.sh                                  # podman
#   scripts/image.sh podman build --runtime runc      # this machine's podman
#   scripts/image.sh docker build                     # classic or BuildKit
#
# The image is tagged $IMAGE (localhost/vrpsim:latest). KEEP_CONTEXT=DIR
# lays the context out in DIR and keeps it.
set -euo pipefail
cd "$(dirname "$0")/.."
image=${IMAGE:-localhost/vrpsim:latest}
if [[ $# -eq 0 ]]; then
	set -- podman build
fi
if [[ $1 == podman || $1 == buildah ]]; then
	set -- "$@" --format docker
fi
ctx=${KEEP_CONTEXT:-}
if [[ -z $ctx ]]; then
	ctx=$(mktemp -d)
	trap 'rm -rf "$ctx"' EXIT
fi
mkdir -p "$ctx/rootfs/data" "$ctx/rootfs/config"
chmod 0755 "$ctx/rootfs" "$ctx/rootfs/data" "$ctx/rootfs/config"
CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$ctx/vrpsim" ./cmd/vrpsim
cp docs/deploy/Containerfile docs/deploy/lab.yaml docs/deploy/admin-admin.cfg "$ctx/"
chmod 0555 "$ctx/vrpsim"
chmod 0444 "$ctx/lab.yaml" "$ctx/admin-admin.cfg"
"$@" -t "$image" -f "$ctx/Containerfile" "$ctx"
