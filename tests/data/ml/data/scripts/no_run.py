# For execute_python_script-*.case.json: defines no run().


def main(t1, t2):
    return t1
