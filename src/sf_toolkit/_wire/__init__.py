"""
Sans-I/O wire rules shared by both clients: error mapping, retry decisions, limit headers.

Nothing here sends a request or sleeps; the clients call these functions with plain
``httpx.Request``/``httpx.Response`` objects and act on the answers.
"""
