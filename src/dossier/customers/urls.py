"""Customer and tag pages."""

from django.urls import path

from dossier.customers import list_views, profile_migrations, views

app_name = "customers"
urlpatterns = [
    path("", list_views.customer_list, name="list"),
    path("customers/", list_views.customer_list, name="list"),
    path("customers/new/", views.template_picker, name="new"),
    path("customers/pick/", views.customer_pick, name="pick"),
    path("customers/new/<slug:template_key>/", views.customer_create, name="create"),
    path("customers/trash/", views.customer_trash, name="trash"),
    path("customers/<uuid:customer_id>/", views.customer_detail, name="detail"),
    path("customers/<uuid:customer_id>/reveal/", views.customer_reveal, name="reveal"),
    path("customers/<uuid:customer_id>/edit/", views.customer_edit, name="edit"),
    path("customers/<uuid:customer_id>/delete/", views.customer_delete, name="delete"),
    path("customers/<uuid:customer_id>/restore/", views.customer_restore, name="restore"),
    # moving a template's customers to its current version (beside the template's pages)
    path("templates/<slug:key>/migrate/", profile_migrations.migrate, name="template_migrate"),
    path(
        "templates/<slug:key>/migrations/<int:migration_id>/",
        profile_migrations.migration,
        name="template_migration",
    ),
    path("tags/", views.tag_list, name="tags"),
    path("tags/<int:tag_id>/", views.tag_update, name="tag_update"),
    path("tags/<int:tag_id>/delete/", views.tag_delete, name="tag_delete"),
]
