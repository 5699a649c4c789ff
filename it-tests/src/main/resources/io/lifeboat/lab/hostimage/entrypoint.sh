#!/bin/sh
# Entrypoint of a lab hypervisor host: virtlogd, then libvirtd (TCP listener), then
# sshd in the foreground. Also used after `docker start` of a killed host, so it
# clears pid files and sockets a SIGKILL left behind.
set -e
mkdir -p /run/sshd /run/libvirt /var/log/libvirt /var/lib/lifeboat/guests /root/.ssh
chmod 700 /root/.ssh
rm -f /run/virtlogd.pid /run/libvirtd.pid /var/run/virtlogd.pid /var/run/libvirtd.pid \
      /run/libvirt/virtlogd-sock /run/libvirt/virtlogd-admin-sock \
      /run/libvirt/libvirt-sock /run/libvirt/libvirt-sock-ro /run/libvirt/libvirt-admin-sock
ssh-keygen -A >/dev/null
virtlogd -d
libvirtd -d --listen
exec /usr/sbin/sshd -D -e
