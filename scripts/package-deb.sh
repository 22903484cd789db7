#!/bin/sh
# Builds OUTDIR/embargo_VERSION_ARCH.deb: the embargo binary (Swift's runtime linked in statically,
# symbols stripped), man pages generated from the argument parser, bash, zsh and fish completions,
# the shipped signatures and policies, and the README. The package depends on the Debian packages
# that hold the shared libraries the binary links (libmagic, libarchive, SQLite, libc).
#
# usage: scripts/package-deb.sh [OUTDIR]          (default: .build-package/deb)
# EMBARGO_PACKAGE_SCRATCH names the build directory (default: .build-package);
# EMBARGO_PACKAGE_CONFIGURATION is `release` (the default) or `debug` (CI checks the packaging with an
# unoptimised build, which takes half as long).
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
scratch=${EMBARGO_PACKAGE_SCRATCH:-.build-package}
out=${1:-$scratch/deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)

configuration=${EMBARGO_PACKAGE_CONFIGURATION:-release}
swift build -c "$configuration" --scratch-path "$scratch" --static-swift-stdlib -Xlinker -s --product embargo
binary="$(swift build -c "$configuration" --scratch-path "$scratch" --show-bin-path)/embargo"
version=$("$binary" --version | sed -n 's/^embargo \([^,]*\),.*/\1/p')
[ -n "$version" ] || { echo "package-deb: cannot read the version from $binary --version" >&2; exit 1; }
architecture=$(dpkg --print-architecture)

stage=$(mktemp -d "${TMPDIR:-/tmp}/embargo-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
tree="$stage/embargo_${version}_$architecture"
install -D -m 0755 "$binary" "$tree/usr/bin/embargo"

# Man pages: one per command, from the same definitions as --help, by the argument parser's own
# generate-manual tool run on the binary. `embargo.scan.1` becomes `embargo-scan.1`, as Debian names
# subcommands' pages.
swift build --package-path "$scratch/checkouts/swift-argument-parser" --scratch-path "$scratch/generate-manual" \
    --product generate-manual > "$stage/generate-manual.log" 2>&1 || { cat "$stage/generate-manual.log" >&2; exit 1; }
mkdir -p "$stage/man" "$tree/usr/share/man/man1"
"$scratch/generate-manual/debug/generate-manual" "$binary" --multi-page --authors "The Embargo developers" \
    --output-directory "$stage/man"
[ -s "$stage/man/embargo.1" ] || { echo "package-deb: the man pages were not generated" >&2; exit 1; }
for page in "$stage/man"/*.1; do
    name=$(basename "$page" .1 | tr . -)
    sed -E -e '/^\.(Xr|Dt) /{s/(embargo|EMBARGO)\.([A-Za-z])/\1-\2/;:a' -e 's/((embargo|EMBARGO)-[A-Za-z-]*)\.([A-Za-z])/\1-\3/;ta' -e '}' "$page" \
        | gzip -9n > "$tree/usr/share/man/man1/$name.1.gz"
done

# Shell completions, from the binary itself.
install -d "$tree/usr/share/bash-completion/completions" "$tree/usr/share/zsh/vendor-completions" \
    "$tree/usr/share/fish/vendor_completions.d"
"$binary" --generate-completion-script bash > "$tree/usr/share/bash-completion/completions/embargo"
"$binary" --generate-completion-script zsh > "$tree/usr/share/zsh/vendor-completions/_embargo"
"$binary" --generate-completion-script fish > "$tree/usr/share/fish/vendor_completions.d/embargo.fish"

# The shipped signatures and policies (built into the binary too; here to read and to copy from).
install -d "$tree/usr/share/embargo"
cp -R Signatures "$tree/usr/share/embargo/signatures"
install -D -m 0644 README.md "$tree/usr/share/doc/embargo/README.md"
gzip -9n "$tree/usr/share/doc/embargo/README.md"
printf 'Embargo %s\nBuilt from %s.\n' "$version" "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo 'a source tree')" \
    > "$tree/usr/share/doc/embargo/copyright"

# Depends: the package of every shared library the binary names (its NEEDED entries), as dpkg knows
# them here; the libraries those need are their packages' own dependencies.
needed=$(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
depends=$(for library in $needed; do
    path=$(ldd "$binary" | awk -v name="$library" '$1 == name && $3 ~ /^\// { print $3 }')
    [ -n "$path" ] || continue
    dpkg -S "$(readlink -f "$path")" 2>/dev/null || dpkg -S "$path" 2>/dev/null || true
done | cut -d: -f1 | sort -u | paste -sd, - | sed 's/,/, /g')
[ -n "$depends" ] || { echo "package-deb: cannot tell which packages hold the binary's libraries" >&2; exit 1; }

installed_size=$(du -sk "$tree" | cut -f1)
mkdir -p "$tree/DEBIAN"
cat > "$tree/DEBIAN/control" <<EOF
Package: embargo
Version: $version
Architecture: $architecture
Maintainer: The Embargo developers <embargo@example.org>
Installed-Size: $installed_size
Depends: $depends
Recommends: gpgv
Section: admin
Priority: optional
Description: find software from prohibited vendors and say what must go
 Embargo scans filesystems, mounted disk images, archives and Debian and
 rpm package repositories for software from vendors under the 2024 US
 Commerce (BIS) ban on Kaspersky and the FCC Covered List, and reports each
 finding with its evidence, verdict, legal citation and reason.
EOF
dpkg-deb --build --root-owner-group -Zxz "$tree" "$out/embargo_${version}_$architecture.deb" > /dev/null
echo "$out/embargo_${version}_$architecture.deb"
