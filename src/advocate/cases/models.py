"""Conversations with customers: the email (and contact-form) messages in them, what associates did there,
and the personal notes that help a person make a real connection.

Rows change only through `services`; models hold no workflow.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from advocate.commerce.models import Customer, Order
from advocate.core.reasons import ContactReason


class Queue(models.TextChoices):
    """Where a conversation waits: everyone's queue, or a specialist team's after an escalation."""

    GENERAL = "general", _("Everyone")
    REFUNDS = "refunds", _("Refunds and large amounts")
    DELIVERY = "delivery", _("Delivery and carriers")
    PAYMENTS = "payments", _("Payments and accounts")
    SELLERS = "sellers", _("Marketplace sellers")
    TRUST = "trust", _("Trust and safety")


class ConversationState(models.TextChoices):
    OPEN = "open", _("Waiting for us")
    SCHEDULED = "scheduled", _("Callback booked")
    WAITING = "waiting", _("Waiting for the customer")
    RESOLVED = "resolved", _("Resolved")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    WEB = "web", _("Contact form")
    PHONE = "phone", _("Callback")


class Conversation(models.Model):
    """Everything said with one customer about one matter. A customer's later reply reopens it."""

    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="conversations", help_text=_("Unknown senders have none."))
    email = models.EmailField(help_text=_("The address we answer."))
    name = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=300)
    language = models.CharField(max_length=12, default="en")
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="conversations")
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.EMAIL)
    state = models.CharField(max_length=10, choices=ConversationState.choices, default=ConversationState.OPEN)
    queue = models.CharField(max_length=12, choices=Queue.choices, default=Queue.GENERAL)
    escalation_reason = models.CharField(max_length=500, blank=True)
    reason = models.CharField(max_length=24, choices=ContactReason.choices, blank=True,
                              help_text=_("Why they contacted us: counted so the cause can be removed."))
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    waiting_since = models.DateTimeField(null=True, blank=True,
                                         help_text=_("Since when the customer has been waiting for us."))
    resolved_at = models.DateTimeField(null=True, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", help_text=_("The associate who has it; nobody yet when empty."))

    class Meta:
        indexes = [
            # The queue page: open conversations of one queue, longest-waiting first, and counts per queue. Not
            # a partial index (WHERE state = 'open'): SQLite cannot use one when the state is a bound parameter.
            models.Index(fields=["state", "queue", "waiting_since"], name="conversation_queue"),
            models.Index(fields=["customer", "-updated_at"]),
            models.Index(fields=["email", "-updated_at"]),
            models.Index(fields=["resolved_at"]),
            # "Mine" in the queue, and how many open conversations each associate has (round-robin).
            models.Index(fields=["owner", "state"], name="conversation_owner"),
            # Search results, latest activity first: for a common word the database walks this and stops after
            # a page instead of sorting every match.
            models.Index(fields=["-updated_at", "-id"], name="conversation_latest"),
        ]

    def __str__(self):
        return self.subject


class Direction(models.TextChoices):
    IN = "in", _("From the customer")
    OUT = "out", _("To the customer")
    NOTE = "note", _("Internal note")


AUTOMATIC_ANSWER = "answer"  # Message.automatic of our own automatic answer (the customer sees it)


class Message(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=4, choices=Direction.choices)
    # Every email we receive or send, once; notes have none. Threading looks replies up by it.
    message_id = models.CharField(max_length=250, null=True, blank=True, unique=True)
    references = models.TextField(blank=True, help_text=_("The thread's Message-IDs, oldest first, space-separated."))
    from_email = models.EmailField(blank=True)
    from_name = models.CharField(max_length=200, blank=True)
    cc = models.TextField(blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(help_text=_("What the person wrote, without the quoted history."))
    full_text = models.TextField(blank=True, help_text=_("The whole text, quoted history included."))
    automatic = models.CharField(
        max_length=12, blank=True,
        help_text=_("From the customer: auto_reply, bounce or list, never answered. From us: answer, our automatic "
                    "answer."))
    thread_rule = models.CharField(
        max_length=16, blank=True,
        help_text=_("How a mail joined the conversation: in_reply_to, references, address, subject or bounce."))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    email = models.ForeignKey("notifications.OutboundEmail", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    after_hint = models.BooleanField(
        default=False, help_text=_("Sent from the contact form after it showed the likely answer: that was not "
                                   "enough, so a person answers."))
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["conversation", "created_at"])]


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveIntegerField()
    file = models.FileField(upload_to="mail/%Y/%m/")
    content_id = models.CharField(max_length=250, blank=True)
    inline = models.BooleanField(default=False)


class InboundOutcome(models.TextChoices):
    NEW = "new", _("Started a conversation")
    JOINED = "joined", _("Joined a conversation")
    AUTOMATIC = "automatic", _("Automatic mail, not answered")
    OWN = "own", _("Our own mail, come back: not answered")


class InboundMail(models.Model):
    """Every email received, once, exactly as it arrived. The Message-ID with the digest of what the mail says
    is unique: fetching the same mailbox twice, or the same mail arriving by IMAP and by SMTP, changes nothing,
    while a different mail that reuses a Message-ID (some phones mint one per minute) is still kept."""

    message_id = models.CharField(max_length=250)
    content_hash = models.CharField(
        max_length=64, blank=True,
        help_text=_("Digest of sender, subject, text and attachments; empty for mail received before it was kept."))
    reused_message_id = models.BooleanField(
        default=False, help_text=_("An earlier, different mail carried the same Message-ID."))
    source = models.CharField(max_length=40)
    sender = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    raw = models.FileField(upload_to="mail/raw/%Y/%m/")
    outcome = models.CharField(max_length=10, choices=InboundOutcome.choices)
    automatic = models.CharField(max_length=12, blank=True)
    conversation = models.ForeignKey(Conversation, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    thread_rule = models.CharField(
        max_length=16, blank=True,
        help_text=_("How it found its conversation: in_reply_to, references, address, subject or bounce."))
    received_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message_id", "content_hash"], name="inbound_mail_once")]


class MailboxCursor(models.Model):
    """How far an IMAP mailbox has been read: UIDs are only comparable within one UIDVALIDITY."""

    mailbox = models.CharField(max_length=300, unique=True)
    uid_validity = models.BigIntegerField(default=0)
    last_uid = models.BigIntegerField(default=0)
    polled_at = models.DateTimeField(null=True, blank=True)


class Answer(models.Model):
    """A consistent answer to a routine question, in one language; `family` ties its translations together.
    Inserted into a reply and then edited freely: a starting point, never a script."""

    family = models.SlugField(max_length=64, help_text=_("The same answer in other languages shares this name."))
    language = models.CharField(max_length=12)
    title = models.CharField(max_length=200)
    body = models.TextField(help_text=_("{name} becomes the customer's name, {order} the order number."))
    reason = models.CharField(max_length=24, choices=ContactReason.choices, blank=True)
    uses = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["family", "language"], name="answer_one_per_language")]

    def __str__(self):
        return self.title


