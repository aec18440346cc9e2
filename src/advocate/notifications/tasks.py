from django.tasks import task

from . import services


@task()
def send_email(email_id: int) -> bool:
    return services.email_send(email_id)
