"""What DynamoDB Local 3.3.1 does with a write that leaves the item unchanged.

Real DynamoDB Streams writes no record for such a write; the dispatcher's "no-op marker" trap
(docs/local-stack.md, DESIGN.md section 2) depends on it. These tests pin that DynamoDB Local
behaves the same, so end-to-end tests against it can catch the trap. Each case ends with a write
that does change the item (a fence): once the fence's record is read, any record the no-op writes
would have made must already be there, so the absence is not a matter of waiting longer.
"""

import pytest

from stack_support import read_stream

KEY = {"id": {"S": "Order:o-9"}, "version": {"N": "-1001"}}
ITEM = {**KEY, "cause": {"S": "seq-1"}}
FENCE = {**KEY, "cause": {"S": "seq-2"}}


def stream_events(dynamodb, dynamodb_streams, table):
    records = read_stream(
        dynamodb,
        dynamodb_streams,
        table,
        until=lambda found: any(
            r["dynamodb"].get("NewImage", {}).get("cause") == FENCE["cause"] for r in found
        ),
    )
    return [(r["eventName"], r["dynamodb"].get("NewImage", {}).get("cause", {}).get("S")) for r in records]


def rewrite_with_put_item(dynamodb, table):
    dynamodb.put_item(TableName=table, Item=ITEM)


def rewrite_with_batch_write_item(dynamodb, table):
    dynamodb.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": ITEM}}]})


def rewrite_with_transact_write_items(dynamodb, table):
    dynamodb.transact_write_items(TransactItems=[{"Put": {"TableName": table, "Item": ITEM}}])


def set_current_value_with_update_item(dynamodb, table):
    dynamodb.update_item(
        TableName=table,
        Key=KEY,
        UpdateExpression="SET #cause = :cause",
        ExpressionAttributeNames={"#cause": "cause"},
        ExpressionAttributeValues={":cause": ITEM["cause"]},
    )


@pytest.mark.parametrize(
    "unchanged_write",
    [
        rewrite_with_put_item,
        rewrite_with_batch_write_item,
        rewrite_with_transact_write_items,
        set_current_value_with_update_item,
    ],
)
def test_write_that_leaves_the_item_unchanged_makes_no_stream_record(
    dynamodb, dynamodb_streams, event_table, unchanged_write
):
    table = event_table("NEW_AND_OLD_IMAGES")
    dynamodb.put_item(TableName=table, Item=ITEM)
    for _ in range(3):
        unchanged_write(dynamodb, table)
    dynamodb.put_item(TableName=table, Item=FENCE)

    assert stream_events(dynamodb, dynamodb_streams, table) == [
        ("INSERT", "seq-1"),
        ("MODIFY", "seq-2"),
    ]


def test_marker_that_stores_the_causing_sequence_number_rings_on_every_new_cause(
    dynamodb, dynamodb_streams, event_table
):
    # The fix DESIGN.md proposes: each marker write carries the newest causing sequence number, so
    # a new cause changes the item (one record each) and a retried batch writes the same value
    # (no record).
    table = event_table("KEYS_ONLY")
    for cause in ["seq-1", "seq-1", "seq-2", "seq-3", "seq-3"]:
        dynamodb.put_item(TableName=table, Item={**KEY, "cause": {"S": cause}})
    dynamodb.put_item(TableName=table, Item={**KEY, "version": {"N": "0"}})

    records = read_stream(
        dynamodb,
        dynamodb_streams,
        table,
        until=lambda found: any(r["dynamodb"]["Keys"]["version"]["N"] == "0" for r in found),
    )

    marker_events = [r["eventName"] for r in records if r["dynamodb"]["Keys"] == KEY]
    assert marker_events == ["INSERT", "MODIFY", "MODIFY"]