class Survey(models.Model):
    """"Did we solve your problem?" and how much effort it took, asked once each time a conversation is
    resolved. Answered from a link in the email: the token is the key, no sign-in needed."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="surveys")
    token = models.CharField(max_length=48, unique=True)
    sent_at = models.DateTimeField()
    solved = models.BooleanField(null=True)
    effort = models.PositiveSmallIntegerField(null=True, help_text=_("1 very little … 5 a great deal"))
    comment = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["sent_at"])]


class CallbackState(models.TextChoices):
    PROMISED = "promised", _("To call")
    DONE = "done", _("Called")
    MISSED = "missed", _("Missed")
    CANCELLED = "cancelled", _("Cancelled")


class CallbackOutcome(models.TextChoices):
    SOLVED = "solved", _("Reached: solved")
    FOLLOW_UP = "follow_up", _("Reached: we follow up")
    NO_ANSWER = "no_answer", _("No answer: try again in the window")
    VOICEMAIL = "voicemail", _("No answer: left a message, window over")


class Callback(models.Model):
    """A promise to call a customer back within a window of their choosing. Prepared in advance (it belongs
    to a conversation, with the whole customer beside it), raised when it is about to be missed, and counted
    when it was."""

    conversation = models.OneToOneField(Conversation, on_delete=models.CASCADE, related_name="callback")
    phone = models.CharField(max_length=40)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    state = models.CharField(max_length=10, choices=CallbackState.choices, default=CallbackState.PROMISED)
    attempts = models.PositiveSmallIntegerField(default=0)
    outcome = models.CharField(max_length=10, choices=CallbackOutcome.choices, blank=True)
    notes = models.TextField(blank=True)
    raised_at = models.DateTimeField(null=True, blank=True, help_text=_("When it was raised as about to be missed."))
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["state", "window_start"])]


class ActionKind(models.TextChoices):
    REFUND = "refund", _("Refunded")
    CREDIT = "credit", _("Goodwill credit")
    ESCALATE = "escalate", _("Escalated")
    RESOLVE = "resolve", _("Resolved")
    CALL = "call", _("Called")
    RESHIP = "reship", _("Sent again")
    UPGRADE = "upgrade", _("Shipping upgraded")
    REOPEN = "reopen", _("Reopened")
    TAKE = "take", _("Taken")
    ASSIGN = "assign", _("Assigned")
    UNASSIGN = "unassign", _("Back to nobody")


class ConversationAction(models.Model):
    """What an associate did from the conversation; shown in its timeline."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(max_length=12, choices=ActionKind.choices)
    detail = models.CharField(max_length=500, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                           related_name="+")
    created_at = models.DateTimeField()


class CustomerNote(models.Model):
    """Something personal worth remembering ("getting married in June"), for whoever serves them next."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="notes")
    text = models.CharField(max_length=500)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["customer", "-created_at"])]


class DutyShift(models.Model):
    """A day an operator or manager spends serving customers (see `rota`)."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="duty_shifts")
    day = models.DateField()
    note = models.CharField(max_length=200, blank=True)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "day"], name="one_shift_per_person_and_day")]


class Viewer(models.Model):
    """Who has a conversation open right now: a heartbeat from the page, kept a few seconds (see
    `services.presence`). One row per person and conversation, written over at each beat."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["conversation", "person"], name="one_viewer_row")]
        indexes = [models.Index(fields=["seen_at"])]


class SearchDocument(models.Model):
    """The search index's table (`cases_search`, see migration 0005 and `services.search`): on SQLite an FTS5
    table whose rowid is the conversation's id, on PostgreSQL a tsvector under a GIN index. Written and read
    with SQL only, never through this model, which exists so that Django knows the table (a flushed database
    empties it too)."""

    conversation_id = models.BigIntegerField(primary_key=True)
    document = models.TextField()

    class Meta:
        db_table = "cases_search"
