"""Atom feed per plan of newly published progress entries."""

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from indicators.i18n import localized

from . import selectors
from .templatetags.portal import scope_url


class PlanProgressFeed(Feed):
    """One instance serves every request: keep no per-request state on it."""

    feed_type = Atom1Feed

    def get_object(self, request, slug):
        return selectors.get_public_plan(slug)

    def title(self, plan):
        return _("%(plan)s: newly published progress") % {"plan": plan.short_name}

    def subtitle(self, plan):
        return localized(plan, "title", fallback=plan.language).text

    def link(self, plan):
        return reverse("public:plan", args=[plan.slug])

    def feed_url(self, plan):
        return reverse("public:feed", args=[plan.slug])

    def items(self, plan):
        return selectors.feed_entries(plan)

    def item_title(self, entry):
        scope = (
            entry.indicator.code
            if entry.indicator
            else (entry.subgoal.number if entry.subgoal else str(entry.goal.number))
        )
        return _("%(organisation)s on %(scope)s, %(year)s") % {
            "organisation": localized(entry.organisation, "name").text,
            "scope": scope,
            "year": entry.round.year,
        }

    def item_description(self, entry):
        if entry.not_reported:
            reason = localized(
                entry, "not_reported_reason", fallback=entry.round.plan.language
            ).text
            return f"{entry.get_not_reported_display()}: {reason}"
        return localized(entry, "narrative", fallback=entry.round.plan.language).text

    def item_link(self, entry):
        url = scope_url(entry.round.plan, entry.goal, entry.subgoal, entry.indicator)
        return f"{url}#entry-{entry.pk}"

    def item_guid(self, entry):
        return f"entry-{entry.pk}-{entry.round.year}"

    item_guid_is_permalink = False

    def item_pubdate(self, entry):
        return entry.published_at

    def item_updateddate(self, entry):
        return entry.published_at or entry.updated_at

    def item_author_name(self, entry):
        return localized(entry.organisation, "name").text
