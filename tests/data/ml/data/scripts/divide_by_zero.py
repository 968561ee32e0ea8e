# For execute_python_script-*.case.json: fails inside run().


def run(t1, t2):
    rows = len(t1)
    return rows / 0
