from django.tasks import task

from . import services


@task()
def answer_message(reading_id: int) -> bool:
    return services.answer_reading(reading_id)
