from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from workspace.sites import reporting_site

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
]

urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("coordination/", include("coordination.urls")),
    path("reports/", include("reports.urls")),
    path("report/", reporting_site.urls),
    path("", include("public.urls")),
)
