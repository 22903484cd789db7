#!/bin/sh
# Quick start on a fresh Debian machine: installs what Embargo needs, builds it (release), makes a
# sample tree and scans it, as of a date inside the BIS ban's wind-down period.
set -eu
cd "$(dirname "$0")/.."
scripts/install-dependencies.sh
swift build -c release --static-swift-stdlib --product embargo
scripts/make-sample-tree.sh /tmp/embargo-sample
.build/release/embargo scan /tmp/embargo-sample --policy us-bis-kaspersky-2024 --as-of 2024-08-15 --format text --fail-on never
echo
echo "Also try: .build/release/embargo scan /tmp/embargo-sample --format html --output report.html"
