"""Template pages under /templates/."""

from django.urls import path

from dossier.templates import views

app_name = "templates"
urlpatterns = [
    path("", views.template_list, name="list"),
    path("<slug:key>/", views.detail, name="detail"),
    path("<slug:key>/edit/", views.edit, name="edit"),
    path("<slug:key>/clone/", views.clone, name="clone"),
    path("<slug:key>/archive/", views.archive, name="archive"),
    path("<slug:key>/versions/<int:number>/", views.version, name="version"),
]
