"""The request type of the portal's pages, for type checking.

`LoginRequiredMiddleware` sends anonymous visitors to the login page, so every view not marked
`login_not_required` sees a logged-in `User`. Views say so with `request: AuthenticatedHttpRequest`
(on the class, for class-based views), instead of narrowing `request.user` at each use.
"""

from django.http import HttpRequest

from portal.models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User
