from django.urls import path

from . import (
    views,
    views_metrics,  # metrics
    views_queues,  # queues
    views_team,  # the team's queue and the leaders' acts
)

app_name = "demands"
urlpatterns: list = [
    path("", views.demand_list_view, name="list"),
    path("export/", views.demand_export, name="export"),
    path("new/", views.demand_create, name="create"),
    path("triage/", views.triage_view, name="triage"),
    path("<int:pk>/", views.demand_detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", views.demand_action, name="action"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("enterprises/<int:pk>/", views.enterprise_tab, name="enterprise_tab"),
    path("metrics/", views_metrics.metrics_page, name="metrics"),  # metrics
    path("tasks/", views_queues.tasks, name="tasks"),  # queues
    path("tasks/export/", views_queues.tasks_export, name="tasks_export"),  # queues
    path("tasks/<int:pk>/", views_queues.task_detail, name="task_detail"),  # queues
    path("tasks/<int:pk>/sign/", views_queues.task_sign, name="task_sign"),  # queues
    path("tasks/<int:pk>/progress/", views_queues.task_progress, name="task_progress"),  # queues
    path("tasks/<int:pk>/extension/", views_queues.task_extension, name="task_extension"),  # queues
    path("tasks/<int:pk>/return/", views_queues.task_return, name="task_return"),  # queues
    path("tasks/<int:pk>/completion/", views_queues.task_completion, name="task_completion"),  # queues
    path("tasks/<int:pk>/extension/decide/", views_queues.decide_extension, name="task_decide_extension"),  # queues
    path("tasks/<int:pk>/completion/decide/", views_queues.decide_completion, name="task_decide_completion"),  # queues
    path("supervision/", views_queues.supervision, name="supervision"),  # queues
    path("cards/supervision/", views_queues.card_supervision, name="card_supervision"),  # queues
    path("cards/triage/", views_queues.card_triage, name="card_triage"),  # queues
    path("cards/department/", views_queues.card_department, name="card_department"),  # queues
    path("cards/liaison/", views_queues.card_liaison, name="card_liaison"),  # queues
    path("cards/district/", views_queues.card_district, name="card_district"),  # queues
    path("cards/enterprise/", views_queues.card_enterprise, name="card_enterprise"),  # queues
    path("team/", views_team.team_queue, name="team_queue"),  # team
    path("cards/team/", views_team.card_team_queue, name="card_team_queue"),  # team
    path("<int:pk>/instruct/", views_team.demand_instruct, name="instruct"),  # team
    path("tasks/<int:pk>/instruct/", views_team.task_instruct, name="task_instruct"),  # team
    path("tasks/<int:pk>/urge/", views_team.task_urge, name="task_urge"),  # team
]
