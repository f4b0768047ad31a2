"""A stand-in for the ECS / EKS container credentials agent, for container_agent_test.cc.

Listens on 127.0.0.1 (port chosen by the OS, printed as the first stdout line) and answers
GET /creds with a credentials document whose AccessKeyId counts the requests served, but only
when the Authorization header equals the token in EXPECTED_TOKEN; otherwise 401 with the agent's
error document. EXPIRATION sets the document's Expiration.
"""

import http.server
import json
import os
import sys


class Agent(http.server.BaseHTTPRequestHandler):
    served = 0

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path != "/creds":
            self._answer(404, {"code": "NotFound", "message": self.path})
            return
        if self.headers.get("Authorization") != os.environ["EXPECTED_TOKEN"]:
            self._answer(401, {"code": "AccessDenied", "message": "bad authorization token"})
            return
        Agent.served += 1
        self._answer(200, {
            "AccessKeyId": f"ASIA{Agent.served}",
            "SecretAccessKey": f"secret-{Agent.served}",
            "Token": f"token-{Agent.served}",
            "Expiration": os.environ["EXPIRATION"],
            "RoleArn": "arn:aws:iam::123456789012:role/dispatcher",
        })

    def _answer(self, status: int, document: dict) -> None:
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def main() -> None:
    server = http.server.HTTPServer(("127.0.0.1", 0), Agent)
    print(server.server_address[1], flush=True)
    sys.stdout.close()
    server.serve_forever()


if __name__ == "__main__":
    main()
