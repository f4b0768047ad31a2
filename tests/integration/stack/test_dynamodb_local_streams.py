"""DynamoDB Local answers the DynamoDB and DynamoDB Streams APIs the dispatcher uses."""

from stack_support import read_stream


def test_put_item_appears_in_the_stream_with_keys_image_and_sequence_number(
    dynamodb, dynamodb_streams, event_table
):
    table = event_table("NEW_AND_OLD_IMAGES")
    item = {
        "id": {"S": "Order:o-1"},
        "version": {"N": "0"},
        "eventType": {"S": "OrderPlaced"},
        "data": {"B": b"\x00\x01payload"},
    }
    dynamodb.put_item(TableName=table, Item=item)

    records = read_stream(dynamodb, dynamodb_streams, table, until=lambda found: len(found) >= 1)

    assert len(records) == 1, records
    record = records[0]
    assert record["eventName"] == "INSERT"
    assert record["eventSource"] == "aws:dynamodb"
    change = record["dynamodb"]
    assert change["Keys"] == {"id": {"S": "Order:o-1"}, "version": {"N": "0"}}
    assert change["NewImage"] == item
    assert "OldImage" not in change
    assert change["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    sequence_number = change["SequenceNumber"]
    assert sequence_number.isdigit() and int(sequence_number) > 0, sequence_number


def test_later_writes_get_increasing_sequence_numbers(dynamodb, dynamodb_streams, event_table):
    table = event_table("KEYS_ONLY")
    for version in range(3):
        dynamodb.put_item(
            TableName=table, Item={"id": {"S": "Order:o-2"}, "version": {"N": str(version)}}
        )

    records = read_stream(dynamodb, dynamodb_streams, table, until=lambda found: len(found) >= 3)

    assert [r["dynamodb"]["Keys"]["version"]["N"] for r in records] == ["0", "1", "2"]
    sequence_numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert sequence_numbers == sorted(sequence_numbers) and len(set(sequence_numbers)) == 3
    assert all("NewImage" not in r["dynamodb"] for r in records)
