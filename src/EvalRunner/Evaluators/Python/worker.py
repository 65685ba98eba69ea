# The EvalRunner Python worker: loads one evaluator file and calls its main(...) once per request.
# Protocol: JSON lines. Requests on stdin: {"id": N, "args": {...}}. Answers on the real stdout:
# {"ready": true} once, then {"id": N, "ok": true, "result": {...}} or {"id": N, "ok": false, "error": "...", "traceback": "..."}.
# Anything the user's code prints goes to stderr, so it cannot break the protocol.
import json
import math
import sys
import traceback

protocol = sys.stdout
sys.stdout = sys.stderr


def send(message):
    protocol.write(json.dumps(message) + "\n")
    protocol.flush()


def user_line(error, path):
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == path]
    return frames[-1].lineno if frames else None


def clean(value):
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return json.dumps(value, default=str)


def load(path):
    with open(path, encoding="utf-8") as file:
        source = file.read()
    try:
        code = compile(source, path, "exec")
    except SyntaxError as error:
        return None, {"ready": False, "error": f"SyntaxError: {error.msg}", "line": error.lineno}
    namespace = {"__name__": "evalrunner_evaluator", "__file__": path}
    try:
        exec(code, namespace)
    except BaseException as error:  # noqa: B902 - any failure at import is reported, not raised
        return None, {"ready": False, "error": f"{type(error).__name__}: {error}", "line": user_line(error, path),
                      "traceback": traceback.format_exc()}
    main = namespace.get("main")
    if not callable(main):
        return None, {"ready": False, "error": "no main(input, output, context, full_history, generated_response, **kwargs) function", "line": None}
    return main, {"ready": True}


def serve(main):
    for line in sys.stdin:
        request = json.loads(line)
        try:
            result = main(**request["args"])
            if not isinstance(result, dict):
                raise TypeError(f"main() must return a dict, not {type(result).__name__}")
            send({"id": request["id"], "ok": True, "result": {str(key): clean(value) for key, value in result.items()}})
        except BaseException as error:  # noqa: B902 - the datapoint gets the error, the worker goes on
            send({"id": request["id"], "ok": False, "error": f"{type(error).__name__}: {error}", "traceback": traceback.format_exc()})


if __name__ == "__main__":
    evaluator_main, status = load(sys.argv[1])
    send(status)
    if evaluator_main is not None and "--check" not in sys.argv:
        serve(evaluator_main)
