"""A reply to a statement of reasons, from the address it was sent to, is an appeal — free, by email, as the
statement says. Registered with notifications' reply handlers; the statement's email keys are trust's own
(`action:<reference>:taken:<n>`)."""

from advocate.core.errors import Refused
from advocate.notifications.replies import Reply, ReplyHandler, Routing

from .models import AccountAction
from .services import appeal_file


def _appeal_by_reply(reply: Reply) -> Routing | None:
    reference = reply.email.key.split(":")[1]
    action = AccountAction.objects.filter(reference=reference).select_related("seller", "customer").first()
    if action is None:
        return None
    try:
        appeal_file(action=action, statement=reply.text, channel="email", now=reply.received_at)
    except Refused:
        pass  # an appeal already open, or the time to appeal has passed: a person reads the mail anyway
    return Routing(team="trust", note=f"Appeal against {action.reference}")


HANDLER = ReplyHandler("trust.appeal_by_reply", "action:", _appeal_by_reply)
