"""Print the four services' OpenAPI documents, built from the app factory without a server."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from cascade.services import definitions
from shared.app import create_app
from shared.settings import Settings


def dump(folder: Path) -> None:
    settings = Settings(environment="development")
    folder.mkdir(parents=True, exist_ok=True)
    for name, definition in definitions().items():
        document = create_app(definition, settings).openapi()
        (folder / f"{name}.json").write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    dump(Path(sys.argv[1]))
