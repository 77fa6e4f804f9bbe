from reporting.access import access_for


def work_links(request):
    """Which work areas the signed-in user may enter, for the site header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    access = access_for(user)
    return {
        "can_report": bool(access.organisations()),
        "can_coordinate_any": bool(access.coordinated_plans or access.board_plans),
    }
