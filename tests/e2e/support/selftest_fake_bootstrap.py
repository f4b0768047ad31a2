"""HARNESS SELF-TEST ONLY — not the product.

A minimal Lambda custom runtime speaking the Runtime API, used to test the event source mapping
emulator (tools/esm) on its own. It appends each batch it receives (sequence numbers and keys)
as one JSON line to $FAKE_BATCH_LOG, and answers the N-th invocation (0-based, counted across
restarts from that file) with the N-th entry of $FAKE_SCRIPT (comma separated):
  ok           {"batchItemFailures": []}
  fail:<i>     batchItemFailures for records i and i+1 of the batch (when they exist)
  error        a function error through /invocation/<id>/error
  crash        exit 3 before answering
  garbage      a body that is not JSON
  bad-id       a batchItemFailures entry naming a sequence number not in the batch
Entries beyond the script answer ok.
"""

import json
import os
import sys
import urllib.request

API = f"http://{os.environ['AWS_LAMBDA_RUNTIME_API']}/2018-06-01/runtime"


def post(path: str, body: bytes) -> None:
    request = urllib.request.Request(f"{API}{path}", data=body, method="POST")
    urllib.request.urlopen(request).read()


def main() -> None:
    script = [s for s in os.environ.get("FAKE_SCRIPT", "").split(",") if s]
    log_path = os.environ["FAKE_BATCH_LOG"]
    while True:
        with urllib.request.urlopen(f"{API}/invocation/next") as response:
            request_id = response.headers["Lambda-Runtime-Aws-Request-Id"]
            event = json.loads(response.read())
        records = event.get("Records", [])
        sequence = [r["dynamodb"]["SequenceNumber"] for r in records]
        keys = [[r["dynamodb"]["Keys"]["id"]["S"], int(r["dynamodb"]["Keys"]["version"]["N"])]
                for r in records]
        with open(log_path, "a+") as log:
            log.seek(0)
            index = sum(1 for _ in log)
            log.write(json.dumps({"sequence": sequence, "keys": keys,
                                  "environment": os.environ.get("FAKE_ECHO", "")}) + "\n")
        action = script[index] if index < len(script) else "ok"
        print(f"fake bootstrap: invocation {index} n={len(records)} -> {action}", flush=True)
        if action == "crash":
            sys.exit(3)
        if action == "error":
            post(f"/invocation/{request_id}/error",
                 json.dumps({"errorMessage": "scripted", "errorType": "Scripted"}).encode())
            continue
        if action == "garbage":
            post(f"/invocation/{request_id}/response", b"this is not json")
            continue
        failures = []
        if action.startswith("fail:"):
            first = int(action.split(":")[1])
            failures = [{"itemIdentifier": s} for s in sequence[first:first + 2]]
        elif action == "bad-id":
            failures = [{"itemIdentifier": "999"}]
        post(f"/invocation/{request_id}/response",
             json.dumps({"batchItemFailures": failures}).encode())


if __name__ == "__main__":
    main()
