"""Local infrastructure for `cascade up` and the tests: an embedded PostgreSQL
and the tansu broker, used only when no server URL is configured."""
