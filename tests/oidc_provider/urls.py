from django.contrib.auth.views import LoginView
from django.http import HttpResponse
from django.urls import include, path


def home(request):
    """Where a sign-in without a destination lands."""
    if request.user.is_authenticated:
        return HttpResponse(f"Signed in as {request.user.username}.", content_type="text/plain")
    return HttpResponse("Not signed in.", content_type="text/plain")


urlpatterns = [
    path("", home, name="home"),
    path("login/", LoginView.as_view(template_name="login.html"), name="login"),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
]
