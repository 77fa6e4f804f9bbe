import re

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

MAX_PAGE = 1_000_000
_WHOLE_NUMBER = re.compile(r"[0-9]{1,7}")


class PublicPagination(PageNumberPagination):
    """Page-number pagination that refuses a malformed `page` or `page_size` with a 400
    instead of silently using a default; a page past the end is a 404."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def _number(self, request, name: str, maximum: int) -> int | None:
        raw = request.query_params.get(name)
        if raw is None:
            return None
        if not _WHOLE_NUMBER.fullmatch(raw) or not 1 <= int(raw) <= maximum:
            raise ValidationError(
                {name: [_("Enter a whole number from 1 to %(max)s.") % {"max": maximum}]}
            )
        return int(raw)

    def get_page_size(self, request):
        return self._number(request, self.page_size_query_param, self.max_page_size) or (
            self.page_size
        )

    def get_page_number(self, request, paginator):
        return self._number(request, self.page_query_param, MAX_PAGE) or 1

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": str(_("A page number within the paginated result set.")),
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": str(_("Number of results to return per page.")),
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
