#!/bin/sh
# scripts/make-fuzz-seeds.sh TARGET DIR: writes seed inputs for fuzz target TARGET into DIR, from the
# test fixtures and from the real tools that make each format (dpkg-deb, dpkg-scanpackages,
# createrepo_c, sfdisk, mkfs.vfat, python's plistlib, openssl where installed). Inputs saved from
# earlier crashes (Tests/Fixtures/fuzz-regressions/TARGET) are seeds too.
set -eu
cd "$(dirname "$0")/.."
target=$1
mkdir -p "$2"
out=$(cd "$2" && pwd)
vendor=Tests/Fixtures/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
has() { command -v "$1" >/dev/null 2>&1; }

# A small Debian repository and an rpm-md one, made by the tools mirrors use.
debian_repository() {
    mkdir -p "$work/deb/pool" "$work/deb/pkg/DEBIAN"
    printf 'Package: kesl\nVersion: 12.1\nArchitecture: amd64\nMaintainer: AO Kaspersky Lab <a@example.invalid>\nDescription: Kaspersky Endpoint Security\n second line\n' > "$work/deb/pkg/DEBIAN/control"
    dpkg-deb --build --root-owner-group "$work/deb/pkg" "$work/deb/pool/kesl_12.1_amd64.deb" >/dev/null
    (cd "$work/deb" && dpkg-scanpackages --multiversion pool /dev/null 2>/dev/null > Packages)
    sha=$(sha256sum "$work/deb/Packages" | cut -d' ' -f1)
    size=$(stat -c %s "$work/deb/Packages")
    printf 'Origin: Test\nSuite: stable\nCodename: test\nSHA256:\n %s %s main/binary-amd64/Packages\n' "$sha" "$size" > "$work/deb/Release"
}
rpm_repository() {
    mkdir -p "$work/rpm"
    cp "$vendor"/*.rpm "$work/rpm/"
    createrepo_c --quiet "$work/rpm"
    gunzip -c "$work"/rpm/repodata/*-primary.xml.gz > "$work/rpm/primary.xml"
}

case "$target" in
pe) cp "$vendor"/*.exe "$vendor"/traps/*.exe "$out/" ;;
macho) cp "$vendor/macos-kav-agent" "$out/" ;;
certificates | signed-data)
    cp "$vendor/trust-store/etc/ssl/certs/ca-certificates.crt" "$out/"
    # The PKCS#7 signature blocks of the signed binaries (their certificate tables).
    python3 - "$vendor/signed-kaspersky-avp.exe" "$vendor/signed-kaspersky-neutral.exe" "$out" <<'PY'
import struct, sys
for index, path in enumerate(sys.argv[1:-1]):
    data = open(path, "rb").read()
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    magic = struct.unpack_from("<H", data, pe + 24)[0]
    directory = pe + 24 + (96 if magic == 0x10B else 112) + 4 * 8
    offset, size = struct.unpack_from("<II", data, directory)
    open("%s/signature-%d.p7" % (sys.argv[-1], index), "wb").write(data[offset + 8:offset + size])
PY
    if has openssl; then
        openssl x509 -in "$vendor/trust-store/etc/ssl/certs/ca-certificates.crt" -outform der -out "$out/first.der" 2>/dev/null || true
    fi ;;
rpm-header) cp "$vendor"/*.rpm "$out/" ;;
debian-control) cp "$vendor/dpkg-root/var/lib/dpkg/status" "$out/" ;;
debian-release) debian_repository; cp "$work/deb/Release" "$out/" ;;
debian-packages) debian_repository; cp "$work/deb/Packages" "$out/" ;;
repomd) rpm_repository; cp "$work/rpm/repodata/repomd.xml" "$out/" ;;
rpm-primary | xml) rpm_repository; cp "$work/rpm/primary.xml" "$work/rpm/repodata/repomd.xml" "$out/" ;;
property-list)
    python3 -c '
import plistlib, sys
value = {"CFBundleIdentifier": "com.kaspersky.kav.agent", "CFBundleVersion": "1.0", "List": [1, 2.5, True, b"\x00\x01"]}
open(sys.argv[1] + "/info.bplist", "wb").write(plistlib.dumps(value, fmt=plistlib.FMT_BINARY))
open(sys.argv[1] + "/info.plist", "wb").write(plistlib.dumps(value, fmt=plistlib.FMT_XML))' "$out" ;;
partition-table | fat)
    truncate -s 4M "$work/mbr.img"
    printf 'label: dos\nstart=2048, size=4096, type=c\nstart=6144, type=83\n' | sfdisk --quiet "$work/mbr.img"
    truncate -s 4M "$work/gpt.img"
    printf 'label: gpt\nstart=2048, size=4096, type=uefi\nstart=6144, type=linux\n' | sfdisk --quiet "$work/gpt.img"
    truncate -s 2M "$work/fat.img"
    mkfs.vfat -F 12 "$work/fat.img" >/dev/null
    mmd -i "$work/fat.img" ::/Program ::/Program/Kaspersky
    mcopy -i "$work/fat.img" "$vendor/invoice-2024.dat" "::/Program/Kaspersky/A Long File Name.dat"
    if [ "$target" = fat ]; then cp "$work/fat.img" "$out/"; else head -c 65536 "$work/mbr.img" > "$out/mbr"; head -c 65536 "$work/gpt.img" > "$out/gpt"; fi ;;
registry-hive)
    printf '%s' '{"Microsoft\\Windows\\CurrentVersion\\Uninstall\\{KES}": {"DisplayName": ["sz", "Kaspersky Endpoint Security for Windows"], "Publisher": ["sz", "AO Kaspersky Lab"], "Size": ["dword", 7]}, "Microsoft\\SystemCertificates\\ROOT\\Certificates\\AB": {"Blob": ["binary-hex", "200000000100000004000000300a0000"]}, "ControlSet001\\Services\\klif": {"Type": ["dword", 1], "ImagePath": ["expand_sz", "system32\\drivers\\klif.sys"]}, "KasperskyLab": {}}' > "$work/spec.json"
    Tests/Fixtures/make-registry-hive.py "$out/hive" "$work/spec.json" ;;
registry-text)
    printf 'WINE REGISTRY Version 2\n;; All keys relative to \\\\Machine\n\n[Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Uninstall\\\\KES] 1700000000\n"DisplayName"="Kaspersky \\x41 Endpoint"\n"Size"=dword:00000010\n"Bin"=hex(2):41,00,\\\n  42,00\n@=str(2):"%%ProgramFiles%%"\n' > "$out/system.reg"
    printf 'Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\klif]\r\n"Type"=dword:00000001\r\n"ImagePath"="system32\\\\drivers\\\\klif.sys"\r\n' > "$out/export.reg" ;;
java-keystore | pkcs12)
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/root.key" -days 30 -subj "/CN=Kaspersky Anti-Virus Personal Root Certificate" -out "$work/root.pem" 2>/dev/null
    # keytool adds to a store that exists: start from none (the corpus folder is kept between runs).
    rm -f "$out/trust.jks" "$out/trust.jceks" "$out/java.p12"
    if [ "$target" = java-keystore ]; then
        keytool -importcert -noprompt -alias root -file "$work/root.pem" -keystore "$out/trust.jks" -storetype JKS -storepass changeit >/dev/null 2>&1
        keytool -importcert -noprompt -alias root -file "$work/root.pem" -keystore "$out/trust.jceks" -storetype JCEKS -storepass changeit >/dev/null 2>&1
    else
        keytool -importcert -noprompt -alias root -file "$work/root.pem" -keystore "$out/java.p12" -storetype PKCS12 -storepass changeit >/dev/null 2>&1
        openssl pkcs12 -export -nokeys -in "$work/root.pem" -out "$out/plain.p12" -passout pass:
        openssl pkcs12 -export -inkey "$work/root.key" -in "$work/root.pem" -out "$out/identity.p12" -passout pass:
        openssl pkcs12 -export -legacy -nokeys -in "$work/root.pem" -out "$out/legacy.p12" -passout pass:
    fi ;;
rpm-database)
    Tests/Fixtures/make-rpm-database.py bdb:512 "$out/Packages" "$vendor"/*.rpm
    Tests/Fixtures/make-rpm-database.py bdb:1024:big "$out/Packages-big-endian" "$vendor"/*.rpm
    Tests/Fixtures/make-rpm-database.py ndb "$out/Packages.db" "$vendor"/*.rpm ;;
container-image)
    # Two images sharing a layer, the second removing a file by a whiteout, in each archive layout.
    mkdir -p "$work/s1/etc" "$work/s2/etc" "$work/s2/opt/kaspersky"
    echo one > "$work/s1/etc/hostname"
    echo one > "$work/s2/etc/hostname"
    echo agent > "$work/s2/opt/kaspersky/agent"
    for layout in docker docker-oci oci; do
        Tests/Fixtures/make-container-image.py "$out/$layout.tar" "$layout" "a/b:1=$work/s1,$work/s2" "a/c:2=$work/s1,$work/s2,$work/s1"
    done ;;
compound-file | nsis)
    cp "$vendor/signed-kaspersky-avp.exe" "$work/kavsdk.dll"
    printf 'Example notes\n' > "$work/notes.txt"
    if [ "$target" = compound-file ]; then
        printf '%s\n' '<?xml version="1.0"?><Wix xmlns="http://schemas.microsoft.com/wix/2006/wi"><Product Id="*" Name="Seed" Language="1033" Version="1.0.0" Manufacturer="Example" UpgradeCode="6F1E4C1A-57B1-4E8A-9B1E-0F8E4D6C1A03"><Package Compressed="yes"/><Media Id="1" Cabinet="seed.cab" EmbedCab="yes"/><Directory Id="TARGETDIR" Name="SourceDir"><Directory Id="ProgramFilesFolder"><Directory Id="INSTALLDIR" Name="Seed"><Component Id="Main" Guid="6F1E4C1A-57B1-4E8A-9B1E-0F8E4D6C1A04"><File Id="Sdk" Name="kavsdk.dll" Source="kavsdk.dll"/><File Id="Notes" Name="notes.txt" Source="notes.txt"/></Component></Directory></Directory></Directory><Feature Id="Main" Level="1"><ComponentRef Id="Main"/></Feature></Product></Wix>' > "$work/seed.wxs"
        (cd "$work" && wixl -o "$out/seed.msi" seed.wxs)
    else
        # The installers from their first header on: the data the NSIS reader is handed.
        for variant in zlib "/SOLID zlib" lzma "/SOLID lzma" bzip2 "/SOLID bzip2"; do
            name=$(echo "$variant" | tr -d '/ ')
            printf 'Unicode true\nSetCompressor %s\nOutFile "%s.exe"\nName "Seed"\nInstallDir "$PROGRAMFILES\\Seed"\nSection "Main"\n  SetOutPath "$INSTDIR"\n  File kavsdk.dll\n  File notes.txt\nSectionEnd\n' "$variant" "$name" > "$work/$name.nsi"
            (cd "$work" && makensis -V1 "$name.nsi" >/dev/null)
            python3 -c 'import sys; data = open(sys.argv[1], "rb").read(); start = data.find(bytes.fromhex("efbeadde") + b"NullsoftInst") - 4; open(sys.argv[2], "wb").write(data[start:])' "$work/$name.exe" "$out/$name.nsis"
        done
    fi ;;
virtual-disk | ext)
    # A small ext4 (inline data, 1 KiB blocks) alone, and in a GPT disk converted by qemu-img.
    mkdir -p "$work/root/opt/kaspersky"
    cp "$vendor/invoice-2024.dat" "$work/root/opt/kaspersky/"
    echo small > "$work/root/small"
    if [ "$target" = ext ]; then
        mkfs.ext4 -q -F -b 1024 -N 16 -O inline_data -d "$work/root" "$out/ext4.img" 200k 2>/dev/null
        mkfs.ext4 -q -F -b 1024 -N 16 -t ext2 -d "$work/root" "$out/ext2.img" 200k 2>/dev/null
    else
        truncate -s 1M "$work/raw"
        printf 'label: gpt\nstart=34, size=1900, type=linux\n' | sfdisk --quiet "$work/raw"
        mkfs.ext4 -q -F -b 1024 -N 16 -E offset=17408 -d "$work/root" "$work/raw" 900k 2>/dev/null
        qemu-img convert -O qcow2 "$work/raw" "$out/disk.qcow2"
        qemu-img convert -c -O qcow2 "$work/raw" "$out/compressed.qcow2"
        qemu-img convert -O vmdk "$work/raw" "$out/disk.vmdk"
        qemu-img convert -O vmdk -o subformat=streamOptimized "$work/raw" "$out/stream.vmdk"
        qemu-img convert -O vpc "$work/raw" "$work/disk.vhd" && head -c 1048576 "$work/disk.vhd" > "$out/disk.vhd"
        qemu-img convert -O vhdx "$work/raw" "$work/disk.vhdx" && head -c 4194304 "$work/disk.vhdx" > "$out/disk.vhdx"
    fi ;;
xfs)
    # The first MiB of a small XFS (superblock, group headers, the root's inodes and directories).
    mkdir -p "$work/root/logs"
    for index in $(seq 1 60); do echo "entry $index" > "$work/root/logs/entry-$index.log"; done
    cp "$vendor/invoice-2024.dat" "$work/root/"
    printf '/dev/null\n0 0\nd--755 0 0\ninvoice ---644 0 0 %s\nlogs d--755 0 0\n' "$work/root/invoice-2024.dat" > "$work/proto"
    for index in $(seq 1 60); do printf ' entry-%s ---644 0 0 %s\n' "$index" "$work/root/logs/entry-$index.log" >> "$work/proto"; done
    printf '$\n$\n' >> "$work/proto"
    truncate -s 300M "$work/xfs.img"
    mkfs.xfs -q -f -p "$work/proto" "$work/xfs.img"
    head -c 1048576 "$work/xfs.img" > "$out/xfs-head" ;;
btrfs)
    # A small btrfs, shrunk, to the end of its metadata (superblock, system chunk, trees at 5 MiB).
    mkdir -p "$work/root/opt"
    cp "$vendor/invoice-2024.dat" "$work/root/opt/"
    echo small > "$work/root/small"
    truncate -s 128M "$work/btrfs.img"
    mkfs.btrfs -q -r "$work/root" --shrink -m single -d single "$work/btrfs.img" 2>/dev/null
    head -c 6291456 "$work/btrfs.img" > "$out/btrfs-head" ;;
ntfs)
    # The NTFS fixture (ntfs-3g wrote it): resident, non-resident, compressed and sparse files.
    gunzip -c Tests/Fixtures/ntfs/windows.ntfs.gz > "$out/windows.ntfs" ;;
compressed-run)
    # The first extent of each codec in the btrfs fixture the kernel compressed, behind its codec byte
    # (0 zlib, 1 LZO, 2 zstd); the data chunk's logical addresses are its physical ones.
    gunzip -c Tests/Fixtures/btrfs/compressed.btrfs.gz > "$work/compressed.btrfs"
    for codec in 1:zlib:0 2:lzo:1 3:zstd:2; do
        number=${codec%%:*}; rest=${codec#*:}; name=${rest%%:*}; byte=${rest#*:}
        extent=$(btrfs inspect-internal dump-tree -t fs "$work/compressed.btrfs" 2>/dev/null |
            grep -B2 "extent compression $number " | grep -o 'disk byte [0-9]* nr [0-9]*' | head -1)
        [ -n "$extent" ] || continue
        set -- $extent
        { printf "\\$(printf '%03o' "$byte")"; dd if="$work/compressed.btrfs" bs=4096 skip=$(($3 / 4096)) count=$(($5 / 4096)) status=none; } > "$out/$name"
    done ;;
lvm)
    # The head of a physical volume as LVM's tools wrote it, and its description text alone.
    gunzip -c Tests/Fixtures/lvm/physical-volume-head.bin.gz > "$out/physical-volume"
    python3 -c 'import sys; data = open(sys.argv[1], "rb").read(); start = data.rindex(b"embargo {"); open(sys.argv[2], "wb").write(data[start:data.index(b"\0", start)])' "$out/physical-volume" "$out/description.txt" ;;
sniffer) cp "$vendor"/*.exe "$vendor"/*.deb "$vendor"/*.rpm "$vendor"/*.tar* "$vendor/macos-kav-agent" "$out/" ;;
item)
    cp "$vendor"/*.deb "$vendor"/*.rpm "$vendor"/*.tar* "$vendor/signed-kaspersky-avp.exe" "$vendor/macos-kav-agent" "$out/"
    cp "$vendor/rpm-root/var/lib/rpm/rpmdb.sqlite" "$out/"
    (cd "$vendor" && tar czf "$out/roots.tar.gz" dpkg-root trust-store)
    mkdir -p "$work/image/var/lib" && cp -r "$vendor/dpkg-root/var/lib/dpkg" "$work/image/var/lib/"
    Tests/Fixtures/make-container-image.py "$out/image.tar" oci "example/agent:1=$work/image"
    "$0" compound-file "$out" ;;
*) echo "unknown fuzz target '$target'" >&2; exit 2 ;;
esac
if [ -d "Tests/Fixtures/fuzz-regressions/$target" ]; then cp "Tests/Fixtures/fuzz-regressions/$target"/* "$out/" 2>/dev/null || true; fi
