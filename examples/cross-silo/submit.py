"""Each party's web side sends the SAME task (same task_request_id) to its own worker on its own Redis.

usage: /usr/bin/python3 submit.py TASK_JSON REQUEST_ID TIMEOUT_S party=redis://... [party=redis://...]
prints one JSON object: {party: {"ok": true, "value": <result>} | {"ok": false, "type", "message"}}

One script plays both web sides here for the demo; in a deployment each organisation runs its own.
"""
import json
import sys

from celery import Celery

task_file, request_id, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
brokers = dict(arg.split('=', 1) for arg in sys.argv[4:])
with open(task_file, encoding='utf-8') as f:
    params = json.load(f)

pending = {}
for party, url in brokers.items():
    app = Celery('web-' + party, broker=url, backend=url)
    app.conf.update(task_serializer='json', result_serializer='json', accept_content=['json'])
    pending[party] = app.send_task('tasks.secretflow.execute_task', args=[request_id, params], queue='secretflow_queue')

out = {}
for party, res in pending.items():
    try:
        out[party] = {'ok': True, 'value': res.get(timeout=timeout), 'retries': res.retries}
    except Exception as e:  # noqa: BLE001 - reported, the caller decides
        out[party] = {'ok': False, 'type': type(e).__name__, 'message': str(e)[:600]}
print(json.dumps(out))
