from django.urls import path

from . import views, views_progress  # progress: views_progress

app_name = "projects"
urlpatterns = [
    path("", views.project_list_view, name="list"),
    path("options/", views.project_options, name="options"),
    path("export/", views.project_export, name="export"),
    path("new/", views.project_create, name="create"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/edit/", views.project_edit, name="edit"),
    path("<int:pk>/transition/", views.project_transition, name="transition"),
    path("<int:pk>/lines/new/", views.line_add, name="line_add"),
    path("<int:pk>/lines/<int:line_pk>/delete/", views.line_remove, name="line_remove"),
    path("investment/", views_progress.investment_page, name="investment"),  # progress
    path("investment/export/", views_progress.investment_export, name="investment_export"),  # progress
    path("<int:pk>/investment/", views_progress.investment_panel, name="investment_panel"),  # progress
    path("<int:pk>/investment/plan/", views_progress.investment_plan_set, name="investment_plan"),  # progress
    path("<int:pk>/investment/report/", views_progress.investment_report_submit, name="investment_report"),  # progress
    path("enterprises/<int:pk>/", views_progress.enterprise_tab, name="enterprise_tab"),  # progress
    path("chains/<int:pk>/cycle/", views_progress.chain_cycle_page, name="chain_cycle"),  # progress
    path("talents/<int:pk>/", views_progress.talent_tab, name="talent_tab"),  # progress
]
