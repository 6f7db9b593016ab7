from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from orders.selectors import order_queue_for_user


@login_required
def home(request):
    """My queue: the orders waiting for an action of my roles, 加急 and oldest first."""
    queue = order_queue_for_user(request.user)
    page = Paginator(queue, 25).get_page(request.GET.get("page"))
    return render(request, "portal/home.html", {"page": page})
