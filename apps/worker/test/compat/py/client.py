"""Python Celery 5.2.6 client driving the TS worker (compat suite). Run with /usr/bin/python3.

usage: client.py CASE REDIS_URL [JSON_ARG]   -> prints one JSON object on stdout.
"""
import json
import sys
import threading
import time

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
    res = send({'mode': 'invalid'})
    seen = []
    out = get_outcome(res, on_message=lambda m: seen.append(m['status']))
    time.sleep(0.5)
    out.update(seen=seen, retries=meta(res)['retries'], started=int(r_.get('compat:started:' + res.id) or 0))
elif case == 'retry':
    res = send({'mode': 'retry', 'n': arg.get('n', 2)})
    seen = []
    out = get_outcome(res, timeout=20, on_message=lambda m: seen.append([m['status'], m.get('retries')]))
    out['seen'] = seen
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

    def capture():
        with app.connection() as c:
            recv = app.events.Receiver(c, handlers={'*': got.append})
            try:
                recv.capture(limit=arg.get('limit', 30), timeout=arg.get('timeout', 4), wakeup=False)
            except Exception:  # noqa: BLE001 - socket timeout ends the capture
                pass

    t = threading.Thread(target=capture)
    t.start()
    time.sleep(1.0)
    res = send({'mode': 'succeed'})
    out['result'] = get_outcome(res)
    t.join(15)
    out['id'] = res.id
    out['events'] = [{k: v for k, v in e.items() if k in (
        'type', 'uuid', 'hostname', 'name', 'args', 'kwargs', 'retries', 'root_id', 'runtime', 'result',
        'freq', 'active', 'processed', 'sw_ident', 'timestamp', 'clock', 'pid', 'utcoffset')} for e in got]
else:
    raise SystemExit('unknown case ' + case)

print(json.dumps(out, default=str))
