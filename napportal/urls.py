from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from operations import views as operations_views
from workspace.sites import reporting_site

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    # For load balancers and monitoring: no language prefix, no redirect, never cached.
    path("health/", operations_views.health, name="health"),
    # The open data API has no language prefix: ?lang= or Accept-Language chooses the language.
    path("api/", include("api.urls")),
]

urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("coordination/", include("coordination.urls")),
    path("reports/", include("reports.urls")),
    path("report/", reporting_site.urls),
    path("", include("public.urls")),
)

# A database outage outside a view still gets the 503 page (operations/views.py).
handler500 = "operations.views.server_error"
