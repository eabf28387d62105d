#!/usr/bin/env bash
# Copies the front-end assets the Go binary embeds from node_modules into
# web/static/vendor/. The result is committed, so neither npm nor
# node_modules is needed at run time. Re-run after changing package.json:
#   npm ci && bash scripts/vendor-assets.sh   (or: make vendor-assets)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bi=node_modules/bootstrap-italia
hx=node_modules/htmx.org
out=web/static/vendor

for d in "$bi/dist" "$hx/dist"; do
	if [ ! -d "$d" ]; then
		echo "vendor-assets: $d missing; run 'npm ci' first" >&2
		exit 1
	fi
done

rm -rf "$out/bootstrap-italia" "$out/htmx"
mkdir -p "$out/bootstrap-italia/css" "$out/bootstrap-italia/js" \
	"$out/bootstrap-italia/fonts" "$out/bootstrap-italia/svg" "$out/htmx"

# Bootstrap Italia: CSS, JS bundle (with Popper), icon sprite, licence.
# The source map comment (if any) is stripped so browsers don't ask for a .map we don't ship.
sed '/^\/\*# sourceMappingURL=.*\*\/$/d' "$bi/dist/css/bootstrap-italia.min.css" \
	>"$out/bootstrap-italia/css/bootstrap-italia.min.css"
sed '/^\/\/# sourceMappingURL=/d' "$bi/dist/js/bootstrap-italia.bundle.min.js" \
	>"$out/bootstrap-italia/js/bootstrap-italia.bundle.min.js"
cp "$bi/dist/svg/sprites.svg" "$out/bootstrap-italia/svg/sprites.svg"
cp "$bi/LICENSE" "$out/bootstrap-italia/LICENSE"

# Fonts: the @font-face rules are injected by bootstrap.loadFonts(path) in the
# JS bundle (path = window.__PUBLIC_PATH__, see web/static/boot.js) as
# url('<path>/<Family>/<file>.woff2') with woff2 listed before woff/ttf, so
# every current browser takes the woff2 file. Keep only those (and the fonts'
# own licence files), in the same <Family>/ sub-folders.
(
	cd "$bi/dist/fonts"
	find . -type f \( -name '*.woff2' -o -iname 'LICENSE*' -o -iname 'OFL*' \) -print
) | while IFS= read -r f; do
	mkdir -p "$out/bootstrap-italia/fonts/$(dirname "$f")"
	cp "$bi/dist/fonts/$f" "$out/bootstrap-italia/fonts/$f"
done

# htmx
cp "$hx/dist/htmx.min.js" "$out/htmx/htmx.min.js"
cp "$hx/LICENSE" "$out/htmx/LICENSE"

echo "vendor-assets: wrote $(find "$out/bootstrap-italia" "$out/htmx" -type f | wc -l) files to $out"
