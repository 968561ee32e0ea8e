#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Generates the same graph of trivial steps twice, for bench/engine.sh: as a
# Sluice pipeline and as a build.ninja.
#
#   gen-engine-graph.py [--seed N] [--layers L] [--width W] [--deps MIN-MAX] OUTDIR
#
# writes, in OUTDIR:
#
#   engine.sluice.json                 the pipeline, L layers of W steps
#   components/source.component.json   the component of layer 0 (no inputs)
#   components/step.component.json     the component of later layers
#   build.ninja                        the same graph, one edge per step
#
# and prints the path of the pipeline.
#
# Layer 0 has no inputs; every step of a later layer reads the output of
# MIN-MAX (default 1-3) distinct steps of the layer just before, chosen with
# a seeded RNG, so the same arguments always give the same graph. Every
# step has a string input `tag` of its own (its id), so no two steps share a
# reuse key and nothing is reused within a cold run.
#
# What a step runs is the smallest honest thing: one /bin/sh that writes
# its tag into its output file. Sluice:
#
#   sh -c 'printf %s "$1" > "$0"' OUT TAG [IN...]
#
# (a fixed script; the values are positional arguments, never parsed by the
# shell). Ninja runs `/bin/sh -c COMMAND` for every edge, so its command is
#
#   printf %s TAG > OUT
#
# one shell per step on both sides, each writing one small file. Ninja
# reads its inputs only to order the edges, like Sluice.
#
# Standard library only.

import argparse
import json
import os
import random
import sys

COMPONENT_SCHEMA = "https://sluice.github.io/schemas/sluice-component.schema.json"
PIPELINE_SCHEMA = "https://sluice.github.io/schemas/sluice-pipeline.schema.json"

SCRIPT = "printf %s \"$1\" > \"$0\""

SOURCE = {
    "$schema": COMPONENT_SCHEMA,
    "name": "engine_source",
    "version": "1",
    "display_name": "Engine benchmark: source",
    "description": "Writes its tag into its output.",
    "category": "Benchmark",
    "inputs": {
        "tag": {"type": "string", "description": "Makes the step's reuse key its own."},
    },
    "outputs": {
        "out": {"type": "uri_file", "description": "The tag."},
    },
    "command": "/bin/sh -c '%s' ${{outputs.out}} ${{inputs.tag}}" % SCRIPT,
}

STEP = {
    "$schema": COMPONENT_SCHEMA,
    "name": "engine_step",
    "version": "1",
    "display_name": "Engine benchmark: step",
    "description": "Writes its tag into its output; its inputs only order it.",
    "category": "Benchmark",
    "inputs": {
        "tag": {"type": "string", "description": "Makes the step's reuse key its own."},
        "a": {"type": "uri_file", "description": "A step it comes after."},
        "b": {"type": "uri_file", "description": "Another one.", "optional": True},
        "c": {"type": "uri_file", "description": "And another.", "optional": True},
    },
    "outputs": {
        "out": {"type": "uri_file", "description": "The tag."},
    },
    "command": "/bin/sh -c '%s' ${{outputs.out}} ${{inputs.tag}} ${{inputs.a}} "
               "$[[${{inputs.b}}]] $[[${{inputs.c}}]]" % SCRIPT,
}


def step_id(layer, index):
    return "s%03d_%03d" % (layer, index)


def generate(layers, width, dep_min, dep_max, seed):
    """Returns [(id, [dependency ids])] in layer order."""
    rng = random.Random(seed)
    steps = []
    previous = []
    for layer in range(layers):
        current = []
        for index in range(width):
            sid = step_id(layer, index)
            if previous:
                count = rng.randint(dep_min, min(dep_max, len(previous)))
                deps = sorted(rng.sample(previous, count))
            else:
                deps = []
            steps.append((sid, deps))
            current.append(sid)
        previous = current
    return steps


def write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f, indent=2)
        f.write("\n")


def main():
    parser = argparse.ArgumentParser(
        description="Writes the same graph of trivial steps as a Sluice pipeline and as a build.ninja.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--layers", type=int, default=20)
    parser.add_argument("--width", type=int, default=50)
    parser.add_argument("--deps", default="1-3", help="MIN-MAX dependencies per step (default 1-3)")
    parser.add_argument("outdir")
    args = parser.parse_args()

    dep_min, dep_max = (int(x) for x in args.deps.split("-"))
    if not (1 <= dep_min <= dep_max <= 3) or args.layers < 1 or args.width < 1:
        parser.error("need 1 <= MIN <= MAX <= 3, at least one layer and one step per layer")

    steps = generate(args.layers, args.width, dep_min, dep_max, args.seed)
    os.makedirs(os.path.join(args.outdir, "components"), exist_ok=True)
    write_json(os.path.join(args.outdir, "components", "source.component.json"), SOURCE)
    write_json(os.path.join(args.outdir, "components", "step.component.json"), STEP)

    jobs = {}
    for sid, deps in steps:
        inputs = {"tag": sid}
        for port, dep in zip("abc", deps):
            inputs[port] = "${{parent.jobs.%s.outputs.out}}" % dep
        jobs[sid] = {
            "component": "file:components/%s.component.json" % ("step" if deps else "source"),
            "inputs": inputs,
        }
    pipeline = {
        "$schema": PIPELINE_SCHEMA,
        "sluice": 1,
        "name": "engine_%dx%d" % (args.layers, args.width),
        "description": "bench/gen-engine-graph.py --seed %d --layers %d --width %d --deps %s"
                       % (args.seed, args.layers, args.width, args.deps),
        "settings": {"default_compute": "local", "continue_on_step_failure": False, "force_rerun": False},
        "jobs": jobs,
    }
    pipeline_path = os.path.join(args.outdir, "engine.sluice.json")
    write_json(pipeline_path, pipeline)

    with open(os.path.join(args.outdir, "build.ninja"), "w") as f:
        f.write("# %s\n" % pipeline["description"])
        f.write("ninja_required_version = 1.10\n\n")
        f.write("rule step\n  command = printf %s $tag > $out\n\n")
        for sid, deps in steps:
            ins = "".join(" out/%s" % d for d in deps)
            f.write("build out/%s: step%s\n  tag = %s\n" % (sid, ins, sid))

    print(pipeline_path)


if __name__ == "__main__":
    sys.exit(main())
