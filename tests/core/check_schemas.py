#!/usr/bin/env python3
"""Checks docs/schemas/*.schema.json against the documents they describe.

- every schema is a valid JSON Schema (draft 2020-12);
- every fixture in tests/data/formats/valid/ passes its schema, every one in invalid/ fails it
  (the fixture's name starts with the schema's: case-*.json -> case.schema.json);
- the demo pack in assets/demo/ (manifest, cases, transcripts), when present, passes.

The C++ parsers are held to the same fixtures by tests/core/format_fixtures_test.cpp, so a rule
that one side enforces and the other forgets shows up as a failure.

Usage: check_schemas.py [REPO_ROOT]. Exit status 0 when all pass, 1 on a failure or when the
jsonschema module is missing (scripts/setup installs Debian's python3-jsonschema).
when the jsonschema module is missing (scripts/setup installs python3-jsonschema).
"""
import json
import pathlib
import sys

try:
    import jsonschema
except ImportError:
    print("check_schemas: python module jsonschema missing: run scripts/setup base "
          "(installs Debian's python3-jsonschema)")
    sys.exit(1)

ROOT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parents[2])
SCHEMAS = ROOT / "docs" / "schemas"
FIXTURES = ROOT / "tests" / "data" / "formats"
DEMO = ROOT / "assets" / "demo"
KINDS = ["manifest", "case", "transcript", "verdict", "annotation", "endpoints"]

failures = []


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def validator_for(kind):
    schema = load_json(SCHEMAS / f"{kind}.schema.json")
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def kind_of(path):
    stem = path.name.split(".")[0]
    for kind in KINDS:
        if stem == kind or stem.startswith(kind + "-"):
            return kind
    return None


def problems(validator, path):
    try:
        document = load_json(path)
    except (OSError, ValueError) as e:
        return [f"not readable JSON: {e}"]
    return [f"/{'/'.join(str(p) for p in e.absolute_path)}: {e.message}"
            for e in validator.iter_errors(document)]


def expect_valid(validator, path):
    found = problems(validator, path)
    if found:
        failures.append(f"{path.relative_to(ROOT)}: expected valid, got:\n    " + "\n    ".join(found))


def expect_invalid(validator, path):
    if not problems(validator, path):
        failures.append(f"{path.relative_to(ROOT)}: expected the schema to reject it, it passed")


def main():
    validators = {}
    for kind in KINDS:
        try:
            validators[kind] = validator_for(kind)
        except (OSError, ValueError, jsonschema.SchemaError) as e:
            failures.append(f"docs/schemas/{kind}.schema.json: {e}")
    checked = 0
    for folder, expect in (("valid", expect_valid), ("invalid", expect_invalid)):
        for path in sorted((FIXTURES / folder).glob("*.json")):
            kind = kind_of(path)
            if kind is None:
                failures.append(f"{path.relative_to(ROOT)}: name does not start with one of {KINDS}")
            elif kind in validators:
                expect(validators[kind], path)
                checked += 1

    demo = []
    if (DEMO / "manifest.json").exists():
        demo.append(("manifest", DEMO / "manifest.json"))
    demo += [("case", p) for p in sorted((DEMO / "cases").glob("*.json"))]
    demo += [("transcript", p) for p in sorted((DEMO / "transcripts").glob("*.json"))]
    for kind, path in demo:
        if kind in validators:
            expect_valid(validators[kind], path)
            checked += 1

    for failure in failures:
        print(failure)
    print(f"check_schemas: {checked} documents checked ({len(demo)} from assets/demo), "
          f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
