"""Services queue tasks by name, after commit; an unknown name fails at once."""

import pytest
from django.db import transaction

from portal.queue import enqueue_on_commit, task_named


def test_a_task_is_found_by_its_name():
    task = task_named("summaries.tasks.recompute_summary")

    assert task.name == "summaries.tasks.recompute_summary"


def test_an_unknown_task_name_fails_before_anything_is_queued():
    with pytest.raises(KeyError):
        enqueue_on_commit("summaries.tasks.no_such_task", 1)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_task_runs_only_once_the_transaction_commits(monkeypatch):
    calls = []
    task = task_named("reports.tasks.send_pending_emails")
    monkeypatch.setattr(task, "apply_async", lambda args: calls.append(args))

    with transaction.atomic():
        enqueue_on_commit("reports.tasks.send_pending_emails")
        assert calls == []

    assert calls == [()]
