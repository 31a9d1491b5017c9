app_name = "templates"
urlpatterns: list = []
