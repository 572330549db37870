"""Is a data_schema usable for extraction? The rules the validation endpoint and create share."""

from __future__ import annotations

from typing import Any


def data_schema_problem(schema: Any) -> str | None:
    """Why `schema` can't be used (a sentence), or None when it is fine."""
    if not isinstance(schema, dict):
        return f"data_schema must be a JSON Schema object, got {type(schema).__name__}"
    # imported here: jsonschema is slow to import and most runs never validate a schema
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(root)"
        return f"data_schema is not a valid JSON Schema at {where}: {exc.message}"
    kind = schema.get("type")
    if kind is not None and kind != "object":
        return f"data_schema root must have type 'object' (named fields), not {kind!r}"
    if kind is None and "properties" not in schema:
        return "data_schema root must be an object schema with 'properties'"
    return None
