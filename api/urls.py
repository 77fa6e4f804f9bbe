from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views

app_name = "api"

router = views.PublicRouter()
router.register("plans", views.PlanViewSet, basename="plan")
router.register("goals", views.GoalViewSet, basename="goal")
router.register("subgoals", views.SubgoalViewSet, basename="subgoal")
router.register("indicators", views.IndicatorViewSet, basename="indicator")
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("entries", views.EntryViewSet, basename="entry")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file, so no inline script is
    # needed (strict Content-Security-Policy); the UI itself comes from drf-spectacular-sidecar.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/docs.html"),
        name="docs",
    ),
    path("", include(router.urls)),
    re_path(r"^.*$", views.not_found),
]
