"""Helpers shared by the web-side client scripts: outcomes of AsyncResult.get and the durable status list."""
import json
import time

STATUS_LIST = 'secretflow:task_status_log'


def exc_info(e):
    return {'type': type(e).__name__, 'module': type(e).__module__, 'message': str(e),
            'args': [a if isinstance(a, (int, float, str)) else repr(a) for a in e.args]}


def outcome(res, timeout):
    """`res.get(timeout)` as {'ok': True, 'value'} or {'ok': False, 'exc'}; the suites assert the exact type."""
    try:
        return {'ok': True, 'value': res.get(timeout=timeout)}
    except Exception as e:  # noqa: BLE001 - the suite asserts the exact type
        return {'ok': False, 'exc': exc_info(e)}


def list_events(r, task_id=None):
    """The durable status list (LPUSH, newest first) -> the task's events (all with None), oldest first."""
    evs = [json.loads(x) for x in r.lrange(STATUS_LIST, 0, -1)]
    return [e for e in reversed(evs) if task_id is None or e.get('celery_task_id') == task_id]


def wait_status(r, task_id, status, wait_s=60):
    """Bounded poll of the durable status list until the task has an event with `status`; -> found."""
    deadline = time.time() + wait_s
    while time.time() < deadline:
        if any(e['status'] == status for e in list_events(r, task_id)):
            return True
        time.sleep(0.05)
    return False
