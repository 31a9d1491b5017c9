"""Follow-up pages (included by the project at "tasks/")."""

from django.urls import path

from dossier.followups import views

app_name = "followups"
urlpatterns = [
    path("", views.my_tasks, name="my_tasks"),
    path("<int:task_id>/complete/", views.complete, name="complete"),
    path("<int:task_id>/reopen/", views.reopen, name="reopen"),
    path("new/<uuid:customer_id>/", views.create, name="create"),
]
