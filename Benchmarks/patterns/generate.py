#!/usr/bin/env python3
"""Vendor-style pattern sets from a seed, as signature authors write them, in the peers' format.

Each set mixes the forms signatures use for one word: plain, i:TEXT (ASCII case-insensitive) and
UTF-16LE hex; long company and product names next to short product codes (4 to 6 letters), words that
share prefixes (Kaspersky, Kaspersky Lab, Kaspersky Endpoint ...), and words common in binaries
(update, driver, service, setup) that flood a careless prefilter.

usage: generate.py SEED [COUNT]   (COUNT between 10 and 1000; default: drawn from the seed)
"""
import random
import sys

VENDORS = ["Kaspersky", "Huawei", "Hikvision", "Dahua", "Hytera", "ZTE", "Acme", "Globex", "Initech", "Umbrella",
           "Cyberdyne", "Tyrell", "Wayne", "Stark", "Wonka", "Soylent"]
PRODUCTS = ["Endpoint Security", "Security Center", "Network Agent", "Anti-Virus", "Internet Security", "Total Security",
            "Update Service", "Device Driver", "Management Console", "Web Traffic Scanner", "Cloud Protection",
            "Threat Intelligence", "Remote Admin", "Video Client", "Camera Tool", "Firmware Updater"]
COMMON = ["update", "driver", "service", "setup", "install", "security", "network", "client", "server", "config",
          "version", "system", "windows", "microsoft", "library", "license"]
CODES_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def utf16(word):
    return "hex:" + "".join("%02X00" % ord(c) for c in word)


def words(rng, count):
    result = []
    while len(result) < count:
        kind = rng.random()
        vendor = rng.choice(VENDORS)
        if kind < 0.25:
            word = vendor + " " + rng.choice(PRODUCTS)
        elif kind < 0.40:
            word = vendor
        elif kind < 0.60:
            word = "".join(rng.choice(CODES_ALPHABET) for _ in range(rng.randint(4, 6)))
        elif kind < 0.75:
            word = rng.choice(COMMON) + rng.choice(["", ".exe", ".dll", ".sys", "_" + vendor.lower()])
        elif kind < 0.90:
            word = vendor.lower() + rng.choice(["svc", "drv", "agent", "ctl", "upd", "mon"]) + rng.choice(["", ".exe", ".sys"])
        else:
            word = "AO " + vendor + " Lab"
        result.append(word)
    return result


def main():
    seed = int(sys.argv[1])
    rng = random.Random(seed)
    count = int(sys.argv[2]) if len(sys.argv) > 2 else rng.choice([10, 24, 50, 100, 200, 300, 500, 1000])
    lines = []
    seen = set()
    for word in words(rng, count):
        for form in rng.sample(["plain", "nocase", "wide"], rng.choice([1, 2, 3, 3, 3])):
            line = word if form == "plain" else "i:" + word if form == "nocase" else utf16(word)
            if line not in seen and len(lines) < count:
                seen.add(line)
                lines.append(line)
    print("\n".join(lines))


main()
