from django.urls import path

from innopraksis import converters  # noqa: F401  (registers <ref:…>)
from students import agreement_views, onboarding_views, views

urlpatterns = [
    path("cohorts/", views.cohort_list, name="cohort_list"),
    path("cohorts/new/", views.cohort_create, name="cohort_create"),
    path("cohorts/<int:pk>/", views.cohort_detail, name="cohort_detail"),
    path("cohorts/<int:pk>/edit/", views.cohort_edit, name="cohort_edit"),
    path("cohorts/<int:pk>/onboarding/", onboarding_views.cohort_onboarding, name="cohort_onboarding"),
    path("students/", views.student_list, name="student_list"),
    path("students/new/", views.student_create, name="student_create"),
    path("students/<int:pk>/", views.student_detail, name="student_detail"),
    path("students/<int:pk>/edit/", views.student_edit, name="student_edit"),
    path("students/<int:pk>/invite/", views.student_invite, name="student_invite"),
    path("placements/", views.placement_list, name="placement_list"),
    path("placements/new/", views.placement_create, name="placement_create"),
    path("placements/<ref:pk>/", views.placement_detail, name="placement_detail"),
    path("placements/<ref:pk>/edit/", views.placement_edit, name="placement_edit"),
    path("placements/<ref:pk>/transition/", views.placement_transition, name="placement_transition"),
    path("placements/<ref:pk>/cancel/", views.placement_cancel, name="placement_cancel"),
    path("placements/<ref:pk>/agreement/", agreement_views.agreement_detail, name="agreement_detail"),
    path("placements/<ref:pk>/agreement/sign/", agreement_views.agreement_sign, name="agreement_sign"),
    path("placements/<ref:pk>/agreement/review/", agreement_views.agreement_review, name="agreement_review"),
    path("placements/<ref:pk>/agreement/print/", agreement_views.agreement_print, name="agreement_print"),
    path(
        "placements/<ref:pk>/agreement/versions/<int:number>/",
        agreement_views.agreement_version,
        name="agreement_version",
    ),
    path("placements/<ref:pk>/agreement/<slug:side>/", agreement_views.agreement_part, name="agreement_part"),
    path(
        "placements/<ref:pk>/agreement/<slug:side>/<slug:step>/",
        agreement_views.agreement_step,
        name="agreement_step",
    ),
    path("placements/<ref:pk>/onboarding/", onboarding_views.onboarding_checklist, name="onboarding_checklist"),
    path("placements/<ref:pk>/onboarding/new/", onboarding_views.onboarding_item_add, name="onboarding_item_add"),
    path("placements/<ref:pk>/question-time/", onboarding_views.office_hour_edit, name="office_hour_edit"),
    path("import/", views.import_start, name="import_start"),
    path("import/<int:pk>/", views.import_preview, name="import_preview"),
    path("import/template/<str:kind>.csv", views.import_template, name="import_template"),
]
