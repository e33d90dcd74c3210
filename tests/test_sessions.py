"""The session store reads with prepared SQL and keeps Django's rules: expired means gone, and a
text whose signature fails loads empty, however often it is read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.models import Session
from django.utils import timezone

from leadership.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_a_saved_session_loads_with_its_data():
    store = SessionStore()
    store["answer"] = {"key": [1, 2]}
    store.save()
    again = SessionStore(store.session_key)
    assert again["answer"] == {"key": [1, 2]}
    assert again.session_key == store.session_key


def test_an_expired_session_loads_empty_and_is_not_resumed():
    store = SessionStore()
    store["answer"] = 1
    store.save()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    again = SessionStore(store.session_key)
    assert dict(again.items()) == {}
    assert again.session_key is None


def test_an_unknown_session_key_loads_empty():
    store = SessionStore("x" * 32)
    assert dict(store.items()) == {}
    assert store.session_key is None


def test_saving_changes_updates_the_row_and_keeps_the_key():
    store = SessionStore()
    store["step"] = 1
    store.save()
    key = store.session_key
    store["step"] = 2
    store.save()
    assert store.session_key == key
    assert Session.objects.count() == 1
    assert SessionStore(key)["step"] == 2


def test_saving_a_session_deleted_meanwhile_is_refused_as_django_refuses_it():
    store = SessionStore()
    store["step"] = 1
    store.save()
    Session.objects.filter(session_key=store.session_key).delete()
    store["step"] = 2
    with pytest.raises(UpdateError):
        store.save()


def test_each_load_of_an_unchanged_session_is_its_own_copy():
    store = SessionStore()
    store["entries"] = {"a": {"invitation": 1}}
    store.save()
    first = SessionStore(store.session_key)
    first["entries"]["a"]["invitation"] = 2  # changed in memory, not saved
    assert SessionStore(store.session_key)["entries"] == {"a": {"invitation": 1}}


def test_a_session_text_changed_in_the_database_is_read_anew():
    store = SessionStore()
    store["step"] = 1
    store.save()
    assert SessionStore(store.session_key)["step"] == 1
    Session.objects.filter(session_key=store.session_key).update(
        session_data=SessionStore().encode({"step": 2})
    )
    assert SessionStore(store.session_key)["step"] == 2


def test_a_tampered_session_text_loads_empty_every_time():
    store = SessionStore()
    store["invitation"] = 1
    store.save()
    SessionStore(store.session_key).load()  # the genuine text is now known to this process
    genuine = Session.objects.get(session_key=store.session_key).session_data
    payload, signature = genuine.rsplit(":", 1)
    forged = f"{payload}:{'A' * len(signature)}"
    Session.objects.filter(session_key=store.session_key).update(session_data=forged)
    for _ in range(2):
        assert dict(SessionStore(store.session_key).items()) == {}
