"""Claims' panel on the order page: what can be reported now (or from when), and the requests already made."""

from advocate.commerce.panels import OrderPanel

from . import selectors


def _problems(request, order, now):
    if request.user.is_seller:
        return None  # sellers answer claims on their own pages
    return selectors.problem_panel(order, now)


PANEL = OrderPanel("claims.problems", "claims/_order_problems.html", _problems, order=20)
