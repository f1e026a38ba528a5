"""Hostile and fault cases against the real TS worker, from the web side (Debian's celery 5.2.6).

usage: /usr/bin/python3 hostile_client.py CASE REDIS_URL [JSON_ARG]   -> one JSON object on the last stdout line.
Every wait is bounded. For a rediss:// URL, JSON_ARG may carry "ca" (the CA file that signed the server).
"""
import base64
import json
import sys
import time

import redis
from celery import Celery
from webside import list_events as _list_events
from webside import outcome
from webside import wait_status

case, url = sys.argv[1], sys.argv[2]
arg = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}

ssl = None
if url.startswith('rediss://'):
    import ssl as _ssl
    ssl = {'ssl_cert_reqs': _ssl.CERT_REQUIRED, 'ssl_ca_certs': arg['ca']}
app = Celery('web', broker=url, backend=url)
app.conf.update(task_serializer='json', result_serializer='json', accept_content=['json'],
                broker_use_ssl=ssl, redis_backend_use_ssl=ssl)
Q = 'secretflow_queue'
r_ = redis.Redis.from_url(url, **({'ssl_ca_certs': arg['ca'], 'ssl_cert_reqs': 'required'} if ssl else {}))


def list_events(task_id=None):
    return _list_events(r_, task_id)


def execute(request_id, params, **kw):
    return app.send_task('tasks.secretflow.execute_task', args=[request_id, params], queue=Q, **kw)


out = {}
if case == 'push_raw':  # arg: {items_b64}: LPUSH exact bytes, as an attacker with queue access would
    for item in arg['items_b64']:
        r_.lpush(Q, base64.b64decode(item))
elif case == 'dead':  # the dead-letter list, oldest first, as base64
    out = {'dead_b64': [base64.b64encode(x).decode() for x in reversed(r_.lrange(Q + '.dead', 0, -1))],
           'unacked': r_.hlen('unacked')}
elif case == 'builtin':  # arg: {name, args, timeout}
    res = app.send_task('tasks.secretflow.' + arg['name'], args=arg.get('args', []), queue=Q)
    out = outcome(res, arg.get('timeout', 30))
    out['state'] = res.state
elif case == 'pickle':  # the real client with the pickle serializer: the worker must refuse it
    res = app.send_task('tasks.secretflow.hello', args=['x'], queue=Q, serializer='pickle')
    out = outcome(res, 30)
    out['state'] = res.state
elif case == 'send':  # arg: {request_id, params, kw}: publish only
    res = execute(arg['request_id'], arg['params'], **arg.get('kw', {}))
    out = {'id': res.id}
elif case == 'get':  # arg: {id, timeout}: outcome, state, the task's status events
    res = app.AsyncResult(arg['id'])
    out = outcome(res, arg.get('timeout', 60))
    # The terminal status event is pushed just after the result is stored: wait for it in the
    # durable list (bounded) before reading the events.
    deadline = time.time() + 10
    while time.time() < deadline and not any(e['status'] in ('SUCCESS', 'FAILURE') for e in list_events(arg['id'])):
        time.sleep(0.05)
    out.update(state=res.state, log=list_events(arg['id']))
elif case == 'revoke':  # arg: {id}: revoke with terminate, as the web side cancels a running task
    out = {'reply': app.control.revoke(arg['id'], terminate=True, reply=True, timeout=2)}
elif case == 'wait_status':  # arg: {id, status, wait_s}: bounded poll of the durable status list
    out = {'found': wait_status(r_, arg['id'], arg['status'], arg.get('wait_s', 60))}
elif case == 'events':  # arg: {id}: the task's status events, oldest first
    out = {'log': list_events(arg['id'])}
elif case == 'send_many':  # arg: {n, params}: publish n tasks, return their ids in order
    ids = [execute('load-%d' % i, arg['params']).id for i in range(arg['n'])]
    out = {'ids': ids}
elif case == 'tally':  # arg: {ids, timeout}: wait for every result; count stored states and status events
    deadline = time.time() + arg.get('timeout', 120)
    states = {}
    for tid in arg['ids']:
        res = app.AsyncResult(tid)
        try:
            res.get(timeout=max(1, deadline - time.time()))
        except Exception:  # noqa: BLE001 - counted below by state
            pass
        states[res.state] = states.get(res.state, 0) + 1
    wanted = set(arg['ids'])

    def per_task():
        per = {}
        for e in list_events():
            if e.get('celery_task_id') in wanted:
                per.setdefault(e['celery_task_id'], {}).setdefault(e['status'], 0)
                per[e['celery_task_id']][e['status']] += 1
        return per
    # Each terminal status event is pushed just after its result is stored: wait (bounded) until
    # every task that has a result has its terminal event before counting.
    per = per_task()
    settle = time.time() + 10
    while time.time() < settle and sum(1 for v in per.values() if 'SUCCESS' in v or 'FAILURE' in v) < len(wanted):
        time.sleep(0.05)
        per = per_task()
    workers = {}
    for tid in arg['ids']:
        m = r_.get('celery-task-meta-' + tid)
        w = json.loads(m).get('worker') if m else None
        workers[w] = workers.get(w, 0) + 1
    out = {'states': states,
           'running_counts': sorted({v.get('RUNNING', 0) for v in per.values()}),
           'success_counts': sorted({v.get('SUCCESS', 0) for v in per.values()}),
           'with_events': len(per), 'workers': workers,
           'unacked': r_.hlen('unacked'), 'queue_len': r_.llen(Q)}
else:
    raise SystemExit('unknown case ' + case)

print(json.dumps(out, default=str))
