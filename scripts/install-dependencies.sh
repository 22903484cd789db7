#!/bin/sh
# Installs what Embargo needs to build, and the real tools its tests build fixtures with, on Debian or
# Ubuntu. Runs apt-get update once. Uses sudo when not run as root.
set -eu
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends \
    pkg-config libmagic-dev libarchive-dev libsqlite3-dev libssl-dev zlib1g-dev liblzma-dev libzstd-dev liblzo2-dev \
    gzip bzip2 xz-utils zstd lz4 util-linux python3 time chromium-headless-shell \
    dpkg-dev rpm createrepo-c xorriso fdisk dosfstools mtools e2fsprogs gnupg gpgv \
    postgresql binutils python3-hivex libhivex-bin libnss3-tools openjdk-17-jre-headless ca-certificates-java \
    wixl msitools gcab nsis p7zip-full zip qemu-utils cryptsetup-bin xfsprogs btrfs-progs python3-bsddb3
# The official CycloneDX schema and its validator, for the tests of --format cyclonedx.
python3 -m pip install --quiet --disable-pip-version-check "cyclonedx-python-lib[json-validation]==11.12.0" 2>/dev/null \
    || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages "cyclonedx-python-lib[json-validation]==11.12.0"
