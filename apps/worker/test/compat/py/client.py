"""Python Celery 5.2.6 client driving the TS worker (compat suite). Run with /usr/bin/python3.

usage: client.py CASE REDIS_URL [JSON_ARG]   -> prints one JSON object on stdout.
"""
import json
import sys
import threading
import time
import uuid

import redis
from celery import Celery

case, url = sys.argv[1], sys.argv[2]
arg = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}

app = Celery('web', broker=url, backend=url)
app.conf.update(task_serializer='json', result_serializer='json', accept_content=['json'])
Q = 'secretflow_queue'
r_ = redis.Redis.from_url(url)


def send(params, **kw):
    return app.send_task('tasks.secretflow.execute_task', args=['req-1', params], queue=Q, **kw)


def exc_info(e):
    return {'type': type(e).__name__, 'module': type(e).__module__, 'args': [a if isinstance(a, (int, float, str)) else repr(a) for a in e.args]}


def get_outcome(res, timeout=15, **kw):
    try:
        return {'ok': True, 'value': res.get(timeout=timeout, **kw)}
    except Exception as e:  # noqa: BLE001 - the suite asserts the exact type
        return {'ok': False, 'exc': exc_info(e)}


READY = ('SUCCESS', 'FAILURE', 'REVOKED')


def send_watched(params, **kw):
    """Subscribe to the task's result channel BEFORE publishing the task, so every state the worker
    stores is seen. (AsyncResult.get(on_message=...) reads the stored state first, with no callback
    installed yet, so a state stored before get() is called never reaches the callback.)"""
    task_id = str(uuid.uuid4())
    ps = r_.pubsub()
    ps.subscribe('celery-task-meta-' + task_id)
    deadline = time.time() + 5
    while time.time() < deadline:  # the subscribe confirmation: from here on nothing is missed
        m = ps.get_message(timeout=0.2)
        if m and m['type'] == 'subscribe':
            break
    return send(params, task_id=task_id, **kw), ps


def states_until_ready(ps, timeout=20):
    """Every meta published on the watched channel, up to the first ready state (bounded)."""
    seen = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        m = ps.get_message(timeout=0.2)
        if m and m['type'] == 'message':
            seen.append(json.loads(m['data']))
            if seen[-1]['status'] in READY:
                break
    ps.close()
    return seen


def meta(res):
    raw = r_.get('celery-task-meta-' + res.id)
    return json.loads(raw) if raw else None


out = {}
if case == 'success':
    res = send({'mode': 'succeed', 'value': 7})
    out = get_outcome(res)
    dd = res.date_done
    out.update(state=res.state, date_done_aware=dd is not None and dd.tzinfo is not None, name=res.name,
               args=res.args, kwargs=res.kwargs, worker=res.worker, retries=res.retries, queue=res.queue,
               raw=meta(res), ttl=r_.ttl('celery-task-meta-' + res.id))
elif case == 'fail':
    res = send({'mode': 'fail'})
    try:
        res.get(timeout=15)
        out = {'raised': None}
    except ValueError as e:
        out = {'raised': 'ValueError', 'args': list(e.args)}
    out.update(state=res.state, traceback_is_str=isinstance(res.traceback, str), result_args=list(res.result.args),
               retries=meta(res)['retries'])
elif case == 'custom_fail':
    res = send({'mode': 'custom_fail'})
    out = get_outcome(res)
    out['state'] = res.state
elif case == 'invalid':
    res, ps = send_watched({'mode': 'invalid'})
    seen = [m['status'] for m in states_until_ready(ps)]
    out = get_outcome(res)
    out.update(seen=seen, retries=meta(res)['retries'], started=int(r_.get('compat:started:' + res.id) or 0))
elif case == 'retry':
    res, ps = send_watched({'mode': 'retry', 'n': arg.get('n', 2)})
    out = {'seen': [[m['status'], m.get('retries')] for m in states_until_ready(ps, 30)]}
    out.update(get_outcome(res, timeout=20))
    out['state'] = res.state
