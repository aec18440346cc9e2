"""Thin HTML views: a seller's account health and the orders behind each figure; buyers rating sellers;
operators' marketplace-wide view and targets."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from advocate.accounts.decorators import operator_required, seller_required
from advocate.commerce import selectors as commerce_selectors
from advocate.commerce.selectors import buyer_alias
from advocate.core.web import attempt_on_form
from advocate.trust import selectors as trust_selectors

from . import health, selectors, services
from .forms import RatingForm, TargetForm
from .models import METRIC_LABELS, HealthTarget, Rating


@seller_required
def seller_health(request):
    seller = request.user.seller
    return render(request, "sellers/health.html", {
        **selectors.dashboard(seller, timezone.now().date()), "standing": trust_selectors.seller_standing(seller)})


@seller_required
def seller_health_orders(request, metric: str):
    if metric not in health.Metric.__members__.values():
        raise Http404("No such figure")
    seller, metric = request.user.seller, health.Metric(metric)
    orders = selectors.orders_behind(seller, metric, timezone.now().date())
    for order in orders:
        order.alias = buyer_alias(order)
    return render(request, "sellers/health_orders.html", {"metric": metric, "label": METRIC_LABELS[metric],
                                                          "orders": orders})


@login_required
def rate(request, external_id: str):
    """A buyer rates the seller of one of their orders."""
    if not request.user.is_customer:
        raise Http404("No such page")
    order = commerce_selectors.order_detail(request.user, external_id)
    existing = Rating.objects.filter(order=order).first()
    form = RatingForm(request.POST or None,
                      initial={"stars": existing.stars, "comment": existing.comment_original} if existing else None)
    if request.method == "POST" and form.is_valid() and attempt_on_form(form, lambda: services.rating_save(
            order=order, customer=order.customer, stars=form.cleaned_data["stars"],
            comment=form.cleaned_data["comment"])):
        messages.success(request, _("Thank you. Your rating helps other buyers and keeps sellers to our standard."))
        return redirect("order_detail", external_id)
    return render(request, "sellers/rate.html", {"order": order, "form": form})


@operator_required
def marketplace_health(request):
    today = timezone.now().date()
    chosen = selectors.targets()
    forms = {metric: TargetForm(prefix=metric.value, instance=HealthTarget.objects.filter(metric=metric).first()
                                or HealthTarget.default(metric)) for metric in health.Metric}
    if request.method == "POST":
        if request.POST.get("metric") not in health.Metric.__members__.values():
            raise Http404("No such figure")
        metric = health.Metric(request.POST["metric"])
        form = TargetForm(request.POST, prefix=metric.value, instance=forms[metric].instance)
        if form.is_valid():
            form.save()
            messages.success(request, _("Target saved."))
            return redirect("marketplace_health")
        forms[metric] = form
    return render(request, "sellers/marketplace.html", {
        "rows": selectors.marketplace(today), "metrics": [(m, METRIC_LABELS[m], chosen[m]) for m in health.Metric],
        "forms": [(m, METRIC_LABELS[m], forms[m]) for m in health.Metric]})
