"""Cleaning pages (included by the project at "cleaning/")."""

from django.urls import path

from dossier.cleaning import views

app_name = "cleaning"
urlpatterns = [
    path("", views.runs, name="runs"),
    path("start/", views.start, name="start"),
    path("<int:run_id>/", views.run, name="run"),
    path("<int:run_id>/decide/", views.decide, name="decide"),
]
