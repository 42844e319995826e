#!/usr/bin/env bash
# Installs the Debian packages Liaison builds and tests against, if they are missing.
set -euo pipefail

# Installs those of the Debian packages named that are missing.
install_debian_packages() {
    local missing=()
    for package in "$@"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    ((${#missing[@]})) || return 0
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "Installing ${missing[*]}" >&2
    [ -n "${LIAISON_APT_UPDATED:-}" ] || $sudo apt-get update -qq
    export LIAISON_APT_UPDATED=1
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq -o DPkg::Lock::Timeout=300 "${missing[@]}" >/dev/null
}

# apertium and a language pair: the machine translation engine of the demo school and of the tests.
install_debian_packages libicu-dev libxml2-dev zlib1g-dev libcurl4-openssl-dev libssl-dev libsqlite3-dev libreadstat-dev pkg-config python3 openssl apertium apertium-eng-spa
if ! command -v swift >/dev/null 2>&1; then
    [ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
fi
command -v swift >/dev/null 2>&1 || { echo "Swift 6.3 is needed (https://www.swift.org/install/linux/)" >&2; exit 1; }
