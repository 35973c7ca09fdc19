from django.urls import path

from . import views

app_name = "chains"
urlpatterns = [
    path("", views.chain_list, name="list"),
    path("<int:pk>/", views.chain_detail, name="detail"),
    path("<int:pk>/map/", views.chain_map, name="map"),
    path("<int:pk>/gaps.xlsx", views.gaps_export, name="gaps_export"),
    path("<int:pk>/nodes/", views.nodes_edit, name="nodes_edit"),
    path("<int:pk>/nodes/add/", views.node_add_view, name="node_add"),
    path("<int:pk>/nodes/<int:node_pk>/", views.node_panel, name="node_panel"),
    path("<int:pk>/nodes/<int:node_pk>/rename/", views.node_rename_view, name="node_rename"),
    path("<int:pk>/nodes/<int:node_pk>/move/", views.node_move_view, name="node_move"),
    path("<int:pk>/nodes/<int:node_pk>/reorder/", views.node_reorder_view, name="node_reorder"),
    path("<int:pk>/nodes/<int:node_pk>/delete/", views.node_delete_view, name="node_delete"),
]
