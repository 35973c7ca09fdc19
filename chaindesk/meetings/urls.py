from django.urls import path

from . import views, views_agenda, views_meetings

app_name = "meetings"
urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/decisions/new/", views.decision_add, name="decision_add"),
    path("decisions/<int:pk>/edit/", views.decision_edit, name="decision_edit"),
    path("decisions/<int:pk>/delete/", views.decision_delete, name="decision_delete"),
    path("decisions/<int:pk>/to-demand/", views.decision_to_demand, name="decision_to_demand"),
    path("<int:pk>/agenda/", views_agenda.agenda_page, name="agenda"),
    path("<int:pk>/agenda/draft/", views_agenda.agenda_draft, name="agenda_draft"),
    path("<int:pk>/agenda/add/", views_agenda.agenda_add, name="agenda_add"),
    path("agenda/<int:pk>/drop/", views_agenda.agenda_drop, name="agenda_drop"),
    path("agenda/<int:pk>/restore/", views_agenda.agenda_restore, name="agenda_restore"),
    path("agenda/<int:pk>/move/", views_agenda.agenda_move, name="agenda_move"),
    path("agenda/<int:pk>/note/", views_agenda.agenda_note, name="agenda_note"),
    path("new/", views_meetings.meeting_create, name="create"),
    path("options/<slug:kind>/", views_meetings.row_options, name="row_options"),
    path("<int:pk>/edit/", views_meetings.meeting_edit, name="edit"),
    path("<int:pk>/delete/", views_meetings.meeting_delete, name="delete"),
    path("export/", views_meetings.meeting_export, name="export"),
    path("attachments/<int:pk>/", views_meetings.attachment_download, name="attachment"),
    path("photos/<int:pk>/", views_meetings.site_visit_photo, name="site_visit_photo"),
    path("calendar/", views_meetings.calendar_feed, name="calendar"),
    path("calendar/<slug:token>.ics", views_meetings.calendar_ics, name="ics"),
]
