from django import template

from advocate.commerce.presenters import carrier_phrase, payment_method

register = template.Library()
register.filter("carrier_phrase", carrier_phrase)
register.filter("payment_method", payment_method)
