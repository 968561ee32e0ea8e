#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Checks the JSON Schemas in SCHEMA_DIR and the files they describe:
#
#   check-schemas.py SCHEMA_DIR PATH...
#
# 1. each schema is itself a valid draft 2020-12 schema;
# 2. a few inline documents that must be accepted are, and a few that must be
#    rejected (wrong format version, bad step id, unknown port type, ...) are;
# 3. every *.sluice.json under PATH... validates against the pipeline schema
#    and every *.component.json against the component schema.
#
# Prints "ok FILE" or "FAIL FILE: MESSAGE at POINTER" per file. Exits 1 on
# any failure, if no file was found at all, or when the jsonschema module is
# missing (a check that cannot run must not look like a pass).
#
# Uses Debian's python3-jsonschema, hence /usr/bin/python3 rather than
# whatever python3 is first on PATH.

import json
import os
import sys

try:
    import jsonschema
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match
except ImportError:
    print("FAIL: the jsonschema module is missing (apt-get install python3-jsonschema)")
    sys.exit(1)

PIPELINE_SCHEMA = "sluice-pipeline.schema.json"
COMPONENT_SCHEMA = "sluice-component.schema.json"
PIPELINE_SUFFIX = ".sluice.json"
COMPONENT_SUFFIX = ".component.json"

# Documents that must pass, so that a schema rejecting everything is caught.
GOOD = [
    ("pipeline", "minimal pipeline", {
        "sluice": 1,
        "jobs": {"prep": {"component": "builtin:prep"}},
    }),
    ("pipeline", "pipeline using every feature", {
        "$schema": "https://sluice.github.io/schemas/sluice-pipeline.schema.json",
        "sluice": 1,
        "name": "full",
        "display_name": "Full",
        "description": "Everything at once.",
        "inputs": {
            "epochs": 10,
            "rate": 0.5,
            "verbose": True,
            "label": "y",
            "data": {"type": "uri_file", "path": "data.csv", "description": "Raw data.", "x-ui": 1},
            "folder": {"type": "acme:frames", "path": "frames", "optional": True},
            "seed": {"type": "integer", "default": 3},
        },
        "outputs": {"model": {"type": "custom_model", "description": "The model."}},
        "settings": {"default_compute": "local", "continue_on_step_failure": True,
                     "force_rerun": False, "x-queue": "fast"},
        "jobs": {
            "prep": {
                "component": "file:components/prep.component.json",
                "display_name": "Prepare",
                "description": "Cleans the data.",
                "compute": "local",
                "inputs": {"data": "${{parent.inputs.data}}", "rows": 5, "note": "plain text"},
                "outputs": {"table": {"mode": "upload"}},
            },
            "train": {
                "component": "builtin:train@1.2.0",
                "inputs": {"data": "${{ parent.jobs.prep.outputs.table }}", "epochs": "${{parent.inputs.epochs}}"},
                "outputs": {"model": "${{parent.outputs.model}}"},
                "x-colour": "red",
            },
        },
        "layout": {"nodes": {"prep": {"x": 0, "y": 0}}, "viewport": {"x": 0, "y": 0, "zoom": 1.0},
                   "notes": {"note-1": {"x": 0, "y": 200, "width": 200, "height": 120, "text": "Two\nlines"}},
                   "frames": {"frame-1": {"x": -24, "y": -54, "width": 268, "height": 150, "title": "Prep"}}},
        "x-generator": {"name": "test"},
    }),
    ("component", "component using every feature", {
        "$schema": "https://sluice.github.io/schemas/sluice-component.schema.json",
        "type": "command",
        "name": "train",
        "version": "1.2.0+local",
        "display_name": "Train",
        "description": "Trains.",
        "category": "Training",
        "tags": {"sklearn": "", "classic": ""},
        "is_deterministic": False,
        "inputs": {
            "data": {"type": "uri_folder", "mode": "ro_mount"},
            "epochs": {"type": "integer", "default": 5, "min": 1, "max": 100},
            "rate": {"type": "number", "default": 0.1, "min": 0, "max": 1},
            "optimizer": {"type": "string", "default": "adam", "enum": ["adam", "sgd"]},
            "verbose": {"type": "boolean", "optional": True, "x-hint": "debug"},
            "frames": {"type": "acme:frames", "optional": True},
        },
        "outputs": {"model": {"type": "custom_model", "description": "The model.", "mode": "upload"}},
        "command": "python3 train.py ${{inputs.data}} $[[--frames ${{inputs.frames}}]] ${{outputs.model}}",
        "code": "code",
        "environment": {"image": "python:3.12"},
        "resources": {"instance_count": 1},
        "x-owner": "ml-team",
    }),
    ("component", "component with a tag list", {
        "name": "a", "version": "1", "tags": ["x", "y"], "command": "true",
    }),
]

