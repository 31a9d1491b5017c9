"""Segment and report pages (included by the project at "insights/")."""

from django.urls import path

from dossier.insights import threshold_views, views

app_name = "insights"
urlpatterns = [
    path("segments/", views.segment_list, name="segments"),
    path("segments/new/", views.edit, name="new"),
    path("segments/count/", views.count, name="count"),
    path("segments/row/", views.row, name="row"),
    path("segments/<int:segment_id>/", views.edit, name="edit"),
    path("segments/<int:segment_id>/delete/", views.delete, name="delete"),
    path("reports/", views.report_page, name="reports"),
    path("reports/<slug:key>.csv", views.report_csv, name="report_csv"),
    path("grades/thresholds/", threshold_views.threshold_page, name="thresholds"),
    path(
        "grades/thresholds/<str:scenario>/",
        threshold_views.threshold_update,
        name="threshold_update",
    ),
]
