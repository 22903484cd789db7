#!/bin/sh
# Builds a sample tree to scan, from the committed fixtures and the real tools: a mounted Linux root
# and a Windows drive with Kaspersky products installed, a Debian package mirror, a USB stick image
# (MBR + FAT), downloads with a renamed signed binary and nested archives, and documents that only
# mention Kaspersky (which must not be called installations).
# usage: scripts/make-sample-tree.sh DIR
set -eu
out=${1:?usage: make-sample-tree.sh DIR}
fixtures=$(cd "$(dirname "$0")/../Tests/Fixtures/vendor" && pwd)
rm -rf "$out"
mkdir -p "$out"

# A mounted Linux root: dpkg and rpm databases, a trust store with Kaspersky's TLS-inspection root.
mkdir -p "$out/host01/etc/ssl/certs" "$out/host01/var/lib/dpkg" "$out/host01/var/lib/rpm" "$out/host01/usr/bin"
cp "$fixtures/dpkg-root/var/lib/dpkg/status" "$out/host01/var/lib/dpkg/status"
cp "$fixtures/rpm-root/var/lib/rpm/rpmdb.sqlite" "$out/host01/var/lib/rpm/rpmdb.sqlite"
cp "$fixtures/trust-store/etc/ssl/certs/ca-certificates.crt" "$out/host01/etc/ssl/certs/"
printf 'PRETTY_NAME="Sample Linux"\n' > "$out/host01/etc/os-release"

# A Windows drive with Kaspersky Endpoint Security installed: the program, and its registry (an
# Uninstall entry, the klif driver's service) in SOFTWARE and SYSTEM hives written by libhivex.
mkdir -p "$out/win01/Windows/System32/drivers" "$out/win01/Windows/System32/config" \
    "$out/win01/Program Files (x86)/Kaspersky Lab/KES.12.6" "$out/win01/Users/Public"
cp "$fixtures/signed-kaspersky-avp.exe" "$out/win01/Program Files (x86)/Kaspersky Lab/KES.12.6/avp.exe"
hive_spec=$(mktemp)
printf '%s' '{"Microsoft\\Windows\\CurrentVersion\\Uninstall\\{B9518725-0B76-4793-A409-C6794442FCE6}": {"DisplayName": ["sz", "Kaspersky Endpoint Security for Windows"], "Publisher": ["sz", "AO Kaspersky Lab"], "DisplayVersion": ["sz", "12.6.0.438"]}, "Microsoft\\Windows\\CurrentVersion\\Uninstall\\7-Zip": {"DisplayName": ["sz", "7-Zip 24.08 (x64)"], "Publisher": ["sz", "Igor Pavlov"]}}' > "$hive_spec"
"$fixtures/../make-registry-hive.py" "$out/win01/Windows/System32/config/SOFTWARE" "$hive_spec"
printf '%s' '{"ControlSet001\\Services\\klif": {"Type": ["dword", 2], "Start": ["dword", 0], "ImagePath": ["expand_sz", "system32\\DRIVERS\\klif.sys"]}, "ControlSet001\\Services\\Spooler": {"Type": ["dword", 16], "ImagePath": ["expand_sz", "%SystemRoot%\\System32\\spoolsv.exe"]}}' > "$hive_spec"
"$fixtures/../make-registry-hive.py" "$out/win01/Windows/System32/config/SYSTEM" "$hive_spec"
rm -f "$hive_spec"

# A Debian mirror with Kaspersky's packages among an ordinary one.
mkdir -p "$out/mirror/pool/main" "$out/mirror/dists/stable/main/binary-amd64" "$out/staging/DEBIAN" "$out/staging/usr/bin"
cp "$fixtures/kesl_12.1.0-1234_amd64.deb" "$fixtures/kaspersky-cybertrace_4.3.0-1_amd64.deb" "$out/mirror/pool/main/"
printf 'Package: hello-tool\nVersion: 1.0\nArchitecture: amd64\nMaintainer: Example <dev@example.org>\nDescription: an ordinary tool\n' \
    > "$out/staging/DEBIAN/control"
printf '#!/bin/sh\necho hello\n' > "$out/staging/usr/bin/hello-tool"
dpkg-deb --build --root-owner-group "$out/staging" "$out/mirror/pool/main/hello-tool_1.0_amd64.deb" > /dev/null
rm -rf "$out/staging"
(cd "$out/mirror" && dpkg-scanpackages --multiversion pool /dev/null 2> /dev/null > dists/stable/main/binary-amd64/Packages)
gzip -9 --keep "$out/mirror/dists/stable/main/binary-amd64/Packages"
(cd "$out/mirror/dists/stable" && {
    printf 'Origin: Sample\nSuite: stable\nSHA256:\n'
    for f in main/binary-amd64/Packages main/binary-amd64/Packages.gz; do
        printf ' %s %s %s\n' "$(sha256sum "$f" | cut -d' ' -f1)" "$(stat -c %s "$f")" "$f"
    done
} > Release)

# A USB stick image: an MBR with one FAT partition holding an installer under another name.
truncate -s 16M "$out/usb-stick.img"
printf 'label: dos\nstart=2048, size=30720, type=c\n' | sfdisk --quiet "$out/usb-stick.img"
mkfs.vfat --offset 2048 "$out/usb-stick.img" 15360 > /dev/null 2>&1
mmd -i "$out/usb-stick.img@@1M" ::/Setup
mcopy -i "$out/usb-stick.img@@1M" "$fixtures/signed-kaspersky-avp.exe" "::/Setup/driver-update.exe"

# Downloads: a renamed signed binary, nested archives, a Mach-O agent.
mkdir -p "$out/downloads"
cp "$fixtures/invoice-2024.dat" "$fixtures/nested-tools.tar.gz" "$fixtures/macos-kav-agent" "$out/downloads/"

# Documents that only mention Kaspersky: at most a mention, never an installation.
mkdir -p "$out/documents"
cp -r "$fixtures/traps/." "$out/documents/"
printf 'June 2024: the US Commerce Department banned Kaspersky software (89 FR 52434).\n' > "$out/documents/news.txt"
echo "sample tree in $out"
