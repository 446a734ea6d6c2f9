from innopraksis import access, second_factor


def navigation(request):
    """The roles a signed-in person holds and the one they act in, for the navigation; and whether they must
    set up a second factor before anything else opens."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "user_roles": access.roles_of(user),
        "active_role": access.active_role(request),
        "must_set_up": second_factor.must_set_up_second_factor(user),
    }
