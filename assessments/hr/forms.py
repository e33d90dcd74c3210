"""HR's forms: a cycle (new, edited, its closing time), a team, a team CSV upload."""

from __future__ import annotations

import re
import zoneinfo
from functools import cache
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.hr.teams import TEAM_IMPORT_MAX_BYTES, email_clean
from assessments.models import REMINDER_DAYS_MAX, Cycle, Team
from leadership.csvfiles import UPLOAD_ACCEPT
from leadership.languages import language_choices, language_default
from leadership.models import DEFAULT_BANK_NAME, QuestionBank

if TYPE_CHECKING:
    import datetime as dt


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class WallClockField(forms.DateTimeField):
    """A date and time on the wall clock of a zone the form picks: cleaned to a naive datetime,
    which :func:`zoned` then places in that zone (Django would read it in the server's zone)."""

    widget = DateTimeLocalInput

    def to_python(self, value: Any) -> dt.datetime | None:
        result = super().to_python(value)
        if result is not None and timezone.is_aware(result):
            result = timezone.make_naive(result)
        return result


def zoned(value: dt.datetime | None, zone_name: str) -> dt.datetime | None:
    """A naive wall-clock time read in ``zone_name``, as an aware datetime."""
    if value is None:
        return None
    return value.replace(tzinfo=zoneinfo.ZoneInfo(zone_name))


def wall_clock(value: dt.datetime | None, cycle: Cycle) -> dt.datetime | None:
    """A stored time as the cycle's wall clock shows it, for a form's initial value."""
    if value is None:
        return None
    return timezone.make_naive(value, cycle.zone())


# The days HR most often picks, for the field's example.
REMINDER_DAYS_DEFAULT = [3, 1]
ERROR_REMINDER_DAYS = _(
    "Write whole days before the close, separated by commas (for example “3, 1”), each from 1 "
    "to %(max)s."
)


class ReminderDaysField(forms.CharField):
    """Days before the close, typed as "3, 1": cleaned to a list of whole days, latest first."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Automatic reminders"))
        kwargs.setdefault(
            "help_text",
            _(
                "Days before the close, separated by commas (for example “3, 1”). Each reminder "
                "goes only to people who have not answered. Leave empty for none."
            ),
        )
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 60)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(str(day) for day in value)
        return value

    def clean(self, value: Any) -> list[int]:
        text = super().clean(value)
        days = set()
        for part in re.split(r"[\s,;]+", text or ""):
            if not part:
                continue
            if not part.isdigit() or not 1 <= int(part) <= REMINDER_DAYS_MAX:
                raise ValidationError(ERROR_REMINDER_DAYS % {"max": REMINDER_DAYS_MAX})
            days.add(int(part))
        return sorted(days, reverse=True)


@cache
def timezone_choices() -> list[tuple[str, str]]:
    names = sorted(name for name in zoneinfo.available_timezones() if "/" in name or name == "UTC")
    return [(name, name.replace("_", " ")) for name in names]


class TeamsField(forms.ModelMultipleChoiceField):
    """Teams to tick, each named with its department."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} — {obj.parent.name}" if obj.parent else obj.name


class CycleForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=120, help_text=_("For example “2027 Q1”. Shown to everyone.")
    )
    timezone = forms.ChoiceField(
        label=_("Time zone"),
        choices=timezone_choices,
        help_text=_("The window opens and closes on this zone's clock."),
    )
    opens_at = WallClockField(label=_("Window opens"), required=False)
    closes_at = WallClockField(
        label=_("Window closes"),
        required=False,
        help_text=_("Shown in invitations. Answers are accepted only inside the window."),
    )
    bank = forms.ModelChoiceField(
        label=_("Question bank"),
        queryset=QuestionBank.objects.all(),
        empty_label=None,
        help_text=_("Its current questions are frozen into the cycle now."),
    )
    min_group_size = forms.IntegerField(
        label=_("Minimum group size (k)"),
        min_value=3,
        max_value=50,
        initial=settings.PILLARS_DEFAULT_MIN_GROUP_SIZE,
        help_text=_("Groups smaller than this show only their count. At least 3."),
    )
    comment_min_group_size = forms.IntegerField(
        label=_("Minimum group size for comments"),
        min_value=3,
        max_value=50,
        initial=settings.PILLARS_DEFAULT_COMMENT_MIN_GROUP_SIZE,
        help_text=_("Comments appear only from this many responses. Not below k."),
    )
    self_assessment = forms.BooleanField(
        label=_("Leaders rate themselves too"), required=False, initial=True
    )
    reminder_days = ReminderDaysField(initial=REMINDER_DAYS_DEFAULT)
    teams = TeamsField(
        label=_("Teams"),
        queryset=Team.objects.teams_only().select_related("parent"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Every member of these teams is invited when the cycle opens."),
    )

    def __init__(self, *args: Any, cycle: Cycle | None = None, **kwargs: Any) -> None:
        """``cycle``: the draft being edited; its values are the form's initial ones."""
        self.cycle = cycle
        if cycle is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": cycle.name,
                "timezone": cycle.timezone,
                "opens_at": wall_clock(cycle.opens_at, cycle),
                "closes_at": wall_clock(cycle.closes_at, cycle),
                "bank": cycle.bank_id,
                "min_group_size": cycle.min_group_size,
                "comment_min_group_size": cycle.comment_min_group_size,
                "self_assessment": cycle.self_assessment,
                "reminder_days": cycle.reminder_days,
                "teams": list(cycle.teams.values_list("pk", flat=True)),
            }
        super().__init__(*args, **kwargs)
        default = QuestionBank.objects.filter(name=DEFAULT_BANK_NAME).first()
        if default and not self.is_bound and cycle is None:
            self.fields["bank"].initial = default.pk
        if not self.is_bound and cycle is None:
            self.fields["timezone"].initial = settings.TIME_ZONE
        if cycle is not None:
            self.fields["bank"].help_text = _(
                "Saving freezes the bank's current questions into the draft again."
            )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        clash = Cycle.objects.filter(name__iexact=name)
        if self.cycle is not None:
            clash = clash.exclude(pk=self.cycle.pk)
        if clash.exists():
            raise ValidationError(_("A cycle with this name already exists."))
        return name

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        zone = data["timezone"] = data.get("timezone") or settings.TIME_ZONE
        data["opens_at"] = zoned(data.get("opens_at"), zone)
        data["closes_at"] = zoned(data.get("closes_at"), zone)
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The window must close after it opens."))
        k, comment_k = data.get("min_group_size"), data.get("comment_min_group_size")
        if k and comment_k and comment_k < k:
            self.add_error(
                "comment_min_group_size", _("The comment threshold cannot be below k (%s).") % k
            )
        return data


ERROR_CLOSE_NOT_FUTURE = _(
    "The new closing time has already passed on the cycle's clock (%(zone)s). Pick a time "
    "in the future."
)
ERROR_CLOSE_BEFORE_OPEN = _("The window must close after it opens (%(opens)s).")


class CycleCloseForm(forms.Form):
    """An open cycle's closing time — extended, or brought forward but not into the past — its
    automatic reminders, and whether to remind the people who have not answered now."""

    closes_at = WallClockField(
        label=_("Closes"),
        help_text=_("On the cycle's clock. Later extends the survey; earlier shortens it."),
    )
    reminder_days = ReminderDaysField()
    remind_now = forms.BooleanField(
        label=_("Remind everyone who has not answered yet of the new closing time"),
        required=False,
    )

    def __init__(self, *args: Any, cycle: Cycle, **kwargs: Any) -> None:
        self.cycle = cycle
        kwargs.setdefault(
            "initial",
            {"closes_at": wall_clock(cycle.closes_at, cycle), "reminder_days": cycle.reminder_days},
        )
        super().__init__(*args, **kwargs)
        self.fields["closes_at"].label = _("Closes (%(zone)s)") % {"zone": cycle.timezone}

    def clean_closes_at(self) -> dt.datetime | None:
        closes = zoned(self.cleaned_data.get("closes_at"), self.cycle.timezone)
        if closes is not None and closes <= timezone.now():
            raise ValidationError(ERROR_CLOSE_NOT_FUTURE % {"zone": self.cycle.timezone})
        opens = self.cycle.opens_at
        if closes is not None and opens is not None and closes <= opens:
            local = timezone.localtime(opens, self.cycle.zone()).strftime("%Y-%m-%d %H:%M")
            raise ValidationError(ERROR_CLOSE_BEFORE_OPEN % {"opens": local})
        return closes


