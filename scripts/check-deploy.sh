#!/usr/bin/env bash
# Checks what can be checked here of the ways to install Redazione
# (docs/INSTALL.md): the static build, the systemd unit, the compose file.
# Cheap: no image is built. Run by CI (.ci/run) and `make check-deploy`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf '==> %s\n' "$*"; }
die() { printf 'check-deploy: %s\n' "$*" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

log "static build (CGO_ENABLED=0)"
CGO_ENABLED=0 go build -trimpath -o "$tmp/redazione" ./cmd/redazione
if command -v file >/dev/null; then
	file "$tmp/redazione" | grep -q 'statically linked' || die "the binary is not static: $(file "$tmp/redazione")"
elif command -v ldd >/dev/null && ldd "$tmp/redazione" >/dev/null 2>&1; then
	die "the binary is dynamically linked: $(ldd "$tmp/redazione")"
fi
"$tmp/redazione" help | grep -q 'redazione healthcheck' || die "the static binary does not run"

log "systemd units (deploy/redazione*.service, .timer)"
if command -v systemd-analyze >/dev/null; then
	# verify wants ExecStart's binary to exist: the one just built.
	for u in redazione.service redazione-backup.service redazione-backup.timer; do
		sed "s#/usr/local/bin/redazione#$tmp/redazione#g" "deploy/$u" >"$tmp/$u"
	done
	(cd "$tmp" && systemd-analyze verify redazione.service redazione-backup.service redazione-backup.timer) ||
		die "systemd-analyze verify failed"
else
	echo "systemd-analyze not installed: the unit is not verified"
fi

log "compose file (deploy/compose.yaml)"
if docker compose version >/dev/null 2>&1; then
	docker compose -f deploy/compose.yaml config -q || die "docker compose config failed"
elif command -v python3 >/dev/null && python3 -c 'import yaml' 2>/dev/null; then
	echo "docker compose not available: parsing the YAML and its structure instead"
	python3 - deploy/compose.yaml <<'PY' || die "deploy/compose.yaml is not valid"
import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
svcs = c["services"]
for name in ("postgres", "redazione-1", "redazione-2", "caddy"):
    assert name in svcs, f"service {name} missing"
for name, s in svcs.items():
    assert "image" in s, f"service {name} has no image"
    for dep in (s.get("depends_on") or {}):
        assert dep in svcs, f"service {name} depends on unknown {dep}"
    for sec in s.get("secrets", []):
        assert sec in c.get("secrets", {}), f"service {name} uses undeclared secret {sec}"
    for v in s.get("volumes", []):
        src = v.split(":")[0]
        assert src.startswith(".") or src in c.get("volumes", {}), f"service {name} uses undeclared volume {src}"
    for n in s.get("networks", []):
        assert n in c.get("networks", {}), f"service {name} uses undeclared network {n}"
print("compose.yaml: %d services, structure valid" % len(svcs))
PY
else
	echo "neither docker compose nor python3-yaml: the compose file is not checked"
fi

log "deploy checks passed"
