"""Lists answer any ?page= with a page they can show: a number past the end gives the last page,
anything else that is not a page number (abc, 0, -1, 1.000) the first. Never a 404."""

from django.core.paginator import Page, Paginator


def page_or_nearest(paginator: Paginator, raw: object) -> Page:
    """The page asked for, or the nearest one there is."""
    text = str(raw or "").strip()
    if text == "last":
        return paginator.page(paginator.num_pages)
    number = int(text) if text.isascii() and text.isdigit() else 1
    return paginator.page(min(max(number, 1), paginator.num_pages))


class LenientPaginationMixin:
    """For ListView: `paginate_queryset` that never raises Http404 for a page number."""

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(  # type: ignore[attr-defined]
            queryset,
            page_size,
            orphans=self.get_paginate_orphans(),  # type: ignore[attr-defined]
            allow_empty_first_page=self.get_allow_empty(),  # type: ignore[attr-defined]
        )
        raw = self.kwargs.get(self.page_kwarg) or self.request.GET.get(self.page_kwarg)  # type: ignore[attr-defined]
        page = page_or_nearest(paginator, raw)
        return paginator, page, page.object_list, page.has_other_pages()
