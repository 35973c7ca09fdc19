app_name = "demands"
urlpatterns: list = []  # pages arrive with the demands views
