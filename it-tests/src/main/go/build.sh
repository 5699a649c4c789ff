#!/bin/sh
# Builds the lab's VI API simulator (vcsim/) offline, in GOPATH mode, against the
# govmomi source Debian ships (golang-github-vmware-govmomi-dev) and golang-go.
# Usage: build.sh OUTPUT   (writes a static linux binary to OUTPUT)
#        build.sh --test    (go vet and the Go unit tests)
set -eu
out=${1:?usage: build.sh OUTPUT | build.sh --test}
here=$(cd "$(dirname "$0")" && pwd)
gopath=/usr/share/gocode
if ! command -v go >/dev/null 2>&1; then
  echo "build.sh: go not found: apt-get install golang-go" >&2; exit 1
fi
if [ ! -d "$gopath/src/github.com/vmware/govmomi/simulator" ]; then
  echo "build.sh: $gopath/src/github.com/vmware/govmomi/simulator missing: apt-get install golang-github-vmware-govmomi-dev" >&2; exit 1
fi
case $out in --test|/*) ;; *) out=$(pwd)/$out ;; esac
export GO111MODULE=off GOPATH=$gopath GOPROXY=off GOFLAGS= CGO_ENABLED=0
export GOCACHE=${GOCACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/go-build}
cd "$here/vcsim"
if [ "$out" = "--test" ]; then
  go vet . && go test -count=1 .
  exit
fi
mkdir -p "$(dirname "$out")"
go build -trimpath -ldflags="-s -w" -o "$out.tmp" .
mv "$out.tmp" "$out"
