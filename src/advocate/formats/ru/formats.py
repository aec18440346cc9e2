# Django's Russian MONTH_DAY_FORMAT uses the nominative month ("3 Декабрь"); a date needs the genitive.
from django.conf.locale.ru.formats import *

MONTH_DAY_FORMAT = "j E"
