"""SigV4 corpus test: this code base's signer against botocore, byte for byte.

Generates a deterministic corpus of requests (methods, paths with reserved and non-ASCII
characters, query strings with repeated and empty keys, headers with odd whitespace, empty and
binary bodies, with and without session tokens, several services and regions), signs each with
botocore's SigV4Auth (Authorization header) or SigV4QueryAuth (presigned URL) at a fixed time,
runs the C++ oracle tool on the same corpus and requires identical output.

Run by ctest; the tool's path comes from SIGV4_ORACLE_TOOL.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import os
import random
import subprocess
from urllib.parse import quote

import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

SEED = 20150830
CASES = 320

TIMES = [
    datetime.datetime(2015, 8, 30, 12, 36, 0),
    datetime.datetime(2024, 2, 29, 23, 59, 59),
    datetime.datetime(1999, 12, 31, 0, 0, 1),
]
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "cn-north-1", "us-gov-west-1", "eu-central-1"]
SERVICES = ["dynamodb", "secretsmanager", "ssm", "kafka-cluster", "execute-api"]
METHODS = ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "post"]
SEGMENTS = [
    "table", "Events", "a b", "plus+sign", "semi;colon", "eq=ual", "at@sign", "colon:x",
    "tilde~", "star*", "paren(s)", "quote'", "comma,", "dollar$", "percent%", "unicode-\u00e9",
    "\u65e5\u672c", "\u1234", "emoji-\U0001f600", "-._~", "UPPER", "0123",
]
QUERY_WORDS = [
    "Action", "Version", "x", "X", "a", "A", "key", "empty", "ListUsers", "2012-08-10",
    "a b", "a+b", "c=d", "e&f", "slash/y", "\u00fcber", "\u65e5", "tilde~", "star*", "",
    "100%", "q?", "hash#", "Param-3", "Param",
]
ODD_VALUES = [
    "  leading", "trailing   ", "inner   spaces", "tab\there", " \t mixed \t  runs \t ",
    "", "VALUE", "a,b", '"quoted   value"', "x" * 40,
]


def encode_messy(text: str) -> str:
    """Encodes a query component the way sloppy clients do: sub-delimiters left raw, some hex
    digits lowercase. It must decode to `text` (so '&', '=', '#', '%', '+', space are encoded)."""
    encoded = quote(text, safe="!*'();:@$,/")
    # Lowercase the hex digits of some escapes; decoding does not care about case.
    out = []
    index = 0
    while index < len(encoded):
        if encoded[index] == "%" and len(out) % 2 == 0:
            out.append(encoded[index : index + 3].lower())
            index += 3
        else:
            out.append(encoded[index])
            index += 1
    return "".join(out)


def make_path(rng: random.Random) -> str:
    if rng.random() < 0.15:
        return rng.choice(["", "/"])
    parts = []
    for _ in range(rng.randint(1, 4)):
        roll = rng.random()
        if roll < 0.1:
            parts.append(rng.choice([".", "..", ""]))
            continue
        segment = rng.choice(SEGMENTS)
        style = rng.random()
        if style < 0.5:
            parts.append(quote(segment, safe=""))
        elif style < 0.8:
            parts.append(quote(segment, safe="!$&'()*+,;=:@"))
        else:
            parts.append(segment.replace("%", "%25"))  # raw characters, as a careless caller sends
    path = "/" + "/".join(parts)
    if rng.random() < 0.2:
        path += "/"
    return path


def make_host(rng: random.Random, service: str, region: str) -> str:
    roll = rng.random()
    if roll < 0.6:
        suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
        return f"{service}.{region}.{suffix}"
    return rng.choice(
        ["localhost:8000", "127.0.0.1:4566", "Example.COM:443", "example.com:80",
         "[::1]:8000", "user@host.example:9000"]
    )


def make_credentials(rng: random.Random) -> tuple[str, str, str | None]:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    access_key = "AKIDEXAMPLE" if rng.random() < 0.3 else "ASIA" + "".join(
        rng.choice(alphabet) for _ in range(16))
    secret_alphabet = alphabet + "abcdefghijklmnopqrstuvwxyz0123456789+/"
    secret = "".join(rng.choice(secret_alphabet) for _ in range(40))
    token = None
    if rng.random() < 0.5:
        token = "".join(rng.choice(secret_alphabet + "=") for _ in range(rng.randint(20, 300)))
    return access_key, secret, token


def header_case(rng: random.Random, name: str) -> str:
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in name)


def make_headers(rng: random.Random, body: bytes) -> list[tuple[str, str]]:
    headers: list[tuple[str, str]] = []
    if rng.random() < 0.6:
        headers.append(("Content-Type", rng.choice(
            ["application/x-amz-json-1.0", "application/x-amz-json-1.1",
             "application/x-www-form-urlencoded; charset=utf-8", "text/plain"])))
    if rng.random() < 0.5:
        headers.append(("X-Amz-Target", rng.choice(
            ["DynamoDB_20120810.Query", "secretsmanager.GetSecretValue", "AmazonSSM.GetParameter"])))
    for index in range(rng.randint(0, 3)):
        headers.append((header_case(rng, f"x-custom-{index}"), rng.choice(ODD_VALUES)))
    if rng.random() < 0.25:
        # A repeated header, spelled differently: values join with ',' in order.
        headers.append(("X-Repeated", rng.choice(ODD_VALUES)))
        headers.append(("x-repeated", rng.choice(ODD_VALUES)))
    if rng.random() < 0.2:
        headers.append(("User-Agent", "dispatcher/0.1 (+test)"))
    if rng.random() < 0.1:
        headers.append(("X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793"))
    if rng.random() < 0.1:
        headers.append(("Expect", "100-continue"))
    if body and rng.random() < 0.3:
        headers.append(("Content-Length", str(len(body))))
    rng.shuffle(headers)
    return headers


def make_body(rng: random.Random) -> bytes:
    roll = rng.random()
    if roll < 0.4:
        return b""
    if roll < 0.75:
        return json.dumps({"TableName": "events", "Limit": rng.randint(1, 100),
                           "Key": {"id": {"S": "Order:\u00e9"}}}).encode()
    return bytes(rng.randrange(256) for _ in range(rng.randint(1, 512)))


def make_query_canonical(rng: random.Random) -> tuple[str, None]:
    """A query already in canonical encoding, in random order, with repeated keys, empty values
    and keys without '='. botocore signs such a URL's query as written."""
    pairs = []
    for _ in range(rng.randint(0, 5)):
        key = quote(rng.choice(QUERY_WORDS) or "k", safe="-_.~")
        value = quote(rng.choice(QUERY_WORDS), safe="-_.~")
        pairs.append(key if rng.random() < 0.1 else f"{key}={value}")
    if pairs and rng.random() < 0.3:
        pairs.append(pairs[0])  # a repeated pair
    rng.shuffle(pairs)
    return "&".join(pairs), None


