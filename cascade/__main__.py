"""`python -m cascade ...`: the `cascade` command."""

from cascade.cli.main import app

app()
