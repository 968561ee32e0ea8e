#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Generates a valid Sluice pipeline of STEPS steps, for benchmarks:
#
#   gen-pipeline.py [--seed N] [--width W] [-o FILE] STEPS OUTDIR
#
# writes OUTDIR/pipeline-STEPS.sluice.json (or -o FILE, relative to OUTDIR),
# the three components it uses in OUTDIR/components/ and a small input file
# in OUTDIR/data/, and prints the path of the pipeline.
#
# The graph is a layered DAG: layer 0 reads the pipeline's raw data, every
# later step reads 1-3 outputs of steps in earlier layers (at least one from
# the layer just before). Choices come from a seeded RNG, so the same
# arguments always give the same file. The pipeline is meant to validate with
# no problem at all, not even a warning: every required input is bound with a
# compatible type, every pipeline input is read, every step is connected,
# every component port appears in its command and no component has "code".
#
# Standard library only.

import argparse
import json
import math
import os
import random
import sys

PIPELINE_SCHEMA = "https://sluice.github.io/schemas/sluice-pipeline.schema.json"
COMPONENT_SCHEMA = "https://sluice.github.io/schemas/sluice-component.schema.json"

COMPONENTS = {
    "ingest": {
        "$schema": COMPONENT_SCHEMA,
        "name": "bench_ingest",
        "version": "1",
        "display_name": "Ingest CSV",
        "description": "Reads a CSV file into a table.",
        "category": "Benchmark",
        "tags": ["benchmark", "data"],
        "inputs": {
            "source": {"type": "uri_file", "description": "The CSV file."},
            "rows": {"type": "integer", "description": "How many rows to read.", "min": 1, "max": 10000000},
            "delimiter": {"type": "string", "description": "Field separator.", "default": ",",
                          "enum": [",", ";", "|"]},
            "has_header": {"type": "boolean", "description": "Whether the first row names the columns.",
                           "default": True},
        },
        "outputs": {
            "table": {"type": "mltable", "description": "The rows read."},
        },
        "command": "python3 ingest.py --source ${{inputs.source}} --rows ${{inputs.rows}} "
                   "--delimiter ${{inputs.delimiter}} --header ${{inputs.has_header}} --out ${{outputs.table}}",
    },
    "transform": {
        "$schema": COMPONENT_SCHEMA,
        "name": "bench_transform",
        "version": "1",
        "display_name": "Transform",
        "description": "Scales and normalises a table, optionally joining extra data.",
        "category": "Benchmark",
        "tags": ["benchmark", "transform"],
        "inputs": {
            "data": {"type": "mltable", "description": "The table to transform."},
            "extra": {"type": "uri_folder", "description": "Extra data to join.", "optional": True},
            "scale": {"type": "number", "description": "Factor to scale numeric columns by.",
                      "min": 0, "max": 1000},
            "normalize": {"type": "boolean", "description": "Whether to normalise columns."},
            "method": {"type": "string", "description": "Normalisation method.", "default": "standard",
                       "enum": ["standard", "minmax", "robust"]},
        },
        "outputs": {
            "table": {"type": "mltable", "description": "The transformed table."},
            "stats": {"type": "uri_file", "description": "Column statistics."},
        },
        "command": "python3 transform.py --data ${{inputs.data}} $[[--extra ${{inputs.extra}}]] "
                   "--scale ${{inputs.scale}} --normalize ${{inputs.normalize}} --method ${{inputs.method}} "
                   "--out ${{outputs.table}} --stats ${{outputs.stats}}",
    },
    "combine": {
        "$schema": COMPONENT_SCHEMA,
        "name": "bench_combine",
        "version": "1",
        "display_name": "Combine",
        "description": "Combines two tables, weighting the left one.",
        "category": "Benchmark",
        "tags": ["benchmark", "join"],
        "inputs": {
            "left": {"type": "mltable", "description": "The main table."},
            "right": {"type": "uri_folder", "description": "The table or folder to combine with."},
            "notes": {"type": "uri_file", "description": "Notes to attach to the report.", "optional": True},
            "weight": {"type": "number", "description": "Weight of the left table.", "min": 0, "max": 1},
            "label": {"type": "string", "description": "Name of the label column."},
        },
        "outputs": {
            "table": {"type": "mltable", "description": "The combined table."},
            "report": {"type": "uri_file", "description": "A short report."},
        },
        "command": "python3 combine.py --left ${{inputs.left}} --right ${{inputs.right}} "
                   "$[[--notes ${{inputs.notes}}]] --weight ${{inputs.weight}} --label ${{inputs.label}} "
                   "--out ${{outputs.table}} --report ${{outputs.report}}",
    },
}

# Pipeline inputs the steps may read; only those actually read are declared.
PIPELINE_INPUTS = {
    "raw_data": {"type": "uri_file", "description": "The raw data.", "path": "data/raw.csv"},
    "rows": 1000,
    "scale": {"type": "number", "description": "Default scale factor.", "default": 1.5},
    "normalize": {"type": "boolean", "description": "Whether to normalise by default.", "default": True},
    "label": {"type": "string", "description": "Name of the label column.", "default": "target"},
}

RAW_CSV = "id,feature,target\n1,0.5,a\n2,1.5,b\n3,2.5,a\n"


def ref(step, output):
    return "${{parent.jobs.%s.outputs.%s}}" % (step, output)


def param(name):
    return "${{parent.inputs.%s}}" % name


