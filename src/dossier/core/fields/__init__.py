"""Field types and the template validator: a pure core with no Django inside.

Every rule that decides whether a customer value is valid lives here. The API, the
pages, the import and the merge all call :func:`validate_values` or :func:`validate_rows`.
"""

from dossier.core.fields.base import (
    FieldError,
    FieldLabel,
    FieldSpec,
    FieldType,
    get_type,
    is_lower,
    lowered_fields,
    mask_value,
    minimum_classification,
    registered_types,
    searchable_types,
    type_label,
)
from dossier.core.fields.validate import (
    RowResult,
    ValidationResult,
    check_field_references,
    check_spec,
    describe_rules,
    validate_rows,
    validate_values,
)

__all__ = [
    "FieldError",
    "FieldLabel",
    "FieldSpec",
    "FieldType",
    "RowResult",
    "ValidationResult",
    "check_field_references",
    "check_spec",
    "describe_rules",
    "get_type",
    "is_lower",
    "lowered_fields",
    "mask_value",
    "minimum_classification",
    "registered_types",
    "searchable_types",
    "type_label",
    "validate_rows",
    "validate_values",
]
