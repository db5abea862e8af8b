"""The unmask service: one server for the web page, the scan API and the ledger API (``unmask serve``).

:mod:`~unmask.server.app` builds the FastAPI app, :mod:`~unmask.server.api` holds the scan routes,
:mod:`~unmask.server.jobs` the persistent queue (a table in the ledger's database) and
:mod:`~unmask.server.workers` the background scan processes. Nothing is imported here, so the
other ``unmask`` commands do not load the web stack.
"""
