#!/usr/bin/env bash
# Releases VERSION (docs/deploy.md, "Releasing"): builds the api, worker and admin images with ./zmarty images, pushes
# them to ghcr.io/zmarty, then pins render.yaml and the Kubernetes production overlay to that tag. The pins come last,
# so a failed build or push leaves them on the release that exists.
#
#   deploy/release.sh VERSION [--dry-run] [--root DIR]
#
#   --dry-run   pin the files, and print the build and push commands instead of running them
#   --root DIR  the checkout whose files are pinned and where ./zmarty runs (default: this script's own)
#
# Exit status: 0 done, 1 a step failed, 2 bad arguments.
set -euo pipefail

usage() {
  echo "usage: deploy/release.sh VERSION [--dry-run] [--root DIR]" >&2
  exit 2
}

version=""
dry_run=0
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry_run=1 ;;
    --root)
      [ $# -ge 2 ] || usage
      root="$2"
      shift
      ;;
    -*) usage ;;
    *)
      [ -z "$version" ] || usage
      version="$1"
      ;;
  esac
  shift
done

# A tag the registries accept that starts with a digit: never latest, nor a branch's name.
if ! [[ "$version" =~ ^[0-9][0-9A-Za-z._-]{0,127}$ ]]; then
  echo "release: '$version' is not a version such as 1.4.2 or 1.5.0-rc.1" >&2
  exit 2
fi

repository=ghcr.io/zmarty
images=(api worker admin)
blueprint="$root/render.yaml"
overlay="$root/deploy/kubernetes/overlays/production/kustomization.yaml"
for file in "$blueprint" "$overlay"; do
  [ -f "$file" ] || { echo "release: $file is missing" >&2; exit 2; }
done

build=(env ZMARTY_VERSION="$version" ZMARTY_IMAGE_REPOSITORY="$repository" ./zmarty images)
if [ "$dry_run" -eq 1 ]; then
  # The base image the environment chose, if any, is part of what would run.
  base="${ZMARTY_IMAGE_BASE:+ZMARTY_IMAGE_BASE=$ZMARTY_IMAGE_BASE }"
  echo "${base}ZMARTY_VERSION=$version ZMARTY_IMAGE_REPOSITORY=$repository ./zmarty images"
  for image in "${images[@]}"; do
    echo "podman push $repository/$image:$version"
  done
else
  (cd "$root" && "${build[@]}")
  for image in "${images[@]}"; do
    podman push "$repository/$image:$version"
  done
fi

for image in "${images[@]}"; do
  # render.yaml: `url: ghcr.io/zmarty/<image>:<tag>` or `@sha256:<digest>`.
  sed -E -i "s#(url: $repository/$image)[:@][^[:space:]]+#\\1:$version#" "$blueprint"
  # The overlay: the newTag of the entry `- name: zmarty/<image>`, quoted so that a tag like 1.10 stays a string.
  sed -E -i "/^  - name: zmarty\\/$image\$/,/newTag:/ s#(newTag:).*#\\1 \"$version\"#" "$overlay"
done

# Every image pinned in both files, or the release stops here instead of leaving one file behind the other.
for image in "${images[@]}"; do
  if ! grep -Eq "url: $repository/$image:$version\$" "$blueprint"; then
    echo "release: render.yaml does not pin $repository/$image:$version" >&2
    exit 1
  fi
  pinned="$(awk -v name="zmarty/$image" '$0 ~ "^  - name: " name "$" { found = 1; next }
    found && /newTag:/ { print $2; exit }' "$overlay")"
  if [ "$pinned" != "\"$version\"" ]; then
    echo "release: the production overlay pins zmarty/$image to ${pinned:-nothing}, not $version" >&2
    exit 1
  fi
done

echo "release: render.yaml and deploy/kubernetes/overlays/production pin $version. Next:"
echo "  git commit -m \"Release $version\" render.yaml deploy/kubernetes/overlays/production/kustomization.yaml"
echo "  Render: push the commit and sync the Blueprint. Kubernetes: kubectl apply -k deploy/kubernetes/overlays/production"
