#!/usr/bin/env bash
# Builds the vendor fixtures of the detection tests with real tools, into Tests/Fixtures/vendor.
# The outputs are committed, so the tests and CI need none of these tools:
#   mingw-w64 (x86_64-w64-mingw32-gcc, windres), osslsigncode, openssl, dpkg-deb, rpmbuild, rpm,
#   python3, zip, tar, gzip.
# Every certificate is a throw-away test certificate made here; subjects name the vendors so that the
# signatures recognise them, exactly as the real vendor certificates would be.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out="$here/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -rf "$out"
mkdir -p "$out" "$out/traps"
cd "$work"
export SOURCE_DATE_EPOCH=1718000000

# --- Test PKI: a CA, the vendor's code-signing certificate, an unrelated publisher's, and the
# Kaspersky TLS-inspection root as it appears in trust stores.
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -keyout ca.key -out ca.pem \
  -subj "/CN=Embargo Test Code Signing CA/O=Embargo Test PKI" 2>/dev/null
cat > codesign.ext <<'EOF'
basicConstraints=CA:FALSE
keyUsage=digitalSignature
extendedKeyUsage=codeSigning
EOF
sign_cert() { # name subject
  openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
    -extfile codesign.ext -out "$1.pem" 2>/dev/null
}
sign_cert kaspersky "/C=RU/ST=Moscow/L=Moscow/O=AO Kaspersky Lab/CN=AO Kaspersky Lab/serialNumber=1027739867473"
sign_cert example "/C=GB/O=Example Software Ltd/CN=Example Software Ltd"
sign_cert apple-kaspersky "/C=RU/O=AO Kaspersky Lab/OU=2Y8XE5CQ94/CN=Developer ID Application: AO Kaspersky Lab (2Y8XE5CQ94)"
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -keyout root.key -out kaspersky-root.pem \
  -subj "/C=RU/O=AO Kaspersky Lab/CN=Kaspersky Anti-Virus Personal Root Certificate" 2>/dev/null
for name in "Example Trust Services Root CA" "Sample Global Root G2"; do
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -keyout other.key -out "other-$name.pem" \
    -subj "/C=US/O=$name Inc/CN=$name" 2>/dev/null
done

# --- Windows PE files with version resources (mingw-w64 + windres), signed with osslsigncode.
pe() { # name company product description original copyright extra-c
  cat > "$1.rc" <<EOF
1 VERSIONINFO
FILEVERSION 12,2,0,462
PRODUCTVERSION 12,2,0,462
FILEOS 0x40004
FILETYPE 0x1
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "040904b0"
    BEGIN
      VALUE "CompanyName", "$2"
      VALUE "FileDescription", "$4"
      VALUE "FileVersion", "12.2.0.462"
      VALUE "InternalName", "${5%.exe}"
      VALUE "LegalCopyright", "$6"
      VALUE "OriginalFilename", "$5"
      VALUE "ProductName", "$3"
      VALUE "ProductVersion", "12.2.0.462"
    END
  END
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0x409, 1200
  END
END
EOF
  printf '%s\nint main(void) { return 0; }\n' "$7" > "$1.c"
  x86_64-w64-mingw32-windres "$1.rc" -O coff -o "$1.res"
  x86_64-w64-mingw32-gcc -Os -s -o "$1.exe" "$1.c" "$1.res"
}
pe avp "AO Kaspersky Lab" "Kaspersky Endpoint Security for Windows" "Kaspersky Endpoint Security service" \
  avp.exe "Copyright (C) 2023 AO Kaspersky Lab" ""
pe neutral "Example Corp" "Example Utility" "Utility" utility.exe "Copyright (C) 2023 Example Corp" ""
pe widestrings "Example Corp" "Example Launcher" "Launcher" launcher.exe "Copyright (C) 2023 Example Corp" \
  'const unsigned short *names[] = { u"Kaspersky Endpoint Security for Windows", u"AO Kaspersky Lab" };'