elif case == 'revoke_before_run':
    res = send({'mode': 'succeed'}, countdown=3)
    time.sleep(0.3)
    res.revoke()
    out = get_outcome(res)
    out['state'] = res.state
elif case == 'revoke_running':
    res = send({'mode': 'sleep', 'seconds': 10})
    for _ in range(100):
        if r_.get('compat:started:' + res.id):
            break
        time.sleep(0.05)
    out['reply'] = app.control.revoke(res.id, terminate=True, reply=True, timeout=1)
    out.update(get_outcome(res))
    out['state'] = res.state
elif case == 'ping':
    out['reply'] = app.control.ping(timeout=1)
elif case == 'hard_limit':
    res = send({'mode': 'sleep', 'seconds': 10}, time_limit=1.5)
    out = get_outcome(res)
elif case == 'soft_limit':
    res = send({'mode': 'soft_sleep', 'seconds': 10}, soft_time_limit=1, time_limit=5)
    out = get_outcome(res)
    res2 = send({'mode': 'soft_handled', 'seconds': 10}, soft_time_limit=1, time_limit=5)
    out['handled'] = get_outcome(res2)
elif case == 'expires':
    res = send({'mode': 'succeed'}, countdown=2, expires=1)
    out = get_outcome(res)
    out['state'] = res.state
elif case == 'send':  # publish only; print the id
    kw = arg.get('kw', {})
    res = send(arg.get('params', {'mode': 'succeed'}), **kw)
    out = {'id': res.id}
elif case == 'get':
    res = app.AsyncResult(arg['id'])
    out = get_outcome(res, timeout=arg.get('timeout', 15))
    out['state'] = res.state
elif case == 'send_raw_name':  # unknown task name / huge payload through the real client
    args = ['x' * arg['huge_bytes']] if 'huge_bytes' in arg else arg.get('args', [])
    res = app.send_task(arg['name'], args=args, queue=Q)
    out = get_outcome(res)
    out['retries'] = (meta(res) or {}).get('retries')
elif case == 'restore_visible':
    from kombu import Connection
    with Connection(url, transport_options={'visibility_timeout': 1}) as c:
        c.default_channel.qos.restore_visible(num=10)
    out = {'queue': [json.loads(m) for m in r_.lrange(Q, 0, -1)], 'unacked': r_.hlen('unacked')}
elif case == 'events':
    got = []
    listening = threading.Event()  # set by the first heartbeat: the event subscription is live
    target = {}

    def capture():
        with app.connection() as c:
            recv = None

            def on_event(e):
                got.append(e)
                if e.get('type') == 'worker-heartbeat':
                    listening.set()
                if target.get('id') is not None and e.get('uuid') == target['id'] and e.get('type') in ('task-succeeded', 'task-failed'):
                    recv.should_stop = True

            recv = app.events.Receiver(c, handlers={'*': on_event})
            try:
                recv.capture(limit=arg.get('limit', 60), timeout=arg.get('timeout', 10), wakeup=False)
            except Exception:  # noqa: BLE001 - socket timeout ends the capture
                pass

    t = threading.Thread(target=capture)
    t.start()
    listening.wait(15)
    target['id'] = str(uuid.uuid4())
    res = send({'mode': 'succeed'}, task_id=target['id'])
    out['result'] = get_outcome(res)
    t.join(15)
    out['id'] = res.id
    out['events'] = [{k: v for k, v in e.items() if k in (
        'type', 'uuid', 'hostname', 'name', 'args', 'kwargs', 'retries', 'root_id', 'runtime', 'result',
        'freq', 'active', 'processed', 'sw_ident', 'timestamp', 'clock', 'pid', 'utcoffset')} for e in got]
else:
    raise SystemExit('unknown case ' + case)

print(json.dumps(out, default=str))
