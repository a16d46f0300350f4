#!/usr/bin/env bash
# `npm run images`: builds the Postgres and reference-proxy images from Debian packages (no registry), only when their recipe changed.
#
# Images (each tagged with its recipe hash and with :local, which the harness uses by default):
#   mintoken-node-base:<hash>         debootstrap minbase + the Node 24 binary of the `node` npm package
#   mintoken-postgres:<hash>|local    debootstrap minbase + postgresql-15, entrypoint like the official image
#   mintoken-reference-proxy:<hash>|local   reference-proxy/Dockerfile FROM mintoken-node-base
# The Debian mirror comes from the machine's apt sources. Needs root (debootstrap) and a Docker engine
# (scripts/docker-engine.sh start). IMAGES_FORCE=1 rebuilds regardless of the hashes.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SUITE="${IMAGES_DEBIAN_SUITE:-bookworm}"
export DOCKER_HOST="${DOCKER_HOST:-unix://${MINTOKEN_DOCKER_DIR:-/var/tmp/mintoken-docker}/docker.sock}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/mintoken-images-XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
say() { echo "[images] $*" >&2; }

docker info >/dev/null 2>&1 || {
  say "no Docker engine answers at $DOCKER_HOST; start one: scripts/docker-engine.sh start"
  exit 3
}

debian_mirror() {
  local uri
  uri="$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v -- '-security' | head -n 1 || true)"
  [[ -n "$uri" ]] || uri="$(grep -hsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    grep -v -- '-security' | sed -E 's/^deb (\[[^]]*\] )?//' | awk '{print $1}' | head -n 1 || true)"
  [[ -n "$uri" ]] || {
    say "no Debian mirror in /etc/apt/sources.list(.d); set IMAGES_DEBIAN_MIRROR"
    exit 3
  }
  echo "$uri"
}
MIRROR="${IMAGES_DEBIAN_MIRROR:-$(debian_mirror)}"

hash_of() { # files/dirs... -> 16 hex digits over names and contents
  (cd "$ROOT" && find "$@" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16
}
have_image() { docker image inspect "$1" >/dev/null 2>&1; }

rootfs() { # $1 dir, $2 extra packages (comma list or empty)
  command -v debootstrap >/dev/null || {
    say "debootstrap is missing: apt-get install -y debootstrap (scripts/docker-engine.sh start installs it as root)"
    exit 3
  }
  local include=()
  [[ -n "$2" ]] && include=(--include="$2")
  say "debootstrap $SUITE (${2:-minbase}) from $MIRROR"
  debootstrap --variant=minbase "${include[@]}" "$SUITE" "$1" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 || {
    tail -n 20 "$WORK/debootstrap.log" >&2
    exit 1
  }
  rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*
}

import_rootfs() { # $1 dir, $2 tag, then docker import -c changes
  local dir="$1" tag="$2"
  shift 2
  local changes=()
  for c in "$@"; do changes+=(-c "$c"); done
  tar --numeric-owner -C "$dir" -c . | docker import "${changes[@]}" - "$tag" >/dev/null
}

timed() { local t=$SECONDS; "$@"; say "$1 done in $((SECONDS - t))s"; }

NODE_BIN="$(readlink -f "$ROOT/node_modules/node/bin/node")"
NODE_VERSION="$("$NODE_BIN" --version)"
RECIPE_COMMON="$(hash_of scripts/images.sh)"

build_postgres() {
  local hash tag
  hash="$(echo "$RECIPE_COMMON $SUITE $(hash_of scripts/images/postgres-entrypoint.sh)" | sha256sum | cut -c1-16)"
  tag="mintoken-postgres:$hash"
  if [[ "${IMAGES_FORCE:-}" != 1 ]] && have_image "$tag"; then
    say "$tag is up to date"
  else
    local fs="$WORK/postgres-rootfs"
    rootfs "$fs" postgresql-15,ca-certificates
    install -m 0755 "$ROOT/scripts/images/postgres-entrypoint.sh" "$fs/usr/local/bin/docker-entrypoint.sh"
    import_rootfs "$fs" "$tag" \
      'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
      'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      'ENV PGDATA=/var/lib/postgresql/data' \
      'EXPOSE 5432'
    rm -rf "$fs"
    say "built $tag"
  fi
  docker tag "$tag" mintoken-postgres:local
}

BASE_TAG=""
build_node_base() {
  local hash
  hash="$(echo "$RECIPE_COMMON $SUITE $NODE_VERSION" | sha256sum | cut -c1-16)"
  BASE_TAG="mintoken-node-base:$hash"
  if [[ "${IMAGES_FORCE:-}" != 1 ]] && have_image "$BASE_TAG"; then
    say "$BASE_TAG is up to date"
    return
  fi
  local fs="$WORK/node-rootfs"
  rootfs "$fs" ""
  install -m 0755 "$NODE_BIN" "$fs/usr/local/bin/node"
  import_rootfs "$fs" "$BASE_TAG" \
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' 'CMD ["node"]'
  rm -rf "$fs"
  say "built $BASE_TAG ($NODE_VERSION)"
}

build_proxy() {
  local hash tag
  hash="$(echo "$BASE_TAG $(hash_of reference-proxy/Dockerfile reference-proxy/src reference-proxy/migrations reference-proxy/public package.json package-lock.json)" |
    sha256sum | cut -c1-16)"
  tag="mintoken-reference-proxy:$hash"
  if [[ "${IMAGES_FORCE:-}" != 1 ]] && have_image "$tag"; then
    say "$tag is up to date"
  else
    # The build context: only what the Dockerfile copies, plus the production dependencies the
    # project already installed (.image-deps/node_modules), since the local base has no npm.
    local ctx="$WORK/proxy-context" nm_root
    mkdir -p "$ctx/reference-proxy" "$ctx/.image-deps/node_modules"
    cp "$ROOT/package.json" "$ROOT/package-lock.json" "$ctx/"
    cp -r "$ROOT/reference-proxy/src" "$ROOT/reference-proxy/migrations" "$ROOT/reference-proxy/public" "$ctx/reference-proxy/"
    nm_root="$(dirname "$(readlink -f "$ROOT/node_modules")")"
    (cd "$nm_root" && npm query .prod) | "$NODE_BIN" -e '
      const list = JSON.parse(require("fs").readFileSync(0, "utf8"));
      for (const p of list) if (p.location.startsWith("node_modules/")) console.log(p.location);' |
      (cd "$nm_root" && xargs -r cp -r --parents -t "$ctx/.image-deps") 
    say "context: $(find "$ctx/.image-deps/node_modules" -name package.json -maxdepth 3 | wc -l) production packages"
    docker build -q -f "$ROOT/reference-proxy/Dockerfile" --build-arg "BASE_IMAGE=$BASE_TAG" \
      --build-arg "GIT_SHA=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo 0000000000000000000000000000000000000000)" \
      --build-arg "BUILD_TIME=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
      --label "mintoken.recipe=$hash" -t "$tag" "$ctx" >/dev/null
    say "built $tag"
  fi
  docker tag "$tag" mintoken-reference-proxy:local
}

started=$SECONDS
timed build_postgres
timed build_node_base
timed build_proxy
say "images ready in $((SECONDS - started))s: mintoken-postgres:local mintoken-reference-proxy:local"
