#!/usr/bin/env bash
# Makes localhost/zmarty/debian-postgres:15 from Debian's packages, for machines that reach no
# container registry: debootstrap (minbase) with PostgreSQL 15 and pg_cron, imported into podman
# with entrypoint.sh. About a minute and a half, once; ./zmarty runs it when podman works and the image is missing.
set -euo pipefail
image="${1:-localhost/zmarty/debian-postgres:15}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if podman image exists "$image"; then
  exit 0
fi

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
echo "zmarty: building $image from Debian's packages (debootstrap bookworm, postgresql-15, postgresql-15-cron)"
debootstrap --variant=minbase --include=postgresql-15,postgresql-15-cron bookworm "$root" "$mirror" >/dev/null
# The packaged cluster and its service scripts are not used: the entrypoint makes its own cluster.
rm -rf "$root/var/lib/postgresql/15" "$root/etc/postgresql/15" "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
install -m 0755 "$here/entrypoint.sh" "$root/usr/local/bin/docker-entrypoint.sh"
tar -C "$root" -c . | podman import --quiet \
  --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
  --change 'CMD ["postgres"]' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'EXPOSE 5432' \
  - "$image" >/dev/null
echo "zmarty: $image is ready"
