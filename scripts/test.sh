#!/bin/sh
# Runs Embargo's tests. The PostgreSQL store tests need a server: unless EMBARGO_TEST_POSTGRES_URL is
# already set, this starts a throw-away local server (from Debian's postgresql package) for the run
# and stops it afterwards.
set -eu
cd "$(dirname "$0")/.."
if [ -z "${EMBARGO_TEST_POSTGRES_URL:-}" ]; then
    . scripts/postgres-for-tests.sh
    trap stop_test_postgres EXIT
    start_test_postgres
fi
# Embargo's own targets build with every warning an error (Package.swift reads this).
export EMBARGO_WARNINGS_AS_ERRORS=1
swift build --build-tests
swift test --skip-build "$@"
