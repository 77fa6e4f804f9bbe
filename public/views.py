from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView

from indicators.models import Goal, Indicator, Plan, Subgoal


class HomeView(ListView):
    template_name = "public/home.html"
    context_object_name = "plans"

    def get_queryset(self):
        return Plan.objects.public().order_by("country", "-first_year")


class PlanView(DetailView):
    template_name = "public/plan.html"
    context_object_name = "plan"

    def get_object(self, queryset=None):
        goal_indicators = Indicator.objects.filter(subgoal__isnull=True).prefetch_related(
            "categories"
        )
        return get_object_or_404(
            Plan.objects.public().prefetch_related(
                Prefetch(
                    "goals",
                    queryset=Goal.objects.prefetch_related(
                        Prefetch("indicators", queryset=goal_indicators, to_attr="own_indicators"),
                        Prefetch(
                            "subgoals",
                            queryset=Subgoal.objects.prefetch_related(
                                Prefetch(
                                    "indicators",
                                    queryset=Indicator.objects.prefetch_related("categories"),
                                )
                            ),
                        ),
                    ),
                ),
                "participations__organisation",
            ),
            slug=self.kwargs["slug"],
        )