def make_query_messy(rng: random.Random, unique_keys: bool) -> tuple[str, list[tuple[str, str]]]:
    """A query in non-canonical encoding plus its decoded pairs, which botocore canonicalises."""
    pairs: list[tuple[str, str]] = []
    used = set()
    for _ in range(rng.randint(1, 5)):
        key = rng.choice(QUERY_WORDS) or "k"
        if unique_keys and key in used:
            continue
        used.add(key)
        pairs.append((key, rng.choice(QUERY_WORDS)))
    text = "&".join(f"{encode_messy(k)}={encode_messy(v)}" for k, v in pairs)
    return text, pairs


def build_corpus() -> list[dict]:
    rng = random.Random(SEED)
    corpus = []
    for index in range(CASES):
        region = rng.choice(REGIONS)
        service = rng.choice(SERVICES)
        access_key, secret, token = make_credentials(rng)
        scheme = "https" if rng.random() < 0.8 else "http"
        host = make_host(rng, service, region)
        path = make_path(rng)
        presign = index % 4 == 3
        if presign:
            # botocore's presigner decodes the query into a dict (first value per key) and reads
            # '+' as a space, so presign cases use unique keys and never a raw '+'.
            query, params = make_query_messy(rng, unique_keys=True) if rng.random() < 0.6 else ("", None)
            query = query.replace("+", "%2B")
        elif rng.random() < 0.5:
            query, params = make_query_canonical(rng)
        else:
            query, params = make_query_messy(rng, unique_keys=False)
        url = f"{scheme}://{host}{path}" + (f"?{query}" if query else "")
        body = b"" if presign else make_body(rng)
        headers = [] if presign else make_headers(rng, body)
        corpus.append({
            "method": "GET" if presign and rng.random() < 0.8 else rng.choice(METHODS),
            "url": url,
            "signing_url": f"{scheme}://{host}{path}" if params is not None and not presign else url,
            "params": params,
            "headers": headers,
            "body_base64": base64.b64encode(body).decode(),
            "access_key": access_key,
            "secret": secret,
            "token": token,
            "region": region,
            "service": service,
            "time": rng.choice(TIMES).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "presign_expires": rng.choice([60, 900, 3600, 604800]) if presign else None,
            "content_sha256": (not presign) and rng.random() < 0.2,
        })
    return corpus


