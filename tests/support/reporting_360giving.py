"""The official 360Giving package schema, vendored in tests/data/360giving, as a
`jsonschema` validator that resolves its references locally (no network)."""

from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT202012

FOLDER = Path(__file__).parent.parent / "data" / "360giving"
# The package schema names the grant schema by its 1.4.2 URL; the file says 1.4.3.
GRANT_URLS = (
    "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.2/schema/360-giving-schema.json",
    "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.3/schema/360-giving-schema.json",
)


def package_validator() -> Draft202012Validator:
    package = json.loads((FOLDER / "360-giving-package-schema.json").read_text())
    # Their `$schema` is spelt with http://, which `referencing` does not recognise
    # as draft 2020-12 by itself: say so.
    grant = DRAFT202012.create_resource(json.loads((FOLDER / "360-giving-schema.json").read_text()))
    registry: Registry = Registry().with_resources((url, grant) for url in GRANT_URLS)
    Draft202012Validator.check_schema(package)
    return Draft202012Validator(package, registry=registry, format_checker=FormatChecker())
