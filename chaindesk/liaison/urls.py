from django.urls import path

from . import views, views_photos

app_name = "liaison"
urlpatterns = [
    path("", views.my_enterprises, name="mine"),
    path("next-steps/", views.next_steps, name="next_steps"),
    path("next-steps/<int:step_pk>/done/", views.next_step_done, name="next_step_done"),
    path("enterprises/<int:pk>/visits/", views.visit_list, name="visits"),
    path("enterprises/<int:pk>/visits/new/", views.visit_create, name="visit_create"),
    path("enterprises/<int:pk>/timeline/", views.timeline, name="timeline"),
    path("visits/<int:pk>/photos/", views_photos.visit_photos, name="visit_photos"),
    path("photos/<int:pk>/", views.visit_photo, name="visit_photo"),
    path("photos/<int:pk>/remove/", views_photos.visit_photo_remove, name="visit_photo_remove"),
    path("enterprises/<int:pk>/assign/", views.assign, name="assign"),
]
