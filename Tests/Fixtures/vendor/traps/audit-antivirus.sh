#!/bin/sh
# Security audit: report which endpoint protection is installed.
if [ -x /opt/kaspersky/kesl/bin/kesl-control ]; then
  echo "Kaspersky Endpoint Security for Linux found"
  /opt/kaspersky/kesl/bin/kesl-control --app-info
fi
if dpkg -s kesl >/dev/null 2>&1 || rpm -q kesl >/dev/null 2>&1; then echo "kesl package installed"; fi
