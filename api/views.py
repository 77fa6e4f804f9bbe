"""The open data API: read-only, public plans and published entries only.

Each viewset starts from a public queryset (`Plan.objects.public()`, `published_entries()`), so
nothing unpublished can be reached by any filter or id. Every list and detail runs a fixed number
of queries (select_related / prefetch_related below).
"""

import re

from django.db.models import F, Prefetch, Q
from django.http import JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, routers, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer

from indicators.models import DisaggregationCategory, Goal, Indicator, Organisation, Plan, Subgoal
from public.caching import MARK as PUBLIC_CACHE_MARK
from public.filters import SLUG_PATTERN, EntryFilter, published_entries
from reporting.models import Example, ProgressValue, Reference

from . import filters, serializers
from .pagination import PublicPagination
from .schema import LANGUAGE_CODES, PublicAutoSchema
from .throttling import PublicAnonThrottle

_SLUG_CHARACTERS = re.compile(SLUG_PATTERN.strip("^$"))
_INTEGER = re.compile(r"[-+]?[0-9]+")
SLUG_PATH = OpenApiParameter("slug", OpenApiTypes.STR, OpenApiParameter.PATH, pattern=SLUG_PATTERN)


class PublicReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    # Public data: no login, so no session or password is ever sent for it.
    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [PublicAnonThrottle]
    pagination_class = PublicPagination
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]
    schema = PublicAutoSchema()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # The portal's form sends empty fields for "any"; an API client names only what it wants,
        # so an empty value is a mistake (and not what the schema allows).
        empty = {
            name: [_("This parameter may not be empty.")]
            for name, values in request.query_params.lists()
            if "" in values
        }
        if empty:
            raise ValidationError(empty)
        language = request.query_params.get("lang")
        if language is not None and language not in LANGUAGE_CODES:
            raise ValidationError(
                {"lang": [_("Use one of: %(codes)s.") % {"codes": ", ".join(LANGUAGE_CODES)}]}
            )

    def dispatch(self, request, *args, **kwargs):
        # ?lang= wins over Accept-Language for this request only (an invalid one is refused in
        # initial()).
        language = request.GET.get("lang")
        if language not in LANGUAGE_CODES:
            return super().dispatch(request, *args, **kwargs)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            return super().dispatch(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Language"] = translation.get_language()
        # Public data: PublicCacheMiddleware may answer the same request from the cache (a hit
        # costs next to nothing, so it is not counted by the throttle).
        setattr(response, PUBLIC_CACHE_MARK, True)
        return response

    def get_object(self):
        # A malformed id or slug is a 400 and an impossible one (too long, too large) a 404;
        # neither reaches the database, where a NUL byte or an oversized number is an error.
        name = self.lookup_url_kwarg or self.lookup_field
        value = self.kwargs.get(name, "")
        if self.lookup_field == "slug":
            if not _SLUG_CHARACTERS.fullmatch(value):
                raise ValidationError({name: [_("Enter a valid slug.")]})
            if len(value) > 80:
                raise NotFound
        else:
            if not _INTEGER.fullmatch(value):
                raise ValidationError({name: [_("Enter a whole number.")]})
            if len(value) > 20 or not 0 < int(value) < 2**63:
                raise NotFound
        return super().get_object()


@extend_schema_view(
    list=extend_schema(summary="List the public action plans"),
    retrieve=extend_schema(summary="One action plan", parameters=[SLUG_PATH]),
)
class PlanViewSet(PublicReadOnlyViewSet):
    serializer_class = serializers.PlanSerializer
    lookup_field = "slug"
    queryset = Plan.objects.public().order_by("country", "-first_year", "slug")


@extend_schema_view(
    list=extend_schema(summary="List the strategic goals of public plans"),
    retrieve=extend_schema(summary="One strategic goal"),
)
class GoalViewSet(PublicReadOnlyViewSet):
    serializer_class = serializers.GoalSerializer
    filterset_class = filters.GoalFilter
    queryset = (
        Goal.objects.filter(plan__in=Plan.objects.public())
        .select_related("plan")
        .order_by("plan__slug", "number")
    )


@extend_schema_view(
    list=extend_schema(summary="List the subgoals of public plans"),
    retrieve=extend_schema(summary="One subgoal"),
)
class SubgoalViewSet(PublicReadOnlyViewSet):
    serializer_class = serializers.SubgoalSerializer
    filterset_class = filters.SubgoalFilter
    queryset = (
        Subgoal.objects.filter(goal__plan__in=Plan.objects.public())
        .select_related("goal__plan")
        .order_by("goal__plan__slug", "goal__number", "position", "number")
    )


@extend_schema_view(
    list=extend_schema(summary="List the indicators of public plans"),
    retrieve=extend_schema(summary="One indicator, with its disaggregation categories"),
)
class IndicatorViewSet(PublicReadOnlyViewSet):
    serializer_class = serializers.IndicatorSerializer
    filterset_class = filters.IndicatorFilter
    queryset = (
        Indicator.objects.filter(plan__in=Plan.objects.public())
        .select_related("plan", "goal", "subgoal")
        .prefetch_related(
            Prefetch(
                "categories",
                queryset=DisaggregationCategory.objects.order_by("position", "code"),
            )
        )
        .order_by(
            "plan__slug",
            "goal__number",
            F("subgoal__position").asc(nulls_first=True),
            "position",
            "code",
        )
    )


@extend_schema_view(
    list=extend_schema(summary="List the organisations of public plans"),
    retrieve=extend_schema(summary="One organisation", parameters=[SLUG_PATH]),
)
class OrganisationViewSet(PublicReadOnlyViewSet):
    serializer_class = serializers.OrganisationSerializer
    filterset_class = filters.OrganisationFilter
    lookup_field = "slug"
    queryset = Organisation.objects.filter(
        Q(pk__in=Organisation.objects.filter(participations__plan__in=Plan.objects.public()))
        | Q(pk__in=published_entries().values("organisation"))
    ).order_by("slug")


@extend_schema_view(
    list=extend_schema(
        summary="List published progress entries",
        description=(
            "The same filters as the portal's entry page and its downloads. Only published "
            "entries of public plans."
        ),
    ),
    retrieve=extend_schema(summary="One published progress entry"),
)
class EntryViewSet(PublicReadOnlyViewSet):
    serializer_class = serializers.EntrySerializer
    filterset_class = EntryFilter

    def get_queryset(self):
        return (
            published_entries()
            .select_related("round__plan", "goal__plan", "subgoal", "indicator", "organisation")
            .prefetch_related(
                Prefetch(
                    "values",
                    queryset=ProgressValue.objects.select_related("category").order_by(
                        F("category__position").asc(nulls_first=True), "category__code"
                    ),
                ),
                Prefetch("examples", queryset=Example.objects.order_by("position", "pk")),
                Prefetch("references", queryset=Reference.objects.order_by("position", "pk")),
            )
        )


class PublicAPIRootView(routers.APIRootView):
    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [PublicAnonThrottle]


class PublicRouter(routers.DefaultRouter):
    APIRootView = PublicAPIRootView
    include_format_suffixes = False


def not_found(request, *args, **kwargs):
    """Unknown /api/ paths answer in JSON like the rest of the API."""
    return JsonResponse({"detail": _("Not found.")}, status=404)
