# SPDX-License-Identifier: GPL-3.0-or-later
#
# The 2000-step pipeline of tests/gui-run-large.sh and bench/run-events.sh:
# 50 rows of 40 steps; every fourth one reads the step before it (a link),
# every step makes a content of its own (so none is reused), and the first
# one chats (5000 log lines).
#
# usage: make-large-pipeline.py ENGINE_COMPONENTS_DIR OUT.sluice.json
import json
import sys

engine, path = sys.argv[1], sys.argv[2]
jobs, nodes = {}, {}
for r in range(50):
    for c in range(40):
        sid = "s%02d_%02d" % (r, c)
        if r == 0 and c == 0:
            jobs[sid] = {"component": "file:%s/chatty.component.json" % engine, "inputs": {"lines": 5000}}
        elif c % 4 == 3:
            jobs[sid] = {"component": "file:%s/concat.component.json" % engine,
                         "inputs": {"a": "${{parent.jobs.s%02d_%02d.outputs.out}}" % (r, c - 1)}}
        else:
            jobs[sid] = {"component": "file:%s/produce.component.json" % engine, "inputs": {"text": sid}}
        nodes[sid] = {"x": c * 280, "y": r * 130}
with open(path, "w") as out:
    json.dump({"sluice": 1, "name": "large", "jobs": jobs, "layout": {"nodes": nodes}}, out)
