from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


def request_language(request) -> str:
    """A signed-in user's saved language wins; then the language cookie; then Norwegian.

    The browser's Accept-Language is not used: the portal is Norwegian unless
    a person chooses English.
    """
    available = {code for code, _name in settings.LANGUAGES}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.language in available:
        return user.language
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if cookie in available:
        return cookie
    return settings.LANGUAGE_CODE


class LanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response
