"""Data-quality pages (included by the project at "quality/")."""

from django.urls import path

from dossier.quality import policy_views, views

app_name = "quality"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("stale/", views.stale, name="stale"),
    path("stale/tasks/", views.stale_tasks, name="stale_tasks"),
    path("policies/", policy_views.policy_list, name="policies"),
    path("policies/<slug:key>/", policy_views.policy_edit, name="policy"),
]
