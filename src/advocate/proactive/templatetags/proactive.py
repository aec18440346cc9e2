from django import template

from .. import presenters

register = template.Library()
register.simple_tag(presenters.incident_what, name="incident_what")
