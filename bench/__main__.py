"""`python -m bench`: the chassis benchmark (what `make bench` runs)."""

import asyncio

from bench.chassis import main

asyncio.run(main())
