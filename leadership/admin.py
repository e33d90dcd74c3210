from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.utils.translation import gettext as _

from leadership.models import Pillar, Question, QuestionBank


class PillarInline(admin.TabularInline):
    model = Pillar
    extra = 0


@admin.register(QuestionBank)
class QuestionBankAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    inlines = [PillarInline]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["code", "version", "pillar", "kind", "reverse_scored", "active", "bank"]
    list_filter = ["bank", "pillar", "kind", "active", "reverse_scored"]
    search_fields = ["code", "text", "self_text"]
    readonly_fields = ["version", "created_at"]

    def save_model(self, request: Any, obj: Question, form: Any, change: bool) -> None:
        """A used question's meaning changes by a new version, never in place."""
        if not change:
            super().save_model(request, obj, form, change)
            return
        original = Question.objects.get(pk=obj.pk)
        result = original.revise(**{field: form.cleaned_data[field] for field in form.changed_data})
        if result.pk != original.pk:
            obj.pk = result.pk
            messages.info(
                request,
                _("This question is used by a cycle, so version %(version)s was created.")
                % {"version": result.version},
            )
