"""OpenAPI schema additions: the `lang` parameter and the error responses every endpoint has."""

from django.conf import settings
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]

LANG_PARAMETER = OpenApiParameter(
    "lang",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=LANGUAGE_CODES,
    description=(
        "Language of the texts. Without it the Accept-Language header decides; a text missing "
        "in the language falls back to the plan's own language."
    ),
)


class PublicAutoSchema(AutoSchema):
    def get_override_parameters(self):
        return [*super().get_override_parameters(), LANG_PARAMETER]


_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
ERROR_RESPONSES = {
    "400": (
        "The query parameters are not valid: each parameter names its problems.",
        {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    ),
    "404": ("Not found (or not published).", _DETAIL),
    "429": ("Too many requests: wait as long as the Retry-After header says.", _DETAIL),
}


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: document the 400, 404 and 429 responses."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["ValidationErrors"] = ERROR_RESPONSES["400"][1]
    schemas["ErrorDetail"] = _DETAIL
    refs = {"400": "ValidationErrors", "404": "ErrorDetail", "429": "ErrorDetail"}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for code, (description, _schema) in ERROR_RESPONSES.items():
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": f"#/components/schemas/{refs[code]}"}
                            }
                        },
                    },
                )
    return result
