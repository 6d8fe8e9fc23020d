#!/usr/bin/env bash
# Fetch the web map's JavaScript library from the npm registry into the package (run once by
# a developer; the files are committed so that the page works offline): Leaflet, pinned.
set -euo pipefail
cd "$(dirname "$0")/.."
LEAFLET=leaflet@1.9.4
dest=frontwatch/web/static/vendor/leaflet
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "$LEAFLET" --silent >/dev/null && tar xzf leaflet-*.tgz)
mkdir -p "$dest/images"
cp "$tmp/package/dist/leaflet.js" "$tmp/package/dist/leaflet.css" "$tmp/package/LICENSE" "$dest/"
cp "$tmp/package/dist/images/"*.png "$dest/images/"
echo "$LEAFLET" > "$dest/VERSION"
sha256sum "$dest"/leaflet.js "$dest"/leaflet.css
