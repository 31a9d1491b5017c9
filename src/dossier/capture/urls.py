"""Capture-form pages (included by the project at the root: /capture/… staff, /f/… public)."""

from django.urls import path

from dossier.capture import views

app_name = "capture"
urlpatterns = [
    path("capture/", views.form_list, name="list"),
    path("capture/new/", views.form_new, name="new"),
    path("capture/<slug:slug>/", views.form_edit, name="edit"),
    path("capture/<slug:slug>/active/", views.form_active, name="active"),
    path("capture/<slug:slug>/qr.svg", views.form_qr, name="qr"),
    path("f/<slug:slug>/", views.public_form, name="public"),
    path("f/<slug:slug>/code/<uuid:token>/", views.public_code, name="code"),
    path("f/<slug:slug>/thanks/", views.public_thanks, name="thanks"),
]
