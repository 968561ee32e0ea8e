# For execute_python_script-*.case.json: run() returns the wrong type.


def run(t1, t2):
    return [1, 2, 3]
