from django.urls import path, re_path
from django.views.decorators.http import require_safe

from . import downloads, entries, views
from .caching import cache_public_page
from .feeds import PlanProgressFeed

app_name = "public"

urlpatterns = [
    path("", views.home, name="home"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("privacy/", views.privacy, name="privacy"),
    path("organisations/", views.organisations, name="organisations"),
    path("organisations/<slug:slug>/", views.organisation, name="organisation"),
    path("plans/<slug:slug>/", views.plan, name="plan"),
    path("plans/<slug:slug>/goals/<int:number>/", views.goal, name="goal"),
    path("plans/<slug:slug>/goals/<int:number>/<str:code>/", views.subgoal, name="subgoal"),
    path("plans/<slug:slug>/indicators/<str:code>/", views.indicator, name="indicator"),
    path("plans/<slug:slug>/status/", views.status, name="status"),
    path("plans/<slug:slug>/signatories/", views.signatories, name="signatories"),
    path("plans/<slug:slug>/reports/", views.reports, name="reports"),
    path(
        "plans/<slug:slug>/reports/<int:pk>/download/",
        views.report_download,
        name="report-download",
    ),
    path(
        "plans/<slug:slug>/feed/", require_safe(cache_public_page(PlanProgressFeed())), name="feed"
    ),
    path("entries/", cache_public_page(entries.entry_list), name="entries"),
    re_path(
        r"^entries/download\.(?P<fmt>csv|xlsx|json)$",
        downloads.entries_download,
        name="entries-download",
    ),
]