pe unrelated "Example Software Ltd" "Example Backup" "Backup agent" backup.exe "Copyright (C) 2023 Example Software Ltd" ""
pe cybertrace "AO Kaspersky Lab" "Kaspersky CyberTrace" "Kaspersky CyberTrace service" cybertrace.exe \
  "Copyright (C) 2023 AO Kaspersky Lab" ""
osslsigncode sign -certs <(cat kaspersky.pem ca.pem) -key kaspersky.key -n "Kaspersky Endpoint Security" \
  -h sha256 -in avp.exe -out "$out/signed-kaspersky-avp.exe" >/dev/null
osslsigncode sign -certs <(cat kaspersky.pem ca.pem) -key kaspersky.key -n "Utility" \
  -h sha256 -in neutral.exe -out "$out/signed-kaspersky-neutral.exe" >/dev/null
cp "$out/signed-kaspersky-avp.exe" "$out/invoice-2024.dat"
# A Threat Intelligence program where the consumer product's path glob (Kaspersky Lab/Kaspersky *)
# also matches: one product, the one its version resources name.
mkdir -p "$out/Program Files/Kaspersky Lab/Kaspersky CyberTrace"
osslsigncode sign -certs <(cat kaspersky.pem ca.pem) -key kaspersky.key -n "Kaspersky CyberTrace" \
  -h sha256 -in cybertrace.exe -out "$out/Program Files/Kaspersky Lab/Kaspersky CyberTrace/cybertrace.exe" >/dev/null
cp widestrings.exe "$out/unsigned-wide-strings.exe"
osslsigncode sign -certs <(cat example.pem ca.pem) -key example.key -n "Example Backup" \
  -h sha256 -in unrelated.exe -out "$out/traps/unrelated-signed.exe" >/dev/null

# --- A trust store with the Kaspersky TLS-inspection root among other roots.
mkdir -p "$out/trust-store/etc/ssl/certs"
cat other-*.pem kaspersky-root.pem > "$out/trust-store/etc/ssl/certs/ca-certificates.crt"

# --- A Mach-O binary with an embedded Info.plist and a code signature (CodeDirectory with the
# identifier and Team ID, and a CMS signature made with openssl).
python3 - <<'EOF'
import struct
plist = b'''<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>
<key>CFBundleIdentifier</key><string>com.kaspersky.kav.agent</string>
<key>CFBundleName</key><string>Kaspersky</string>
</dict></plist>
'''
ident, team = b"com.kaspersky.kav.agent\0", b"2Y8XE5CQ94\0"
# CodeDirectory 0x20200: magic, length, version, flags, hashOffset, identOffset, nSpecialSlots,
# nCodeSlots, codeLimit, hashSize, hashType, platform, pageSize, spare2, scatterOffset, teamOffset.
header = struct.pack(">IIIIIIIIIBBBBIII", 0xfade0c02, 0, 0x20200, 0, 0, 52, 0, 0, 0, 0, 0, 0, 12, 0, 0, 52 + len(ident))
assert len(header) == 52
cd = bytearray(header + ident + team)
struct.pack_into(">I", cd, 4, len(cd))
open("codedirectory.bin", "wb").write(cd)
open("plist.xml", "wb").write(plist)
EOF
openssl cms -sign -binary -in codedirectory.bin -signer apple-kaspersky.pem -inkey apple-kaspersky.key \
  -certfile ca.pem -outform DER -out cms.der
