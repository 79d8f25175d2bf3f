from django import template

from hangqifu.core.steps import progress_of

register = template.Library()


@register.inclusion_tag("includes/steps.html")
def step_progress(obj):
    """The step progress of a workflow object: steps, current one, who acts next, the deadline."""
    return {"progress": progress_of(obj)}
