#!/usr/bin/env bash
# Builds the lab's hypervisor host image locally, without a registry:
# debootstrap (minbase, bookworm) from the configured apt mirror, libvirtd + QEMU +
# sshd + a JRE installed in a chroot, then `docker import` under the given tag.
# Usage: build-host-image.sh IMAGE_TAG [CACHE_DIR]
# CACHE_DIR keeps downloaded .deb files between builds so rebuilds are fast.
set -euo pipefail

TAG=${1:?usage: build-host-image.sh IMAGE_TAG [CACHE_DIR]}
CACHE=${2:-/var/cache/lifeboat-lab}
HERE=$(cd "$(dirname "$0")" && pwd)
SUITE=bookworm
PACKAGES="libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 qemu-utils \
openssh-server iproute2 openjdk-17-jre-headless procps"

say() { echo "build-host-image: $*" >&2; }

# The Debian mirror apt already uses on this machine (deb822 or one-line format).
mirror() {
  local uri
  uri=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null \
        | awk '{print $2}' | grep -v -- '-security' | grep '/debian' | head -n1 || true)
  if [ -z "$uri" ]; then
    uri=$(grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
          | awk '{print $2}' | grep -v -- '-security' | grep '/debian' | head -n1 || true)
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

MIRROR=$(mirror)
mkdir -p "$CACHE/debs"
WORK=$(mktemp -d "$CACHE/build.XXXXXX")
ROOT="$WORK/rootfs"

cleanup() {
  for m in "$ROOT/var/cache/apt/archives" "$ROOT/proc"; do
    mountpoint -q "$m" 2>/dev/null && umount -l "$m" || true
  done
  rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

say "debootstrap --variant=minbase $SUITE from $MIRROR"
debootstrap --variant=minbase --cache-dir="$CACHE/debs" "$SUITE" "$ROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
  || { tail -n 30 "$WORK/debootstrap.log" >&2; exit 1; }

echo "deb $MIRROR $SUITE main" > "$ROOT/etc/apt/sources.list"
echo "deb $MIRROR $SUITE-updates main" >> "$ROOT/etc/apt/sources.list"
# No service may start inside the chroot.
printf '#!/bin/sh\nexit 101\n' > "$ROOT/usr/sbin/policy-rc.d"
chmod +x "$ROOT/usr/sbin/policy-rc.d"

mount -t proc proc "$ROOT/proc"
mount --bind "$CACHE/debs" "$ROOT/var/cache/apt/archives"

say "apt-get install $PACKAGES"
chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
  sh -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends $PACKAGES" >"$WORK/apt.log" 2>&1 \
  || { tail -n 30 "$WORK/apt.log" >&2; exit 1; }

umount -l "$ROOT/var/cache/apt/archives"
umount -l "$ROOT/proc"

say "configuring libvirt, qemu and sshd"
# libvirtd in an unprivileged container: run QEMU as root, no security driver, no
# xattr owner tracking and no cgroups (the cgroup v1 tree is read-only).
cat >> "$ROOT/etc/libvirt/qemu.conf" <<'CONF'

# lifeboat lab
user = "root"
group = "root"
security_driver = "none"
remember_owner = 0
dynamic_ownership = 0
cgroup_controllers = [ ]
CONF
# libvirt over TCP without auth: the port is published on 127.0.0.1 only and the
# lab network is private to the test run.
cat >> "$ROOT/etc/libvirt/libvirtd.conf" <<'CONF'

# lifeboat lab
listen_tls = 0
listen_tcp = 1
tcp_port = "16509"
listen_addr = "0.0.0.0"
auth_tcp = "none"
auth_unix_rw = "none"
CONF
chroot "$ROOT" sh -c 'getent group kvm >/dev/null || groupadd -r kvm;
  getent group libvirt >/dev/null || groupadd -r libvirt;
  getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu;
  getent passwd libvirt-qemu >/dev/null || useradd -r -g kvm -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu'
cat > "$ROOT/etc/ssh/sshd_config.d/lifeboat-lab.conf" <<'CONF'
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
CONF
# Each host gets its own host keys at first start (entrypoint), never the image's.
rm -f "$ROOT"/etc/ssh/ssh_host_*
mkdir -p "$ROOT/root/.ssh" "$ROOT/var/lib/lifeboat/guests"
chmod 700 "$ROOT/root/.ssh"
install -m 0755 "$HERE/entrypoint.sh" "$ROOT/usr/local/sbin/lab-entrypoint"
rm -f "$ROOT/usr/sbin/policy-rc.d"
rm -rf "$ROOT"/var/lib/apt/lists/* "$ROOT"/usr/share/doc/* "$ROOT"/usr/share/man/* "$ROOT"/var/cache/apt/*.bin

say "docker import as $TAG"
tar --numeric-owner -C "$ROOT" -c . | docker import \
  --change 'ENTRYPOINT ["/usr/local/sbin/lab-entrypoint"]' \
  --change 'EXPOSE 22 16509' \
  --change 'LABEL io.lifeboat.lab.image=host' \
  - "$TAG" >/dev/null
say "built $TAG"
