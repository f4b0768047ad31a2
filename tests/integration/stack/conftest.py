"""Fixtures for the local-stack smoke tests; the helpers live in stack_support.py."""

from stack_support import dynamodb, dynamodb_streams, event_table  # noqa: F401 (pytest fixtures)
