# Generated from src/sf_toolkit/_async/__init__.py by scripts/generate_sync.py.
# Do not edit: change the async source and regenerate.
"""The I/O of sf_toolkit: the client, record operations, queries and bulk jobs."""