python3 - "$out/macos-kav-agent" <<'EOF'
import struct, sys
cd = open("codedirectory.bin", "rb").read()
cms = open("cms.der", "rb").read()
plist = open("plist.xml", "rb").read()
wrapper = struct.pack(">II", 0xfade0b01, 8 + len(cms)) + cms
count = 2
superblob_header = 12 + count * 8
cd_offset = superblob_header
cms_offset = cd_offset + len(cd)
superblob = struct.pack(">III", 0xfade0cc0, superblob_header + len(cd) + len(wrapper), count)
superblob += struct.pack(">II", 0, cd_offset) + struct.pack(">II", 0x10000, cms_offset) + cd + wrapper
# mach_header_64, LC_SEGMENT_64 __TEXT with section __info_plist, LC_CODE_SIGNATURE.
segment_size = 72 + 80
commands_size = segment_size + 16
plist_offset = 32 + commands_size
signature_offset = (plist_offset + len(plist) + 15) & ~15
header = struct.pack("<IiiIIIII", 0xfeedfacf, 0x01000007, 3, 2, 2, commands_size, 0, 0)
segment = struct.pack("<II16sQQQQiiII", 0x19, segment_size, b"__TEXT", 0, 0x1000, 0, signature_offset, 5, 5, 1, 0)
section = struct.pack("<16s16sQQIIIIIIII", b"__info_plist", b"__TEXT", plist_offset, len(plist), plist_offset, 0, 0, 0, 0, 0, 0, 0)
signature = struct.pack("<IIII", 0x1d, 16, signature_offset, len(superblob))
body = header + segment + section + signature
body += plist
body += b"\0" * (signature_offset - len(body))
body += superblob
open(sys.argv[1], "wb").write(body)
EOF

# --- Debian packages (dpkg-deb): the product, and a Threat Intelligence package.
deb() { # name version description maintainer file
  mkdir -p "deb-$1/DEBIAN" "deb-$1/$(dirname "$5")"
  cp /bin/true "deb-$1/$5"
  cat > "deb-$1/DEBIAN/control" <<EOF
Package: $1
Version: $2
Architecture: amd64
Maintainer: $4
Description: $3
 Test fixture built by Embargo's test suite.
EOF
  dpkg-deb --root-owner-group -Zxz --build "deb-$1" "$out/$1_$2_amd64.deb" >/dev/null
}
deb kesl 12.1.0-1234 "Kaspersky Endpoint Security for Linux" "AO Kaspersky Lab <support@example.invalid>" opt/kaspersky/kesl/bin/kesl-control
deb kaspersky-cybertrace 4.3.0-1 "Kaspersky CyberTrace threat intelligence fusion and analysis" \
  "AO Kaspersky Lab <support@example.invalid>" opt/kaspersky/cybertrace/bin/cybertrace

