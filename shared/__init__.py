"""The chassis every Cascade service stands on: events, store, relay, consumers, HTTP."""
