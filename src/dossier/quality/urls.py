"""Data-quality pages (included by the project at "quality/")."""

from django.urls import path

from dossier.quality import views

app_name = "quality"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("stale/", views.stale, name="stale"),
    path("stale/tasks/", views.stale_tasks, name="stale_tasks"),
]
