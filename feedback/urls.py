from django.urls import path

from feedback import gathering_views, views
from innopraksis import converters  # noqa: F401  (registers <ref:…>)

urlpatterns = [
    path("gatherings/", gathering_views.gathering_list, name="gathering_list"),
    path("gatherings/new/", gathering_views.gathering_create, name="gathering_create"),
    path("gatherings/<ref:pk>/", gathering_views.gathering_detail, name="gathering_detail"),
    path("gatherings/<ref:pk>/edit/", gathering_views.gathering_edit, name="gathering_edit"),
    path("gatherings/<ref:pk>/attendance/", gathering_views.gathering_attendance, name="gathering_attendance"),
    path("gatherings/<ref:pk>/experiences/", gathering_views.experience_overview, name="experience_overview"),
    path("gatherings/<ref:pk>/experiences/new/", gathering_views.experience_create, name="experience_create"),
    path("gatherings/<ref:pk>/write-up/", gathering_views.report_edit, name="report_edit"),
    path("write-ups/", gathering_views.report_library, name="report_library"),
    path("write-ups/<ref:pk>/", gathering_views.report_detail, name="report_detail"),
    path("write-ups/<ref:pk>/print/", gathering_views.report_print, name="report_print"),
    path("dashboard/", views.dashboard_view, name="dashboard"),
    path("dashboard/export.csv", views.dashboard_export, name="dashboard_export"),
    path("organisations/<int:pk>/dashboard/", views.organisation_dashboard, name="organisation_dashboard"),
    path("placements/<ref:pk>/checkins/", views.checkin_list, name="checkin_list"),
    path("placements/<ref:pk>/checkins/<ref:checkin_pk>/", views.checkin_detail, name="checkin_detail"),
    path("placements/<ref:pk>/messages/", views.conversation_page, name="conversation"),
    path("placements/<ref:pk>/followups/new/", views.followup_create, name="followup_create"),
    path("placements/<ref:pk>/remind/", views.reminder_send, name="reminder_send"),
    path("placements/<ref:pk>/evaluations/<slug:kind>/", views.evaluation_detail, name="evaluation_detail"),
]
