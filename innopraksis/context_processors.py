from innopraksis import access


def navigation(request):
    """The roles a signed-in person holds and the one they act in, for the navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"user_roles": access.roles_of(user), "active_role": access.active_role(request)}
