#!/usr/bin/env bash
# System packages the tests need (Debian/Ubuntu). Idempotent: installs only what is
# missing and runs `apt-get update` at most once. Add a package by appending to PACKAGES.
set -euo pipefail

# package -> a file that proves it is installed (a glob is fine)
declare -A PACKAGES=(
    [postgresql]="/usr/lib/postgresql/*/bin/initdb"
    [default-jre-headless]="/usr/lib/jvm/*/bin/java"
    [chromium]="/usr/bin/chromium"
)

missing=()
for pkg in "${!PACKAGES[@]}"; do
    # shellcheck disable=SC2086  # the proof may be a glob
    if ! compgen -G ${PACKAGES[$pkg]} >/dev/null; then
        missing+=("$pkg")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "system-deps: all present"
    exit 0
fi

if ! command -v apt-get >/dev/null; then
    echo "system-deps: missing ${missing[*]} and no apt-get here; install them by hand" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "system-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
