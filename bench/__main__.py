"""`python -m bench`: the chassis benchmark (what `make bench` runs)."""

import asyncio

from bench.chassis import main

if __name__ == "__main__":  # not again in the processes a stage spawns
    asyncio.run(main())
