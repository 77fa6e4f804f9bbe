from django.contrib import admin

from .models import Reminder


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """A log of the reminders sent; written by `send_reminders` only."""

    list_display = ["sent_on", "user", "round", "kind", "sent_at"]
    list_filter = ["kind", "sent_on", "round"]
    list_select_related = ["user", "round__plan"]
    search_fields = ["user__username", "user__email"]
    date_hierarchy = "sent_on"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
