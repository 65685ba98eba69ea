# The EvalRunner Python worker: loads one evaluator file and calls its main(...) once per request.
# Usage: worker.py FILE [--name SHOWN] [--offset LINES] [--check]
#   SHOWN names the source in tracebacks and errors (its path relative to the suite); OFFSET blank lines are put
#   before the source, so that the lines of inline code are the lines of the suite file.
# Protocol: JSON lines. Requests on stdin: {"id": N, "args": {...}}. Answers on the real stdout:
# {"ready": true} once, then {"id": N, "ok": true, "result": {...}} or {"id": N, "ok": false, "error": "...", "traceback": "..."}.
# Anything the user's code prints goes to stderr, so it cannot break the protocol.
import inspect
import json
import math
import os
import sys
import traceback

protocol = sys.stdout
sys.stdout = sys.stderr

# The arguments every call passes (see PythonEvaluator.cs and docs/suites.md).
ARGUMENTS = ["input", "output", "context", "full_history", "generated_response", "id", "messages", "expected", "tags", "model_config"]
SIGNATURE = "main(input, output, context, full_history, generated_response, **kwargs)"
WORKER = os.path.abspath(__file__)


def send(message):
    protocol.write(json.dumps(message) + "\n")
    protocol.flush()


def shown(filename):
    # Paths under the suite's folder (the working directory) are shown relative to it.
    if not os.path.isabs(filename):
        return filename
    relative = os.path.relpath(filename)
    return filename if relative.startswith("..") else relative


def format_error(error):
    # The user's frames only: the worker's own frames and its temporary file say nothing to the user.
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if os.path.abspath(frame.filename) != WORKER]
    for frame in frames:
        frame.filename = shown(frame.filename)
    lines = ["Traceback (most recent call last):\n"] + traceback.format_list(frames) if frames else []
    return "".join(lines + traceback.format_exception_only(type(error), error))


def user_line(error, name):
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == name]
    return frames[-1].lineno if frames else None


def clean(value):
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return json.dumps(value, default=str)


def check_signature(main):
    line = getattr(getattr(main, "__code__", None), "co_firstlineno", None)
    try:
        signature = inspect.signature(main)
    except (TypeError, ValueError):
        return None  # a callable without a signature to inspect (a builtin): its first call tells
    try:
        signature.bind(**{name: None for name in ARGUMENTS})
    except TypeError as error:
        return {"ready": False, "error": f"main{signature} cannot take the arguments of every call ({error}); define {SIGNATURE}", "line": line}
    return None


def load(path, name, offset):
    # utf-8-sig: a byte order mark that an editor saved is dropped, not read as a character.
    with open(path, encoding="utf-8-sig") as file:
        source = "\n" * offset + file.read()
    try:
        code = compile(source, name, "exec")
    except SyntaxError as error:
        return None, {"ready": False, "error": f"SyntaxError: {error.msg}", "line": error.lineno}
    namespace = {"__name__": "evalrunner_evaluator", "__file__": os.path.abspath(path)}
    try:
        exec(code, namespace)
    except BaseException as error:  # noqa: B902 - any failure at import is reported, not raised
        return None, {"ready": False, "error": f"{type(error).__name__}: {error}", "line": user_line(error, name),
                      "traceback": format_error(error)}
    if "main" not in namespace:
        return None, {"ready": False, "error": f"no {SIGNATURE} function", "line": None}
    main = namespace["main"]
    if not callable(main):
        return None, {"ready": False, "error": f"main is a {type(main).__name__}, not a function; define {SIGNATURE}", "line": None}
    status = check_signature(main)
    return (None, status) if status else (main, {"ready": True})


def serve(main):
    for line in sys.stdin:
        request = json.loads(line)
        try:
            result = main(**request["args"])
            if not isinstance(result, dict):
                raise TypeError(f"main() must return a dict, not {type(result).__name__}")
            send({"id": request["id"], "ok": True, "result": {str(key): clean(value) for key, value in result.items()}})
        except BaseException as error:  # noqa: B902 - the datapoint gets the error, the worker goes on
            send({"id": request["id"], "ok": False, "error": f"{type(error).__name__}: {error}", "traceback": format_error(error)})


def option(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


if __name__ == "__main__":
    evaluator_file = sys.argv[1]
    evaluator_main, status = load(evaluator_file, option("--name", evaluator_file), int(option("--offset", "0")))
    send(status)
    if evaluator_main is not None and "--check" not in sys.argv:
        serve(evaluator_main)
