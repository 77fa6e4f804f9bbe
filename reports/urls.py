from django.urls import path

from . import views

app_name = "reports"

# The fixed prefixes come first, so a plan cannot shadow them.
urlpatterns = [
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/download/", views.job_download, name="job-download"),
    path("published/<int:pk>/download/", views.published_download, name="published-download"),
    path("<slug:slug>/<int:year>/", views.round_reports, name="round"),
]
