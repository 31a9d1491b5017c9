"""Duplicate pages (included by the project at "duplicates/")."""

from django.urls import path

from dossier.matching import views

app_name = "matching"
urlpatterns = [
    path("", views.review_queue, name="queue"),
    path("scan/", views.scan, name="scan"),
    path("<int:group_id>/", views.group, name="group"),
    path("<int:group_id>/merge/", views.merge, name="merge_group"),
    path("<int:group_id>/dismiss/", views.dismiss, name="dismiss"),
    path("merges/<int:merge_id>/", views.merge_detail, name="merge"),
    path("merges/<int:merge_id>/undo/", views.undo, name="undo"),
]
