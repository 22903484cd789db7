#!/bin/sh
# scripts/bench-records.sh EMBARGO [WORKDIR]: times how fast a release build of embargo reads
# installed-software records and trust stores, side by side with each format's own tool on the same
# file (best of 3 warm runs): SOFTWARE hives written by libhivex from a seeded generator, one per seed
# in SEEDS (default 1 2 3 4 5; each seed draws its own numbers of Uninstall entries, CLSID-style keys
# and AuthRoot certificates), against hivexml, which walks the whole hive; Java's cacerts as JKS and
# as PKCS#12 against keytool -list; an NSS cert9.db of the system's CA certificates against
# certutil -L. All data is made by the real tools.
set -eu
embargo=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
work=${2:-$(mktemp -d)}
mkdir -p "$work"
cd "$work"

seeds=${SEEDS:-1 2 3 4 5}
for seed in $seeds; do
    [ -f "SOFTWARE-$seed" ] && continue
    /usr/bin/python3 - spec.json "$seed" <<'PY'
import glob, json, random, struct, subprocess, sys, uuid
generator = random.Random(int(sys.argv[2]))
spec = {}
uninstall = "Microsoft\\Windows\\CurrentVersion\\Uninstall\\"
for index in range(generator.randint(300, 8000)):
    key = uninstall + "{%s}" % uuid.UUID(int=generator.getrandbits(128))
    spec[key] = {"DisplayName": ["sz", "Program %d" % index], "Publisher": ["sz", "Vendor %d" % (index % 97)],
                 "DisplayVersion": ["sz", "1.%d" % index], "InstallLocation": ["sz", "C:\\Program Files\\P%d" % index]}
spec[uninstall + "{KES}"] = {"DisplayName": ["sz", "Kaspersky Endpoint Security for Windows"],
                             "Publisher": ["sz", "AO Kaspersky Lab"]}
for parent in range(generator.randint(50, 800)):
    for _ in range(40):
        key = "Classes\\CLSID%03d\\{%s}" % (parent, uuid.UUID(int=generator.getrandbits(128)))
        spec[key] = {"": ["sz", "Component %d" % parent], "ThreadingModel": ["sz", "Both"]}
paths = sorted(glob.glob("/etc/ssl/certs/*.pem"))
for path in generator.sample(paths, min(len(paths), generator.randint(20, 150))):
    der = subprocess.run(["openssl", "x509", "-in", path, "-outform", "DER"], capture_output=True).stdout
    if der:
        blob = struct.pack("<III", 0x20, 1, len(der)) + der
        key = "Microsoft\\SystemCertificates\\AuthRoot\\Certificates\\" + uuid.UUID(int=generator.getrandbits(128)).hex.upper()
        spec[key] = {"Blob": ["binary-hex", blob.hex()]}
json.dump(spec, open(sys.argv[1], "w"))
PY
    "$root/Tests/Fixtures/make-registry-hive.py" "SOFTWARE-$seed" spec.json
    rm -f spec.json
done
if [ ! -f cacerts.p12 ]; then
    cp /etc/ssl/certs/java/cacerts cacerts.jks
    keytool -importkeystore -srckeystore cacerts.jks -srcstorepass changeit -destkeystore cacerts.p12 \
        -deststoretype PKCS12 -deststorepass changeit > /dev/null 2>&1
    mkdir -p nss
    certutil -N -d sql:nss --empty-password
    n=0
    for certificate in /etc/ssl/certs/*.pem; do
        n=$((n + 1))
        certutil -A -n "ca$n" -t "C,," -i "$certificate" -d sql:nss 2> /dev/null || true
    done
fi

# The best of three runs of a command, in seconds.
best() {
    best_time=""
    for _ in 1 2 3; do
        start=$(date +%s.%N)
        "$@" > /dev/null 2>&1 || true
        end=$(date +%s.%N)
        best_time=$(awk -v a="$start" -v b="$end" -v best="$best_time" \
            'BEGIN { t = b - a; if (best == "" || t < best) print t; else print best }')
    done
    echo "$best_time"
}
row() {
    awk -v f="$1" -v s="$2" -v e="$3" -v p="$4" -v t="$5" 'BEGIN { printf "| %s | %s | %.3f | %s | %.3f | %.2f |\n", f, s, e, p, t, e / t }'
}
echo "| file | size | embargo (s) | peer | peer (s) | embargo / peer |"
echo "|---|---|---|---|---|---|"
scan="$embargo scan --in-process --format jsonl --fail-on never --jobs 1"
for seed in $seeds; do
    row "SOFTWARE hive, seed $seed" "$(du -h "SOFTWARE-$seed" | cut -f1)" "$(best $scan "SOFTWARE-$seed")" "hivexml" \
        "$(best hivexml "SOFTWARE-$seed")"
done
row "cacerts (JKS)" "$(du -h cacerts.jks | cut -f1)" "$(best $scan cacerts.jks)" "keytool -list" \
    "$(best keytool -list -keystore cacerts.jks -storepass changeit)"
row "cacerts (PKCS#12, changeit)" "$(du -h cacerts.p12 | cut -f1)" "$(best $scan cacerts.p12)" "keytool -list" \
    "$(best keytool -list -keystore cacerts.p12 -storepass changeit)"
row "cert9.db" "$(du -h nss/cert9.db | cut -f1)" "$(best $scan nss/cert9.db)" "certutil -L" "$(best certutil -L -d sql:nss)"
