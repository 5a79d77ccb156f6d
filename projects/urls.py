from django.urls import path

from . import views

app_name = "projects"
urlpatterns = [
    path("", views.project_list, name="list"),
    path("board/", views.project_board, name="board"),
    path("board/column/", views.board_column, name="board_column"),
    path("new/", views.quick_lead, name="new"),
    path("new/investor-status/", views.quick_lead_investor_status, name="investor_status"),
    path("deleted/", views.deleted_list, name="deleted"),
    path("conflicts/", views.conflict_list, name="conflicts"),
    path("conflicts/<int:pk>/decide/", views.conflict_decide, name="conflict_decide"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/edit/", views.project_edit, name="edit"),
    path("<int:pk>/stage/", views.project_stage, name="stage"),
    path("<int:pk>/move/", views.project_move, name="move"),
    path("<int:pk>/follow-ups/", views.project_followup, name="followup"),
    path("<int:pk>/money/", views.project_money, name="money"),
    path("<int:pk>/delete/", views.project_delete, name="delete"),
    path("<int:pk>/restore/", views.project_restore, name="restore"),
]
