"""The I/O of sf_toolkit: the client, record operations, queries and bulk jobs."""
