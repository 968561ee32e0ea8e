# SPDX-License-Identifier: GPL-3.0-or-later
"""Run Command: runs any program with up to five arguments and an optional
input folder, producing an output folder. No shell is involved: the
program gets each argument as one word of its argv, whatever characters it
holds. In an argument, {input} and {output} are replaced by the input and
output folder paths. The program runs in the output folder (files it
writes by relative name become the output) with the environment variables
SLUICE_INPUT and SLUICE_OUTPUT set. It is found in PATH
(/usr/local/bin:/usr/bin:/bin) unless given as an absolute path."""

import os
import shutil
import subprocess

import sluice_ml as ml


def run():
    p = ml.parser("Run a program on an input folder, producing an output folder.")
    p.add_argument("--program", required=True)
    for i in range(1, 6):
        p.add_argument(f"--arg{i}", default=None)
    p.add_argument("--input", default=None)
    p.add_argument("--output", required=True)
    a = p.parse_args()

    program = a.program.strip()
    if not program:
        ml.fail("program is empty; give the name of a program, such as sort, or an absolute path")
    if os.path.isabs(program):
        if not (os.path.isfile(program) and os.access(program, os.X_OK)):
            ml.fail(f"program '{program}' does not exist or is not executable")
        path = program
    elif "/" in program:
        ml.fail(f"program '{program}' is a relative path; give a name found in PATH or an absolute path")
    else:
        path = shutil.which(program)
        if path is None:
            ml.fail(f"program '{program}' was not found in PATH ({os.environ.get('PATH', '')})")

    output = os.path.abspath(a.output)
    os.makedirs(output, exist_ok=True)
    inputs = os.path.abspath(a.input) if a.input else ""
    if a.input and not os.path.isdir(inputs):
        ml.fail(f"input folder '{a.input}' does not exist")

    argv = [path]
    for i in range(1, 6):
        value = getattr(a, f"arg{i}")
        if value is None:
            continue
        if "{input}" in value and not inputs:
            ml.fail(f"arg{i} uses {{input}}, but no input folder is connected")
        argv.append(value.replace("{input}", inputs).replace("{output}", output))

    env = dict(os.environ)
    env["SLUICE_INPUT"] = inputs
    env["SLUICE_OUTPUT"] = output
    print("running: " + " ".join(repr(w) if (not w or any(c.isspace() for c in w)) else w for w in argv),
          flush=True)
    try:
        completed = subprocess.run(argv, cwd=output, env=env, stdin=subprocess.DEVNULL, check=False)
    except OSError as e:
        ml.fail(f"cannot run '{program}': {e.strerror}")
    if completed.returncode < 0:
        ml.fail(f"'{program}' was killed by signal {-completed.returncode}")
    if completed.returncode != 0:
        ml.fail(f"'{program}' exited with status {completed.returncode}")
    files = sum(len(f) for _, _, f in os.walk(output))
    ml.metric("output_files", files)
    print(f"'{program}' finished; the output folder holds {files} file{'s' if files != 1 else ''}")


if __name__ == "__main__":
    ml.main(run)
