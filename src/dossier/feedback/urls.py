"""Feedback and survey pages (included at "feedback/")."""

from django.urls import path

from dossier.feedback import views

app_name = "feedback"
urlpatterns = [
    path("", views.feedback_list, name="list"),
    path("<int:feedback_id>/", views.feedback_detail, name="detail"),
    path("<int:feedback_id>/status/", views.feedback_change, name="change"),
    path("surveys/", views.survey_list, name="surveys"),
    path("surveys/<int:survey_id>/", views.survey_results, name="survey"),
]
