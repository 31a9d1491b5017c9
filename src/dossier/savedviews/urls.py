"""The saved-view and list-preference forms (included by the project at the root)."""

from django.urls import path

from dossier.savedviews import views

app_name = "savedviews"
urlpatterns = [
    path("saved-views/", views.save, name="save"),
    path("saved-views/<int:view_id>/delete/", views.delete, name="delete"),
    path("saved-views/<int:view_id>/default/", views.default, name="default"),
    path("list-preferences/<slug:list_name>/", views.preferences, name="preferences"),
]