# Documents that must fail: each is a mistake the loader reports as an error
# (or a typo it warns about), so an editor using the schema must flag it too.
_STEP = {"component": "builtin:prep"}
BAD = [
    ("pipeline", "format version 2", {"sluice": 2, "jobs": {"a": _STEP}}),
    ("pipeline", "format version as a string", {"sluice": "1", "jobs": {"a": _STEP}}),
    ("pipeline", "missing format version", {"jobs": {"a": _STEP}}),
    ("pipeline", "no steps", {"sluice": 1, "jobs": {}}),
    ("pipeline", "step id Bad-Id", {"sluice": 1, "jobs": {"Bad-Id": _STEP}}),
    ("pipeline", "step id starting with a digit", {"sluice": 1, "jobs": {"1st": _STEP}}),
    ("pipeline", "step without component", {"sluice": 1, "jobs": {"a": {"display_name": "A"}}}),
    ("pipeline", "component reference without scheme", {"sluice": 1, "jobs": {"a": {"component": "prep"}}}),
    ("pipeline", "empty file: reference", {"sluice": 1, "jobs": {"a": {"component": "file:"}}}),
    ("pipeline", "unknown pipeline input type", {
        "sluice": 1, "inputs": {"data": {"type": "csv_file"}}, "jobs": {"a": _STEP}}),
    ("pipeline", "custom type with capitals", {
        "sluice": 1, "inputs": {"data": {"type": "Acme:Frames"}}, "jobs": {"a": _STEP}}),
    ("pipeline", "unknown pipeline output type", {
        "sluice": 1, "outputs": {"model": {"type": "pickle"}}, "jobs": {"a": _STEP}}),
    ("pipeline", "pipeline input without type", {
        "sluice": 1, "inputs": {"data": {"path": "x.csv"}}, "jobs": {"a": _STEP}}),
    ("pipeline", "null pipeline input", {"sluice": 1, "inputs": {"data": None}, "jobs": {"a": _STEP}}),
    ("pipeline", "integer input with a string default", {
        "sluice": 1, "inputs": {"n": {"type": "integer", "default": "5"}}, "jobs": {"a": _STEP}}),
    ("pipeline", "artifact input with an empty path", {
        "sluice": 1, "inputs": {"d": {"type": "uri_file", "path": ""}}, "jobs": {"a": _STEP}}),
    ("pipeline", "typo in a top-level key", {"sluice": 1, "job": {}, "jobs": {"a": _STEP}}),
    ("pipeline", "typo in a step key", {"sluice": 1, "jobs": {"a": {"component": "builtin:prep", "input": {}}}}),
    ("pipeline", "typo in settings", {"sluice": 1, "settings": {"force_rerun ": True}, "jobs": {"a": _STEP}}),
    ("pipeline", "settings flag as a string", {"sluice": 1, "settings": {"force_rerun": "yes"}, "jobs": {"a": _STEP}}),
    ("pipeline", "note text that is not a string", {
        "sluice": 1, "jobs": {"a": _STEP}, "layout": {"notes": {"note-1": {"x": 0, "y": 0, "text": 3}}}}),
    ("pipeline", "frame without a place", {
        "sluice": 1, "jobs": {"a": _STEP}, "layout": {"frames": {"frame-1": {"title": "Prep"}}}}),
    ("pipeline", "malformed binding", {
        "sluice": 1, "jobs": {"a": {"component": "builtin:prep", "inputs": {"x": "${{parent.inputs}}"}}}}),
    ("pipeline", "binding embedded in text", {
        "sluice": 1, "jobs": {"a": {"component": "builtin:prep", "inputs": {"x": "v${{parent.inputs.y}}"}}}}),
    ("pipeline", "input reading a pipeline output", {
        "sluice": 1, "jobs": {"a": {"component": "builtin:prep", "inputs": {"x": "${{parent.outputs.y}}"}}}}),
    ("pipeline", "null step input", {
        "sluice": 1, "jobs": {"a": {"component": "builtin:prep", "inputs": {"x": None}}}}),
    ("pipeline", "step output bound to a literal path", {
        "sluice": 1, "jobs": {"a": {"component": "builtin:prep", "outputs": {"x": "models/latest"}}}}),
    ("component", "unknown port type", {
        "name": "a", "version": "1", "inputs": {"x": {"type": "csv"}}, "command": "cat ${{inputs.x}}"}),
    ("component", "component name with capitals", {"name": "Prep", "version": "1", "command": "true"}),
    ("component", "missing version", {"name": "a", "command": "true"}),
    ("component", "version with a space", {"name": "a", "version": "1 beta", "command": "true"}),
    ("component", "missing command", {"name": "a", "version": "1"}),
    ("component", "blank command", {"name": "a", "version": "1", "command": "  "}),
    ("component", "type other than command", {"name": "a", "version": "1", "type": "pipeline", "command": "true"}),
    ("component", "default on an artifact input", {
        "name": "a", "version": "1", "inputs": {"x": {"type": "uri_file", "default": "a.csv"}}, "command": "cat ${{inputs.x}}"}),
    ("component", "min on a string input", {
        "name": "a", "version": "1", "inputs": {"x": {"type": "string", "min": 1}}, "command": "echo ${{inputs.x}}"}),
    ("component", "enum on an integer input", {
        "name": "a", "version": "1", "inputs": {"x": {"type": "integer", "enum": ["1"]}}, "command": "echo ${{inputs.x}}"}),
    ("component", "empty enum", {
        "name": "a", "version": "1", "inputs": {"x": {"type": "string", "enum": []}}, "command": "echo ${{inputs.x}}"}),
    ("component", "integer default that is a float", {
        "name": "a", "version": "1", "inputs": {"x": {"type": "integer", "default": 0.5}}, "command": "echo ${{inputs.x}}"}),
    ("component", "output with a default", {
        "name": "a", "version": "1", "outputs": {"x": {"type": "uri_file", "default": "a"}}, "command": "touch ${{outputs.x}}"}),
    ("component", "tags as a string", {"name": "a", "version": "1", "tags": "x", "command": "true"}),
    ("component", "typo is_determinstic", {"name": "a", "version": "1", "is_determinstic": True, "command": "true"}),
]


