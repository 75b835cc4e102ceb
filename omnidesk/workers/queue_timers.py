"""The queue's rules that wait for time to pass: business hours opening and closing (agents made
available and not-available), the chats of agents who left (``Livechat_agent_leave_action``), the
inactivity rules (abandoned and unanswered chats, ``actions/inactivity``) and the chats whose SLA came
due unanswered (marked overdue once: ``actions/slas.mark_overdue_chats``). One thread runs them every
few seconds in every process; each run is one transaction that first takes the rules' turn (an
advisory lock on PostgreSQL; SQLite serialises write transactions), so with several processes one runs
them at a time, any of them, and the others skip that tick. What a run handles leaves the state that
selected it, so the next run, wherever it is, does not handle it again."""

from __future__ import annotations

from omnidesk.actions.business_hours import apply_business_hours
from omnidesk.actions.inactivity import close_abandoned_chats, transfer_unanswered_chats
from omnidesk.actions.key_locks import try_lock
from omnidesk.actions.presence import apply_leave_action
from omnidesk.actions.slas import mark_overdue_chats
from omnidesk.services import Services
from omnidesk.workers.periodic import PeriodicWorker

TURN = "queue-timers"


def run_queue_timers(services: Services) -> int:
    with services.transaction() as session:
        if not try_lock(session, TURN):
            return 0  # another process is running them
        return (
            apply_business_hours(session)
            + apply_leave_action(session)
            + close_abandoned_chats(session)
            + transfer_unanswered_chats(session)
            + mark_overdue_chats(session)
        )


def queue_timers(services: Services, *, interval: float = 5.0) -> PeriodicWorker:
    return PeriodicWorker("queue-timers", run_queue_timers, services, interval=interval)
