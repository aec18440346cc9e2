"""Every inbound message is triaged as it is stored, wherever it comes from (mail, the contact form, a customer
adding to their request, a callback request). Django's model signals are the registry here, as for insights:
triage stands above cases, so cases does not know it exists."""

from django.db.models.signals import post_save

from advocate.cases.models import Message

from .services import message_read


def _message_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        message_read(instance)


def connect() -> None:
    post_save.connect(_message_saved, sender=Message, dispatch_uid="triage.message_saved")