# --- An RPM package (rpmbuild) and an installed rpm database (rpm --initdb, rpm -i --justdb).
mkdir -p rpmbuild/SPECS
cat > rpmbuild/SPECS/kesl.spec <<'EOF'
Name: kesl
Version: 12.1.0
Release: 1234
Summary: Kaspersky Endpoint Security for Linux
License: Proprietary
Vendor: AO Kaspersky Lab
Packager: AO Kaspersky Lab <support@example.invalid>
BuildArch: x86_64
%global debug_package %{nil}
%define __os_install_post %{nil}
%description
Kaspersky Endpoint Security for Linux (test fixture built by Embargo's test suite).
%install
mkdir -p %{buildroot}/opt/kaspersky/kesl/bin
cp /bin/true %{buildroot}/opt/kaspersky/kesl/bin/kesl-control
%files
/opt/kaspersky/kesl/bin/kesl-control
EOF
rpmbuild --quiet --define "_topdir $work/rpmbuild" --nodeps -bb rpmbuild/SPECS/kesl.spec 2>/dev/null
cp rpmbuild/RPMS/x86_64/kesl-12.1.0-1234.x86_64.rpm "$out/"
mkdir -p "$out/rpm-root/var/lib/rpm"
rpm --initdb --dbpath "$work/rpmdb" --define "_db_backend sqlite"
rpm -i --justdb --nodeps --noscripts --ignorearch --ignoreos --dbpath "$work/rpmdb" \
  --define "_db_backend sqlite" "$out/kesl-12.1.0-1234.x86_64.rpm"
sqlite3 "$work/rpmdb/rpmdb.sqlite" "PRAGMA journal_mode=DELETE; VACUUM;" >/dev/null
cp "$work/rpmdb/rpmdb.sqlite" "$out/rpm-root/var/lib/rpm/rpmdb.sqlite"

# --- A dpkg database with Kaspersky packages among ordinary ones.
mkdir -p "$out/dpkg-root/var/lib/dpkg"
cat > "$out/dpkg-root/var/lib/dpkg/status" <<'EOF'
Package: bash
Essential: yes
Status: install ok installed
Priority: required
Section: shells
Installed-Size: 7175
Maintainer: Matthias Klose <doko@debian.org>
Architecture: amd64
Version: 5.2.15-2+b7
Description: GNU Bourne Again SHell
 Bash is an sh-compatible command language interpreter.

Package: kesl
Status: install ok installed
Priority: optional
Section: misc
Installed-Size: 912345
Maintainer: AO Kaspersky Lab <support@example.invalid>
Architecture: amd64
Version: 12.1.0-1234
Description: Kaspersky Endpoint Security for Linux

Package: klnagent64
Status: install ok installed
Priority: optional
Section: misc
Installed-Size: 123456
Maintainer: AO Kaspersky Lab <support@example.invalid>
Architecture: amd64
Version: 15.1.0-20748
Description: Kaspersky Security Center Network Agent

Package: kav4fs
Status: deinstall ok config-files
Priority: optional
Maintainer: AO Kaspersky Lab <support@example.invalid>
Architecture: i386
Version: 8.0.4-312
Description: Kaspersky Anti-Virus for Linux File Server (removed; configuration files only)

Package: coreutils
Essential: yes
Status: install ok installed
Priority: required
Maintainer: Michael Stone <mstone@debian.org>
Architecture: amd64
Version: 9.1-1
Description: GNU core utilities
EOF

# --- The same inside archives: a tar.gz holding a zip holding the signed PE, and a tar with the .deb.
mkdir -p nested/tools
cp "$out/signed-kaspersky-avp.exe" nested/tools/helper.bin
(cd nested && zip -q -X -r ../tools.zip tools)
tar --sort=name --mtime=@$SOURCE_DATE_EPOCH --owner=0 --group=0 -czf "$out/nested-tools.tar.gz" tools.zip
tar --sort=name --mtime=@$SOURCE_DATE_EPOCH --owner=0 --group=0 -C "$out" -cf "$out/packages.tar" kesl_12.1.0-1234_amd64.deb

# --- False-positive traps.
cat > "$out/traps/news-article.html" <<'EOF'
<html><body><h1>Commerce bans Kaspersky software</h1>
<p>The Bureau of Industry and Security banned sales of AO Kaspersky Lab software to US persons from
July 20, 2024. Users of Kaspersky Endpoint Security, Kaspersky Internet Security and Kaspersky Total
Security stop receiving updates on September 29, 2024. Kaspersky Lab ZAO, as the company was once
called, denies wrongdoing. Kaspersky Threat Intelligence and Security Training are excluded.</p>
</body></html>
EOF
cat > "$out/traps/audit-antivirus.sh" <<'EOF'
#!/bin/sh
# Security audit: report which endpoint protection is installed.
if [ -x /opt/kaspersky/kesl/bin/kesl-control ]; then
  echo "Kaspersky Endpoint Security for Linux found"
  /opt/kaspersky/kesl/bin/kesl-control --app-info
fi
if dpkg -s kesl >/dev/null 2>&1 || rpm -q kesl >/dev/null 2>&1; then echo "kesl package installed"; fi
EOF
cat > "$out/traps/antivirus-products.txt" <<'EOF'
Known antivirus products (for the compatibility matrix):
Avast Free Antivirus
Bitdefender Total Security
ESET Endpoint Security
Kaspersky Anti-Virus
Kaspersky Internet Security
Kaspersky Total Security
Kaspersky Endpoint Security for Windows
McAfee Total Protection
Microsoft Defender Antivirus
Sophos Intercept X
EOF
cat > "$out/traps/kaspresso-test.kt" <<'EOF'
import com.kaspersky.kaspresso.testcases.api.testcase.TestCase
class LoginTest : TestCase() { /* UI tests with Kaspresso, Kaspersky's open-source test framework */ }
EOF
echo "wrote fixtures to $out"
