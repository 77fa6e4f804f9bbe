from django.urls import path

from . import views

app_name = "coordination"

round_ = "<slug:slug>/<int:year>/"
entry = round_ + "review/<int:pk>/"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.plan_overview, name="plan"),
    path(round_ + "state/", views.set_round_state, name="round-state"),
    path(round_ + "publication/", views.schedule_publication, name="publication"),
    path(round_ + "review/", views.review_queue, name="queue"),
    path(entry, views.review, name="review"),
    path(entry + "comment/", views.add_comment, name="comment"),
    path(entry + "return/", views.return_entry, name="return"),
    path(entry + "approve/", views.approve_entry, name="approve"),
    path(entry + "lock-exception/", views.grant_lock_exception, name="lock-exception"),
    path(entry + "diff/", views.diff, name="diff"),
    path(round_ + "dashboard/", views.dashboard, name="dashboard"),
    path(
        round_ + "dashboard/<int:organisation>/<int:goal>/",
        views.dashboard_cell,
        name="dashboard-cell",
    ),
]
