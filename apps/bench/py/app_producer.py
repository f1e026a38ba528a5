"""Pre-loads a queue for `pnpm bench worker` the way a web side would: N execute_task messages
sent by the Python Celery client. usage: app_producer.py REDIS_URL QUEUE N TAG  (prints the count)"""
import sys

from celery import Celery

url, queue, n, tag = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
app = Celery('web', broker=url, backend=url)
app.conf.update(task_serializer='json', result_serializer='json', accept_content=['json'])
with app.producer_or_acquire() as producer:
    for i in range(n):
        app.send_task('tasks.secretflow.execute_task',
                      args=['%s-%d' % (tag, i), {'task_type': 'hello', 'task_config': {'name': 'n%d' % i}}],
                      queue=queue, producer=producer)
print(n)
