from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read only: the trail is looked at, never added to, changed or pruned by hand."""

    list_display = ["at", "category", "action", "actor_name", "object_type", "object_repr"]
    list_filter = ["category", "action", "object_type"]
    search_fields = ["actor_name", "object_repr", "object_id", "request_id", "path"]
    date_hierarchy = "at"
    readonly_fields = [field.name for field in AuditEvent._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
