#!/bin/sh
# Installs a package built by package-deb.sh with dpkg and checks it the way a user would meet it:
# the installed binary runs and names its version, the man pages and completions are where man and
# the shells look, and a scan of the sample tree finds the installations it holds.
# usage: scripts/check-package.sh PACKAGE.deb
set -eu
cd "$(dirname "$0")/.."
package=${1:?usage: check-package.sh PACKAGE.deb}
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
fail() { echo "check-package: $*" >&2; exit 1; }

$SUDO dpkg -i "$package"
[ "$(dpkg-query -W -f '${Status}' embargo)" = "install ok installed" ] || fail "dpkg does not list embargo as installed"
version=$(/usr/bin/embargo --version)
echo "$version"
case "$version" in "embargo $(dpkg-query -W -f '${Version}' embargo), signature set of "*) ;; *) fail "unexpected --version: $version" ;; esac

for file in /usr/share/man/man1/embargo.1.gz /usr/share/man/man1/embargo-scan.1.gz \
    /usr/share/bash-completion/completions/embargo /usr/share/zsh/vendor-completions/_embargo \
    /usr/share/fish/vendor_completions.d/embargo.fish /usr/share/embargo/signatures/kaspersky.yaml; do
    [ -s "$file" ] || fail "$file is missing or empty"
done
zcat /usr/share/man/man1/embargo-scan.1.gz | grep -q -- '--keyring' || fail "the scan man page does not document --keyring"
bash -n /usr/share/bash-completion/completions/embargo || fail "the bash completion does not parse"

sample=$(mktemp -d "${TMPDIR:-/tmp}/embargo-package-check.XXXXXX")
trap 'rm -rf "$sample"' EXIT
scripts/make-sample-tree.sh "$sample/tree"
status=0
/usr/bin/embargo scan "$sample/tree" --format jsonl --as-of 2026-01-01 -q > "$sample/findings.jsonl" || status=$?
[ "$status" -eq 1 ] || fail "the sample scan exited with $status; 1 (prohibited findings) was expected"
python3 - "$sample/findings.jsonl" <<'EOF'
import json, sys
records = [json.loads(line) for line in open(sys.argv[1])]
installed = [r for r in records if r.get("type") == "finding" and r["confidence"] == "installation" and r["verdict"] == "prohibited"]
products = {r["product"] for r in installed}
print(f"installed embargo found {len(installed)} prohibited installations: {', '.join(sorted(products))}")
if "kaspersky-endpoint-security-linux" not in products or "kaspersky-endpoint-security-windows" not in products:
    sys.exit("check-package: the sample scan missed the installed Kaspersky products")
EOF
echo "check-package: $package installs and works"
