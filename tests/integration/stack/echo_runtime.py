"""A tiny custom runtime for the emulator test: answers each invocation through the Lambda Runtime
API with what it saw. The payload's "action" picks the behaviour: echo, fail, exit or sleep."""

import json
import os
import sys
import time
import urllib.request

api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"

while True:
    with urllib.request.urlopen(api + "/invocation/next") as next_invocation:
        request_id = next_invocation.headers["Lambda-Runtime-Aws-Request-Id"]
        deadline_ms = int(next_invocation.headers["Lambda-Runtime-Deadline-Ms"])
        function_arn = next_invocation.headers["Lambda-Runtime-Invoked-Function-Arn"]
        event = json.loads(next_invocation.read())
    action = event.get("action", "echo")
    if action == "exit":
        sys.exit(3)
    if action == "sleep":
        time.sleep(event["seconds"])
    if action == "fail":
        outcome, body = "error", {"errorMessage": "asked to fail", "errorType": "EchoFailure"}
    else:
        outcome, body = "response", {
            "event": event,
            "request_id": request_id,
            "deadline_ms": deadline_ms,
            "function_arn": function_arn,
            "pid": os.getpid(),
            "marker": os.environ.get("ECHO_RUNTIME_MARKER"),
        }
    request = urllib.request.Request(
        f"{api}/invocation/{request_id}/{outcome}", data=json.dumps(body).encode(), method="POST"
    )
    urllib.request.urlopen(request).close()