def botocore_sign(case: dict, monkeypatch: pytest.MonkeyPatch) -> dict:
    moment = datetime.datetime.strptime(case["time"], "%Y-%m-%dT%H:%M:%SZ")
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda: moment)
    credentials = Credentials(case["access_key"], case["secret"], case["token"])
    body = base64.b64decode(case["body_base64"])
    request = AWSRequest(method=case["method"], url=case["signing_url"], data=body,
                         params=case["params"] or {})
    headers = HTTPHeaders()
    for name, value in case["headers"]:
        headers[name] = value  # HTTPHeaders appends: repeated names are kept
    if case["content_sha256"]:
        headers["X-Amz-Content-SHA256"] = hashlib.sha256(body).hexdigest()
    request.headers = headers
    if case["presign_expires"] is not None:
        request.url = case["url"]
        request.params = {}
        SigV4QueryAuth(credentials, case["service"], case["region"],
                       expires=case["presign_expires"]).add_auth(request)
        return {"url": request.url}
    SigV4Auth(credentials, case["service"], case["region"]).add_auth(request)
    return {"authorization": request.headers["Authorization"]}


def run_tool(corpus: list[dict]) -> list[dict]:
    tool = os.environ.get("SIGV4_ORACLE_TOOL")
    assert tool, "SIGV4_ORACLE_TOOL must name the sigv4_oracle_tool executable"
    fields = ("method", "url", "headers", "body_base64", "access_key", "secret", "token", "region",
              "service", "time", "presign_expires", "content_sha256")
    lines = "".join(json.dumps({k: case[k] for k in fields}) + "\n" for case in corpus)
    completed = subprocess.run([tool], input=lines.encode(), capture_output=True, check=True,
                               timeout=60)
    return [json.loads(line) for line in completed.stdout.decode().splitlines()]


def test_corpus_covers_what_it_claims() -> None:
    corpus = build_corpus()
    assert len(corpus) >= 200
    assert sum(1 for c in corpus if c["presign_expires"]) >= 50
    assert sum(1 for c in corpus if c["token"]) >= 50
    assert {c["service"] for c in corpus} == set(SERVICES)
    assert any(c["params"] and len({k for k, _ in c["params"]}) < len(c["params"]) for c in corpus)
    assert any("%" in c["url"].split("?")[0] for c in corpus)
    assert any(any(ord(ch) > 127 for ch in c["url"]) for c in corpus)
    bodies = [base64.b64decode(c["body_base64"]) for c in corpus]
    assert any(not body for body in bodies)
    assert any(b"\xff" in body or b"\x00" in body for body in bodies)  # binary bodies
    assert any(len({name.lower() for name, _ in c["headers"]}) < len(c["headers"]) for c in corpus)
    assert any(c["content_sha256"] for c in corpus)


def test_signatures_match_botocore_byte_for_byte(monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = build_corpus()
    expected = [botocore_sign(case, monkeypatch) for case in corpus]
    actual = run_tool(corpus)
    assert len(actual) == len(corpus)
    mismatches = [
        (index, corpus[index]["url"], want, got)
        for index, (want, got) in enumerate(zip(expected, actual))
        if want != got
    ]
    assert not mismatches, "first mismatches:\n" + "\n".join(
        f"#{i} {url}\n  botocore: {want}\n  ours:     {got}" for i, url, want, got in mismatches[:5]
    )
