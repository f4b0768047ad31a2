"""Local emulator of AWS Lambda's DynamoDB Streams event source mapping.

Runs a Lambda `bootstrap` under the AWS Lambda Runtime Interface Emulator and feeds it the
table's stream the way Lambda does (batches per shard, shard lineage, ReportBatchItemFailures
checkpointing, bounded retries). See tools/esm/README.md.
"""

from .destination import OnFailureSqs, on_failure_record
from .function import FunctionPool, InvokeResult, LambdaFunction
from .harness import AwsTarget, MappedFunction
from .mapping import EventSourceMapping, MappingSettings, MappingStats, evaluate
from .sqs_source import SqsEventSource, SqsSourceSettings, acknowledged

__all__ = ["AwsTarget", "EventSourceMapping", "FunctionPool", "InvokeResult", "LambdaFunction",
           "MappedFunction", "MappingSettings", "MappingStats", "OnFailureSqs", "SqsEventSource",
           "SqsSourceSettings", "acknowledged", "evaluate", "on_failure_record"]
