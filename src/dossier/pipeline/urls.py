"""Pipeline pages (included by the project at "pipeline/")."""

from django.urls import path

from dossier.pipeline import views

app_name = "pipeline"
urlpatterns = [
    path("", views.board, name="board"),
    path("opportunities/new/", views.create, name="create"),
    path("opportunities/<int:opportunity_id>/move/", views.move, name="move"),
]