def pointer(path):
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "/" + "/".join(parts) if parts else "/"


def short(value):
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def branch_errors(error):
    """Errors of the anyOf/oneOf branches whose JSON type fits the value."""
    by_branch = {}
    for sub in error.context:
        by_branch.setdefault(sub.schema_path[0], []).append(sub)
    fitting = [errs for errs in by_branch.values()
               if not any(e.validator == "type" and len(e.relative_path) == 0 for e in errs)]
    return fitting


def titled_choice(error):
    """The nearest enclosing anyOf/oneOf that has a title, if any."""
    while error is not None:
        if error.validator in ("anyOf", "oneOf") and "title" in error.schema:
            return error
        error = error.parent
    return None


def in_property_names(error):
    """Is the error about a key rather than a value?"""
    path = list(error.absolute_schema_path)
    if "propertyNames" not in path:
        return False
    tail = path[len(path) - path[::-1].index("propertyNames"):]
    return all(p in ("$ref", "pattern", "maxLength", "minLength", "type") for p in tail)


def describe(error):
    """One readable sentence for a validation error, and where it is."""
    # In a choice, follow the one branch that has the right JSON type.
    while error.validator in ("anyOf", "oneOf"):
        fitting = branch_errors(error)
        if len(fitting) != 1:
            break
        error = best_match(fitting[0])

    where = list(error.absolute_path)
    if error.validator == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in known and not k.startswith("x-"))
        message = "unknown key%s %s (keys for other tools must start with 'x-')" % (
            "s" if len(extra) > 1 else "", ", ".join(repr(k) for k in extra))
    elif in_property_names(error):
        message = "key %s is not a valid name: use a lowercase letter, then a-z, 0-9 and _" % short(error.instance)
        where.append(error.instance)
    elif error.validator in ("pattern", "enum", "const", "anyOf", "oneOf") and titled_choice(error):
        choice = titled_choice(error)
        message = "%s is not valid for %s" % (short(error.instance), choice.schema["title"].lower())
        if choice is not error and error.validator in ("const", "enum"):
            message += ": " + error.message
    elif error.validator == "false" or error.validator is None or error.schema is False:
        message = "key %s is not allowed here" % short(where[-1]) if where else error.message
    else:
        message = error.message
    return message, where


