from django.urls import path

from orgs import views

urlpatterns = [
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/new/", views.organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation_edit"),
    path("organisations/<int:pk>/members/new/", views.membership_add, name="membership_add"),
    path(
        "organisations/<int:pk>/members/<int:membership_pk>/remove/",
        views.membership_remove,
        name="membership_remove",
    ),
    path(
        "organisations/<int:pk>/members/<int:membership_pk>/invite/",
        views.membership_invite,
        name="membership_invite",
    ),
]