class ReopenForm(forms.Form):
    """Reopening a cycle whose window has ended: a new closing time on the cycle's clock."""

    closes_at = WallClockField(label=_("New closing time"), required=False)

    def __init__(self, *args: Any, cycle: Cycle, **kwargs: Any) -> None:
        self.cycle = cycle
        super().__init__(*args, **kwargs)

    def clean_closes_at(self) -> dt.datetime | None:
        return zoned(self.cleaned_data.get("closes_at"), self.cycle.timezone)


def _emails(raw: str) -> list[str]:
    emails, bad = [], []
    for part in re.split(r"[\s,;]+", raw):
        if not part:
            continue
        try:
            email = email_clean(part)
        except ValidationError:
            bad.append(part)
            continue
        if email not in emails:
            emails.append(email)
    if bad:
        raise ValidationError(
            _("Not valid email addresses: %s") % ", ".join(f"“{item}”" for item in bad[:10])
        )
    return emails


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Team name"), max_length=160)
    department = forms.CharField(
        label=_("Department"),
        max_length=160,
        required=False,
        help_text=_("Pick an existing one or type a new name. Leave empty for none."),
        widget=forms.TextInput(attrs={"list": "departments", "autocomplete": "off"}),
    )
    leaders = forms.CharField(
        label=_("Leaders' emails"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "One per line. A new leader gets an account and an email with a link to set its "
            "password."
        ),
    )
    language = forms.ChoiceField(
        label=_("Language of its invitations"),
        required=False,
        help_text=_(
            "The survey and its emails for this team's members, unless the team file gave a "
            "person their own. Each person can still switch on the survey's first page."
        ),
    )
    members = forms.CharField(
        label=_("Members' emails"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("One per line. They answer through their invitation link; no account."),
    )

    def __init__(self, *args: Any, team: Team | None = None, **kwargs: Any) -> None:
        self.team = team
        super().__init__(*args, **kwargs)
        default = dict(language_choices())[language_default()]
        language = self.fields["language"]
        assert isinstance(language, forms.ChoiceField)
        language.choices = [
            ("", _("The organisation's (%s)") % default),
            *language_choices(),
        ]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        clash = Team.objects.filter(name__iexact=name)
        if self.team is not None:
            clash = clash.exclude(pk=self.team.pk)
        if clash.exists():
            raise ValidationError(_("A team or department with this name already exists."))
        return name

    def clean_department(self) -> str:
        name = self.cleaned_data["department"].strip()
        if name and Team.objects.teams_only().filter(name__iexact=name).exists():
            raise ValidationError(_("“%s” is a team, not a department.") % name)
        return name

    def clean_leaders(self) -> list[str]:
        return _emails(self.cleaned_data["leaders"])

    def clean_members(self) -> list[str]:
        return _emails(self.cleaned_data["members"])


class TeamImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or Excel file"),
        help_text=_(
            "CSV as Excel or any spreadsheet saves it (UTF-8, UTF-16 or Windows encodings; "
            "commas, semicolons or tabs), or an Excel workbook (.xlsx). At most 2 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": UPLOAD_ACCEPT}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > TEAM_IMPORT_MAX_BYTES:
            raise ValidationError(
                _("The file is %(size)s bytes; the limit is %(limit)s bytes.")
                % {"size": upload.size, "limit": TEAM_IMPORT_MAX_BYTES}
            )
        return upload


class SharedLinkForm(forms.Form):
    """How many answers a team's shared link takes (default: the team's members on file)."""

    headcount = forms.IntegerField(
        label=_("Answers it takes"),
        min_value=1,
        max_value=10000,
        required=False,
        help_text=_("How many people the link is for. It takes no more answers than this."),
    )
