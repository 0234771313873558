#!/usr/bin/env python3
"""Checks deploy/helm/tempura/values.yaml against values.schema.json (as `helm lint` would), and
that the schema refuses a misspelt key and an out-of-range port. Needs PyYAML and jsonschema."""
import copy
import json
import os
import sys

import jsonschema
import yaml

chart = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tempura")
schema = json.load(open(os.path.join(chart, "values.schema.json")))
values = yaml.safe_load(open(os.path.join(chart, "values.yaml")))
jsonschema.Draft7Validator.check_schema(schema)
validator = jsonschema.Draft7Validator(schema)
errors = [f"values.yaml: {'.'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(values)]

bad = copy.deepcopy(values)
bad["admin"]["tokenSecret"]["nmae"] = "typo"
if not list(validator.iter_errors(bad)):
    errors.append("schema accepts a misspelt key (admin.tokenSecret.nmae)")
bad = copy.deepcopy(values)
bad["grpc"]["port"] = 70000
if not list(validator.iter_errors(bad)):
    errors.append("schema accepts grpc.port 70000")

for e in errors:
    print(e)
sys.exit(1 if errors else 0)
