#!/usr/bin/env bash
# Installs, with apt, what Lifeboat's build, tests and demo need on a fresh Debian 12 / Ubuntu machine (as root).
# Idempotent and quiet when everything is present. `--base` installs only what the build needs.
set -euo pipefail

base=(openjdk-17-jdk-headless maven curl unzip ca-certificates)
# Tests and demo: the lab's Docker engine and host image build, QEMU tools as the reference for image formats,
# libvirt's client library (libvirt-java loads it through JNA), rsync (the benchmark's peer), Go and Debian's
# govmomi source (the VI API simulator), an SSH client; Chromium and its driver for the web page's browser tests.
full=(docker.io debootstrap qemu-utils qemu-system-x86 libvirt0 libvirt-clients rsync
      golang-go golang-github-vmware-govmomi-dev openssh-client openssl zstd chromium chromium-driver)

want=("${base[@]}")
[ "${1:-}" = "--base" ] || want+=("${full[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run as root, or install them with apt" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
