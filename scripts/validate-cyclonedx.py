#!/usr/bin/env python3
"""Validates a CycloneDX 1.6 JSON document against the official schema (as shipped in PyPI's
cyclonedx-python-lib, with its json-validation extra). Prints the first problem and exits 1 when
the document is not valid. usage: validate-cyclonedx.py FILE"""
import sys

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(open(sys.argv[1], encoding="utf-8").read())
if error is not None:
    print(str(error).splitlines()[0])
    sys.exit(1)
print("valid CycloneDX 1.6")