class Generator:
    def __init__(self, steps, seed, width):
        self.n = steps
        self.rng = random.Random(seed)
        self.width = width or max(1, round(math.sqrt(steps) / 2))
        self.jobs = {}
        self.layers = []          # list of lists of step ids
        self.kind = {}            # step id -> component key
        self.used_inputs = set()
        self.layout = {}

    def maybe_param(self, name, literal, p=0.3):
        if self.rng.random() < p:
            self.used_inputs.add(name)
            return param(name)
        return literal

    def step_id(self, i):
        return "step_%05d" % i

    def earlier(self, layer):
        """Steps of a few layers before this one, for secondary inputs."""
        window = self.layers[max(0, layer - 4):layer]
        return [s for l in window for s in l]

    def uri_file_producers(self, layer):
        return [s for s in self.earlier(layer) if self.kind[s] != "ingest"]

    def add(self, layer, step_id, kind, inputs, outputs=None):
        job = {"component": "file:components/%s.component.json" % kind}
        if self.rng.random() < 0.2:
            job["display_name"] = "%s %s" % (COMPONENTS[kind]["display_name"], step_id[5:].lstrip("0") or "0")
        job["inputs"] = inputs
        if outputs:
            job["outputs"] = outputs
        self.jobs[step_id] = job
        self.kind[step_id] = kind
        self.layers[layer].append(step_id)
        self.layout[step_id] = {"x": layer * 280, "y": (len(self.layers[layer]) - 1) * 120}

    def generate(self):
        rng = self.rng
        first = min(self.width, max(1, self.n // 2))
        sizes = [first]
        remaining = self.n - first
        while remaining > 0:
            size = min(remaining, self.width)
            sizes.append(size)
            remaining -= size

        i = 0
        for layer, size in enumerate(sizes):
            self.layers.append([])
            for slot in range(size):
                sid = self.step_id(i)
                i += 1
                if layer == 0:
                    self.used_inputs.add("raw_data")
                    inputs = {
                        "source": param("raw_data"),
                        "rows": self.maybe_param("rows", rng.randint(100, 100000), 0.5),
                    }
                    if rng.random() < 0.3:
                        inputs["delimiter"] = rng.choice([",", ";", "|"])
                    self.add(layer, sid, "ingest", inputs)
                    continue

                prev = self.layers[layer - 1]
                # Round-robin over layer 0 so that every ingest step is read.
                primary = prev[slot % len(prev)] if layer == 1 else rng.choice(prev)
                pool = self.earlier(layer)
                notes_from = self.uri_file_producers(layer)
                k = rng.choice((1, 2, 2, 3)) if len(pool) > 1 else 1
                if k == 3 and not notes_from:
                    k = 2

                if k == 1 or (k == 2 and rng.random() < 0.5):
                    inputs = {"data": ref(primary, "table")}
                    if k == 2:
                        inputs["extra"] = ref(rng.choice([s for s in pool if s != primary]), "table")
                    inputs["scale"] = self.maybe_param("scale", round(rng.uniform(0.1, 10), 3))
                    inputs["normalize"] = self.maybe_param("normalize", rng.random() < 0.5)
                    if rng.random() < 0.3:
                        inputs["method"] = rng.choice(["standard", "minmax", "robust"])
                    self.add(layer, sid, "transform", inputs)
                else:
                    inputs = {
                        "left": ref(primary, "table"),
                        "right": ref(rng.choice([s for s in pool if s != primary]), "table"),
                    }
                    if k == 3:
                        src = rng.choice(notes_from)
                        inputs["notes"] = ref(src, "stats" if self.kind[src] == "transform" else "report")
                    inputs["weight"] = round(rng.uniform(0, 1), 3)
                    inputs["label"] = self.maybe_param("label", rng.choice(["target", "y", "class"]))
                    self.add(layer, sid, "combine", inputs)

        last = self.step_id(self.n - 1)
        self.jobs[last]["outputs"] = {"table": "${{parent.outputs.result}}"}

        return {
            "$schema": PIPELINE_SCHEMA,
            "sluice": 1,
            "name": "bench_%d" % self.n,
            "display_name": "Benchmark pipeline, %d steps" % self.n,
            "description": "Generated by bench/gen-pipeline.py: a layered DAG of %d steps in %d layers."
                           % (self.n, len(self.layers)),
            "inputs": {k: v for k, v in PIPELINE_INPUTS.items() if k in self.used_inputs},
            "outputs": {"result": {"type": "mltable", "description": "The table of the last step."}},
            "settings": {"default_compute": "local"},
            "jobs": self.jobs,
            "layout": {"nodes": self.layout, "viewport": {"x": 0, "y": 0, "zoom": 1.0}},
        }


def write_json(path, data):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, path)


def main():
    parser = argparse.ArgumentParser(description="Generate a valid Sluice pipeline for benchmarks.")
    parser.add_argument("steps", type=int, help="number of steps (at least 1)")
    parser.add_argument("outdir", help="folder to write the pipeline, components/ and data/ into")
    parser.add_argument("--seed", type=int, default=1, help="RNG seed (default 1)")
    parser.add_argument("--width", type=int, default=0,
                        help="steps per layer (default: about sqrt(STEPS)/2)")
    parser.add_argument("-o", "--output", help="pipeline file name (default pipeline-STEPS.sluice.json)")
    args = parser.parse_args()

    if args.steps < 1:
        parser.error("STEPS must be at least 1")
    if args.width < 0:
        parser.error("--width must be positive")

    os.makedirs(os.path.join(args.outdir, "components"), exist_ok=True)
    os.makedirs(os.path.join(args.outdir, "data"), exist_ok=True)
    for key, component in COMPONENTS.items():
        write_json(os.path.join(args.outdir, "components", "%s.component.json" % key), component)
    with open(os.path.join(args.outdir, "data", "raw.csv"), "w", encoding="utf-8") as f:
        f.write(RAW_CSV)

    pipeline = Generator(args.steps, args.seed, args.width).generate()
    path = os.path.join(args.outdir, args.output or "pipeline-%d.sluice.json" % args.steps)
    write_json(path, pipeline)
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
