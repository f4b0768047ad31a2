#!/usr/bin/env python3
"""A scriptable HTTP/1.1 server that misbehaves on purpose, for the HTTP and AWS client fault tests.

Started by a test on a free loopback port (port 0: the OS picks one); prints "PORT <n>" on its
first line of stdout, then serves until SIGTERM. `--tls CERT KEY` serves HTTPS instead (for the
certificate verification tests). Standard library only.

Control endpoints (never scripted):
  POST /_control/script  {"actions": [...], "default": {...}}  replace the queue, clear the log
  GET  /_control/log     {"requests": [...], "connections": n, "max_in_flight": n}

Every other request consumes the next action of the queue (or the default, {"kind": "ok"}):
  {"kind": "ok", "body": <json>}             200 with a correct x-amz-crc32
                                              (optional "headers": {name: value} are added)
  {"kind": "echo"}                            200 with the request body
  {"kind": "error", "status": 400, "code": "ThrottlingException", "message": "..."}
                                              AWS JSON error body ({"__type": "...#Code"})
  {"kind": "status", "status": 503, "body": "text"}
  {"kind": "delay", "seconds": 2.0, "then": <action>}
  {"kind": "reset"}                           close the connection with a TCP reset, no response
  {"kind": "truncate"}                        promise more body bytes than are sent, then close
  {"kind": "garble"}                          200 whose body is not JSON (correct checksum)
  {"kind": "bad_crc", "body": <json>}         200 with a wrong x-amz-crc32
  {"kind": "unprocessed", "count": n}         BatchWriteItem/BatchGetItem answer leaving the last
                                              n requests/keys unprocessed
"""

import argparse
import json
import socket
import ssl
import struct
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.actions = []
        self.default = {"kind": "ok"}
        self.requests = []
        self.connections = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.request_counter = 0


STATE = State()


def crc32_text(body):
    return str(zlib.crc32(body) & 0xFFFFFFFF)


def unprocessed_answer(target, request, count):
    """Leaves the last `count` entries of a batch request unprocessed."""
    if target.endswith("BatchWriteItem"):
        entries = [(table, write) for table, writes in request.get("RequestItems", {}).items()
                   for write in writes]
        left = entries[len(entries) - count:] if count > 0 else []
        unprocessed = {}
        for table, write in left:
            unprocessed.setdefault(table, []).append(write)
        return {"UnprocessedItems": unprocessed}
    if target.endswith("BatchGetItem"):
        entries = [(table, key, spec) for table, spec in request.get("RequestItems", {}).items()
                   for key in spec.get("Keys", [])]
        cut = max(len(entries) - count, 0)
        responses = {table: [] for table in request.get("RequestItems", {})}
        unprocessed = {}
        for index, (table, key, spec) in enumerate(entries):
            if index < cut:
                responses[table].append(key)  # the key's attributes are the whole item here
            else:
                entry = unprocessed.setdefault(
                    table, {k: v for k, v in spec.items() if k != "Keys"} | {"Keys": []})
                entry["Keys"].append(key)
        return {"Responses": responses, "UnprocessedKeys": unprocessed}
    return {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        with STATE.lock:
            STATE.connections += 1

    def log_message(self, format, *args):  # noqa: A002 - keeps test output quiet
        pass

    def send_body(self, status, body, headers=None, crc=True):
        with STATE.lock:
            STATE.request_counter += 1
            request_id = "req-%d" % STATE.request_counter
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", request_id)
        if crc:
            self.send_header("x-amz-crc32", crc32_text(body))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def do_GET(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def do_PUT(self):
        self.handle_any()

    def do_DELETE(self):
        self.handle_any()

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path == "/_control/script":
            script = json.loads(body or b"{}")
            with STATE.lock:
                STATE.actions = list(script.get("actions", []))
                STATE.default = script.get("default", {"kind": "ok"})
                STATE.requests = []
                STATE.max_in_flight = 0
                STATE.connections = 1  # this control connection
            self.send_body(200, b"{}", crc=False)
            return
        if self.path == "/_control/log":
            with STATE.lock:
                log = {"requests": STATE.requests, "connections": STATE.connections,
                       "max_in_flight": STATE.max_in_flight}
            self.send_body(200, json.dumps(log).encode(), crc=False)
            return

        with STATE.lock:
            STATE.requests.append({
                "method": self.command,
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("utf-8", "replace"),
            })
            action = STATE.actions.pop(0) if STATE.actions else STATE.default
            STATE.in_flight += 1
            STATE.max_in_flight = max(STATE.max_in_flight, STATE.in_flight)
        try:
            self.act(action, body)
        finally:
            with STATE.lock:
                STATE.in_flight -= 1

    def act(self, action, body):
        kind = action.get("kind", "ok")
        target = self.headers.get("X-Amz-Target", "")
        if kind == "delay":
            time.sleep(float(action.get("seconds", 1.0)))
            self.act(action.get("then", {"kind": "ok"}), body)
        elif kind == "ok":
            self.send_body(200, json.dumps(action.get("body", {})).encode(),
                           headers=action.get("headers"))
        elif kind == "echo":
            self.send_body(200, body)
        elif kind == "error":
            payload = {"__type": "com.amazonaws.dynamodb.v20120810#" + action["code"],
                       "message": action.get("message", "scripted " + action["code"])}
            self.send_body(int(action.get("status", 400)), json.dumps(payload).encode())
        elif kind == "status":
            self.send_body(int(action["status"]), action.get("body", "").encode())
        elif kind == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
        elif kind == "truncate":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'{"Items": [')
            self.wfile.flush()
            self.close_connection = True
        elif kind == "garble":
            self.send_body(200, b'{"Items": [{"id": {"S": "x"}')
        elif kind == "bad_crc":
            payload = json.dumps(action.get("body", {})).encode()
            self.send_body(200, payload, headers={"x-amz-crc32": "1"}, crc=False)
        elif kind == "unprocessed":
            request = json.loads(body or b"{}")
            answer = unprocessed_answer(target, request, int(action.get("count", 0)))
            self.send_body(200, json.dumps(answer).encode())
        else:
            self.send_body(500, b"unknown scripted action " + kind.encode())


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the tests open dozens of connections at once

    def handle_error(self, request, client_address):
        # A client that timed out and hung up is part of the script, not a failure.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


def main():
    parser = argparse.ArgumentParser(description="scriptable misbehaving HTTP server")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"), help="serve HTTPS")
    arguments = parser.parse_args()
    server = QuietServer(("127.0.0.1", arguments.port), Handler)
    if arguments.tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(arguments.tls[0], arguments.tls[1])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
