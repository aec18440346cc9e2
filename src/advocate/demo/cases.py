"""Sample email for the demo, taken in through the real intake (parse, thread, store), so demo-associate's
queue has customers waiting, in several languages, with a follow-up and an unknown sender — and the routine
questions among them (a cancellation, where an order is, where a refund is) are answered automatically, which the
conversations show once the task worker has run."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from advocate.cases import services
from advocate.cases.mail.compose import compose
from advocate.cases.models import Answer, CustomerNote
from advocate.commerce.models import Customer, Order

SAMPLES = {
    "en": ("Where is my order {order}?", "Hello,\n\nMy order {order} should have arrived by now. Could you "
           "check where it is? It is a birthday present.\n\nThanks,\n{name}"),
    "de": ("Bestellung {order} beschädigt", "Guten Tag,\n\ndie Lieferung zu Bestellung {order} kam beschädigt an. "
           "Was kann ich tun?\n\nViele Grüße\n{name}"),
    "zh-hans": ("订单 {order} 还没收到", "你好，\n\n我的订单 {order} 还没有收到，请帮我查一下。\n\n谢谢\n{name}"),
    "ar": ("استفسار عن الطلب {order}", "مرحبا،\n\nلم يصل طلبي {order} بعد. هل يمكنكم المساعدة؟\n\nشكرا\n{name}"),
    "fr": ("Remboursement de la commande {order}", "Bonjour,\n\nJ'ai renvoyé un article de la commande {order} il y a "
           "deux semaines et je n'ai pas encore été remboursée.\n\nCordialement,\n{name}"),
    "es": ("Cancelar el pedido {order}", "Hola:\n\nPor favor, cancelen mi pedido {order}, ya no lo necesito.\n\n"
           "Gracias,\n{name}"),
    "ja": ("注文 {order} の配送状況", "こんにちは。\n\n注文 {order} はいつ届きますか？配送状況を教えてください。\n\n"
           "よろしくお願いします。\n{name}"),
    "ru": ("Возврат денег за заказ {order}", "Здравствуйте!\n\nГде мой возврат денег за заказ {order}? Деньги до "
           "сих пор не пришли.\n\nСпасибо,\n{name}"),
}


SAMPLE_ANSWERS = [
    ("where-is-my-order", "order_status", {
        "en": ("Where is my order", "Hello {name},\n\nThank you for asking about order {order}. I have checked "
               "with the carrier: "),
        "de": ("Wo ist meine Bestellung", "Hallo {name},\n\ndanke für Ihre Nachricht zu Bestellung {order}. Ich habe "
               "beim Versanddienst nachgefragt: "),
        "fr": ("Où est ma commande", "Bonjour {name},\n\nMerci pour votre message au sujet de la commande {order}. "
               "J'ai vérifié auprès du transporteur : "),
        "es": ("Dónde está mi pedido", "Hola {name}:\n\nGracias por escribirnos sobre el pedido {order}. He "
               "consultado con la empresa de transporte: "),
        "zh-hans": ("我的订单在哪里", "{name}您好：\n\n感谢您询问订单 {order}。我已向快递公司核实："),
        "ja": ("注文の配送状況", "{name}様\n\nご注文 {order} についてお問い合わせいただきありがとうございます。"
               "配送業者に確認しました："),
        "ar": ("أين طلبي", "مرحبا {name}،\n\nشكرا لسؤالك عن الطلب {order}. لقد تحققت من شركة الشحن: "),
        "ru": ("Где мой заказ", "Здравствуйте, {name}!\n\nСпасибо за вопрос о заказе {order}. Я уточнил(а) у "
               "перевозчика: "),
    }),
    ("refund-timing", "refund_status", {
        "en": ("When a refund arrives", "Hello {name},\n\nThe refund for order {order} has been issued. Card "
               "refunds usually show on your statement within 3–5 working days; your bank decides the exact day."),
    }),
    ("damaged-item", "damaged_defective", {
        "en": ("Damaged on arrival", "Hello {name},\n\nI am sorry that your order {order} arrived damaged. You do "
               "not need to send it back: "),
    }),
    ("delivery-abroad", "product_question", {
        "en": ("Delivery abroad", "Hello {name},\n\nWe deliver to most countries in Europe; the delivery time and "
               "cost are shown at checkout once you enter your address."),
    }),
]


def seed_answers(*, now=None) -> int:
    """A starting answer library: the team writes the rest."""
    now = now or timezone.now()
    made = 0
    for family, reason, texts in SAMPLE_ANSWERS:
        for language, (title, body) in texts.items():
            _, created = Answer.objects.get_or_create(family=family, language=language, defaults={
                "title": title, "body": body, "reason": reason, "updated_at": now})
            made += created
    return made


def write_sample_mail(*, now=None) -> int:
    """One mail per sample language from a customer with orders, a follow-up, and a stranger's question."""
    now = now or timezone.now()
    taken = 0
    for index, (language, (subject, body)) in enumerate(SAMPLES.items()):
        customer = Customer.objects.filter(language=language, orders__isnull=False).order_by("-id").first()
        if customer is None:
            continue
        order = Order.objects.filter(customer=customer).order_by("-placed_at").first()
        words = {"order": order.external_id, "name": customer.name}
        when = now - timedelta(hours=2 * (len(SAMPLES) - index))
        _, new = services.mail_receive(compose(
            to=settings.DEFAULT_FROM_EMAIL, sender=customer.email, name=customer.name,
            subject=subject.format(**words), body=body.format(**words), when=when,
            message_id=f"demo-{language}-{customer.pk}@mail.example"), source="demo", now=when)
        taken += new
        if language == "en":
            _, new = services.mail_receive(compose(
                to=settings.DEFAULT_FROM_EMAIL, sender=customer.email, name=customer.name,
                subject="Re: " + subject.format(**words), when=when + timedelta(minutes=30),
                body="Sorry, one more thing: could it still arrive before Saturday?",
                message_id=f"demo-en-followup-{customer.pk}@mail.example",
                in_reply_to=f"demo-en-{customer.pk}@mail.example"), source="demo", now=when)
            taken += new
            CustomerNote.objects.get_or_create(customer=customer, text="Buying a birthday present for her son",
                                               defaults={"created_at": when})
    _, new = services.mail_receive(compose(
        to=settings.DEFAULT_FROM_EMAIL, sender="someone@elsewhere.example", name="Sam Taylor",
        subject="Do you ship to Iceland?",
        body="Hi, do you deliver to Reykjavik, and how long does it take?", when=now - timedelta(minutes=20),
        message_id="demo-stranger@mail.example"), source="demo", now=now - timedelta(minutes=20))
    return taken + new
