"""{% job_notices %}: the person's finished background jobs, for the start page (one query)."""

from django import template

from progress.jobs.selectors import finished_notices

register = template.Library()


@register.inclusion_tag("progress/jobs/notices.html", takes_context=True)
def job_notices(context) -> dict:
    request = context["request"]
    return {"job_notices": finished_notices(request.user), "csrf_token": context.get("csrf_token")}
