"""Shared plumbing for the client scripts that test/helpers/python.ts runs.

Each script reads one JSON object from stdin and prints one JSON object to stdout. On failure it
prints {"error": "..."} to stdout and exits 1, so the test sees a clear message. Binary keys,
values and header values travel as base64 strings (null stays null).
"""

import base64
import json
import sys
import time
import traceback


def read_input():
    return json.load(sys.stdin)


def b64(data):
    return None if data is None else base64.b64encode(bytes(data)).decode("ascii")


def unb64(text):
    return None if text is None else base64.b64decode(text)


def done(result):
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    sys.stdout.flush()
    sys.exit(0)


def fail(message, **extra):
    json.dump(dict(error=message, **extra), sys.stdout)
    sys.stdout.write("\n")
    sys.stdout.flush()
    sys.exit(1)


def main(run):
    """Runs run(input) and reports any exception as a JSON error."""
    try:
        done(run(read_input()))
    except SystemExit:
        raise
    except BaseException as error:  # noqa: BLE001 - everything must become a JSON error
        fail("%s: %s" % (type(error).__name__, error), traceback=traceback.format_exc())


class Deadline:
    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def left(self):
        return max(0.0, self.end - time.monotonic())

    def passed(self):
        return time.monotonic() >= self.end
