"""The demo marketplace's ground truth."""

from django.db import models


class DemoScenario(models.Model):
    """What was planned to go wrong with an order of the generated demo marketplace.

    Only the demo generator writes it; benchmarks read it to know which orders are problem orders.
    """

    order = models.OneToOneField("commerce.Order", primary_key=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32, db_index=True)
