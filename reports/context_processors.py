from reports.selectors import unread_notification_count


def navigation(request):
    """The signed-in user's roles and unread notifications, for the navigation bar."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_roles": set()}
    return {
        "user_roles": user.roles(),
        "unread_notifications": unread_notification_count(user=user),
    }
