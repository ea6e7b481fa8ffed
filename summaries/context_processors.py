from django.http import HttpRequest

from summaries import selectors

# Set in the session when the reader asks for a file built by a task; while it is set, the
# navigation shows their files (queued, running, or ready and not yet downloaded). Everyone else's
# pages make no query for it.
FILES_WAITING = "release_files_waiting"


def release_files(request: HttpRequest) -> dict:
    """The reader's release files in the making or ready, for the navigation bar."""
    session = getattr(request, "session", None)
    user = getattr(request, "user", None)
    if session is None or not session.get(FILES_WAITING) or user is None:
        return {}
    if not user.is_authenticated:
        return {}
    waiting = selectors.release_files_waiting(user=user)
    if not waiting.ready and not waiting.busy:
        del session[FILES_WAITING]
        return {}
    return {"release_files_waiting": waiting}
