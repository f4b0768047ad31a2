"""Command line: run the event source mapping emulator against a table's stream.

    .venv/bin/python tools/esm --table events --bootstrap build/ci/src/app/bootstrap \
        --env KAFKA_BOOTSTRAP_SERVERS --env KAFKA_TOPIC_OUTPUT=orders ... --idle-seconds 10
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python tools/esm`: make the package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from esm.harness import AwsTarget, MappedFunction  # noqa: E402
from esm.mapping import MappingSettings  # noqa: E402


def _environment(pairs: list[str], env_file: str | None) -> dict[str, str]:
    result: dict[str, str] = {}
    lines = Path(env_file).read_text().splitlines() if env_file else []
    for entry in [line.strip() for line in lines] + pairs:
        if not entry or entry.startswith("#"):
            continue
        entry = entry.removeprefix("export ")
        if "=" in entry:
            key, value = entry.split("=", 1)
            result[key] = value.strip().strip('"').strip("'")
        elif entry in os.environ:
            result[entry] = os.environ[entry]
        else:
            raise SystemExit(f"--env {entry}: not set in this environment")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="esm", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--table", required=True, help="events table (its stream is polled)")
    parser.add_argument("--bootstrap", default=os.environ.get("BOOTSTRAP"),
                        help="the function's bootstrap executable (default: $BOOTSTRAP)")
    parser.add_argument("--env", action="append", default=[], metavar="KEY[=VALUE]",
                        help="function environment variable; KEY alone copies it from here")
    parser.add_argument("--env-file", help="file of KEY=VALUE lines for the function")
    parser.add_argument("--endpoint", default=os.environ.get("AWS_ENDPOINT_URL_DYNAMODB")
                        or os.environ.get("STACK_DYNAMODB_ENDPOINT"),
                        help="DynamoDB (Streams) endpoint")
    parser.add_argument("--region", default=os.environ.get("AWS_REGION", "us-east-1"))
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--starting-position", default="TRIM_HORIZON",
                        choices=["TRIM_HORIZON", "LATEST"])
    parser.add_argument("--max-retries", type=int, default=10, help="-1: until stopped")
    parser.add_argument("--batching-window", type=float, default=0.0, metavar="SECONDS")
    parser.add_argument("--pool-size", type=int, default=2, help="execution environments")
    parser.add_argument("--function-timeout", type=int, default=60, metavar="SECONDS")
    parser.add_argument("--idle-seconds", type=float, help="stop after this long without work")
    parser.add_argument("--max-seconds", type=float, help="stop after this long")
    parser.add_argument("--log-dir", default=".", help="where esm.log and bootstrap.log go")
    parser.add_argument("--rie", default=os.environ.get("STACK_RIE"),
                        help="aws-lambda-rie executable (default: $STACK_RIE)")
    args = parser.parse_args(argv)
    if not args.bootstrap:
        parser.error("--bootstrap (or $BOOTSTRAP) is required")
    if not args.endpoint:
        parser.error("--endpoint (or $STACK_DYNAMODB_ENDPOINT) is required")

    aws = AwsTarget(args.endpoint, args.region, os.environ.get("AWS_ACCESS_KEY_ID", "local"),
                    os.environ.get("AWS_SECRET_ACCESS_KEY", "local"))
    environment = {"AWS_REGION": args.region, "AWS_ACCESS_KEY_ID": aws.access_key,
                   "AWS_SECRET_ACCESS_KEY": aws.secret_key,
                   "AWS_ENDPOINT_URL_DYNAMODB": args.endpoint,
                   "EVENTS_TABLE_NAME": args.table}
    environment.update(_environment(args.env, args.env_file))
    settings = MappingSettings(batch_size=args.batch_size,
                               starting_position=args.starting_position,
                               maximum_retry_attempts=args.max_retries,
                               batching_window_seconds=args.batching_window)
    mapped = MappedFunction(command=[args.bootstrap], environment=environment, aws=aws,
                            table_name=args.table, log_dir=Path(args.log_dir), settings=settings,
                            pool_size=args.pool_size, function_timeout=args.function_timeout,
                            rie=args.rie, start_mapping=False)
    print(f"esm: logs in {mapped.esm_log_path} and {mapped.function_log_path}", file=sys.stderr)
    mapped.start()
    try:
        mapped.mapping.run(idle_seconds=args.idle_seconds, max_seconds=args.max_seconds)
    finally:
        mapped.stop()
    stats = mapped.mapping.stats
    print(f"esm: {stats}", file=sys.stderr)
    return 1 if stats.discarded_records or stats.contract_violations else 0


if __name__ == "__main__":
    sys.exit(main())
