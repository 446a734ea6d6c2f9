from django.urls import path

from feedback import views

urlpatterns = [
    path("dashboard/", views.dashboard_view, name="dashboard"),
    path("dashboard/export.csv", views.dashboard_export, name="dashboard_export"),
    path("organisations/<int:pk>/dashboard/", views.organisation_dashboard, name="organisation_dashboard"),
    path("placements/<int:pk>/checkins/", views.checkin_list, name="checkin_list"),
    path("placements/<int:pk>/checkins/<int:checkin_pk>/", views.checkin_detail, name="checkin_detail"),
    path("placements/<int:pk>/followups/new/", views.followup_create, name="followup_create"),
    path("placements/<int:pk>/evaluations/<slug:kind>/", views.evaluation_detail, name="evaluation_detail"),
]
