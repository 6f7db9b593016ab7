from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """A paginator that stops counting at ``cap`` rows.

    Counting a million orders costs more than showing a page of them; a clerk never pages
    past the first hundreds anyway, and narrows the list with filters instead. Beyond the
    cap the page says “10,000+ 条”.
    """

    cap = 10_000

    @cached_property
    def count(self) -> int:
        # Unordered: how many rows (up to the cap) does not depend on their order, and without
        # the list's sort the database counts through the index of the filter instead of
        # walking the whole list in date order until it has seen cap + 1 matches.
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def is_capped(self) -> bool:
        return self.count > self.cap