def first_error(validator, doc):
    errors = list(validator.iter_errors(doc))
    if not errors:
        return None
    error = best_match(errors)
    message, where = describe(error)
    message = "%s at %s" % (message, pointer(where))
    if len(errors) > 1:
        message += " (and %d more)" % (len(errors) - 1)
    return message


def reject_constant(name):
    raise ValueError("%s is not valid JSON" % name)


def reject_duplicates(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError("duplicate key %s (Sluice uses the first, other tools the last)" % short(key))
        obj[key] = value
    return obj


def load_json(path):
    with open(path, "rb") as f:
        return json.loads(f.read().decode("utf-8"), parse_constant=reject_constant,
                          object_pairs_hook=reject_duplicates)


def find_files(paths):
    found = []
    for path in paths:
        if os.path.isfile(path):
            found.append(path)
            continue
        if not os.path.isdir(path):
            print("note: %s does not exist, skipped" % path)
            continue
        for root, dirs, files in os.walk(path):
            dirs.sort()
            for name in sorted(files):
                if name.endswith(PIPELINE_SUFFIX) or name.endswith(COMPONENT_SUFFIX):
                    found.append(os.path.join(root, name))
    return found


def main(argv):
    if len(argv) < 3:
        print("usage: %s SCHEMA_DIR PATH..." % argv[0], file=sys.stderr)
        return 2

    schema_dir, paths = argv[1], argv[2:]
    failed = False
    validators = {}

    for kind, filename in (("pipeline", PIPELINE_SCHEMA), ("component", COMPONENT_SCHEMA)):
        path = os.path.join(schema_dir, filename)
        try:
            schema = load_json(path)
            Draft202012Validator.check_schema(schema)
        except (OSError, ValueError) as e:
            print("FAIL %s: %s" % (path, e))
            return 1
        except jsonschema.exceptions.SchemaError as e:
            print("FAIL %s: not a valid draft 2020-12 schema: %s at %s" % (path, e.message, pointer(e.absolute_path)))
            return 1
        if schema.get("$schema") != "https://json-schema.org/draft/2020-12/schema":
            print("FAIL %s: $schema must be https://json-schema.org/draft/2020-12/schema" % path)
            return 1
        print("ok %s (schema)" % path)
        validators[kind] = Draft202012Validator(schema)

    for kind, label, doc in GOOD:
        message = first_error(validators[kind], doc)
        if message is not None:
            print("FAIL self-check: the %s schema rejects a valid document (%s): %s" % (kind, label, message))
            failed = True
    for kind, label, doc in BAD:
        if validators[kind].is_valid(doc):
            print("FAIL self-check: the %s schema accepts a bad document (%s)" % (kind, label))
            failed = True
    if not failed:
        print("ok self-check (%d good and %d bad inline documents)" % (len(GOOD), len(BAD)))

    files = find_files(paths)
    if not files:
        print("FAIL: no %s or %s files found in %s" % (PIPELINE_SUFFIX, COMPONENT_SUFFIX, " ".join(paths)))
        return 1

    for path in files:
        kind = "component" if path.endswith(COMPONENT_SUFFIX) else "pipeline"
        try:
            doc = load_json(path)
        except (OSError, ValueError) as e:
            print("FAIL %s: %s" % (path, e))
            failed = True
            continue
        message = first_error(validators[kind], doc)
        if message is None:
            print("ok %s" % path)
        else:
            print("FAIL %s: %s" % (path, message))
            failed = True

    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
