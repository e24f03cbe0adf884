#!/usr/bin/env bash
# Makes localhost/zmarty/debian-runtime-deps:12 from Debian's packages, for machines that reach no
# container registry: debootstrap (minbase) with what .NET's runtime-deps image holds (CA
# certificates, time zones; ICU is not needed, the services run with invariant globalization),
# imported into podman. About a minute, once; `./zmarty images` runs it when the image is missing.
set -euo pipefail
image="${1:-localhost/zmarty/debian-runtime-deps:12}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if podman image exists "$image"; then
  exit 0
fi

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
echo "zmarty: building $image from Debian's packages (debootstrap bookworm, ca-certificates, tzdata, libssl3)"
debootstrap --variant=minbase --include=ca-certificates,tzdata,libssl3 bookworm "$root" "$mirror" >/dev/null
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/*
tar -C "$root" -c . | podman import --quiet --change 'ENV LANG=C.UTF-8' - "$image" >/dev/null
echo "zmarty: $image is ready"
