// A Node MessagePort as a comlink Endpoint (comlink speaks the DOM EventTarget shape; Node ports emit
// 'message' with the data itself). comlink ships the same adapter at a deep path without ESM typings.
import type { MessagePort } from 'node:worker_threads';
import type { Endpoint } from 'comlink';

type Listener = Parameters<Endpoint['addEventListener']>[1];

export function portEndpoint(port: MessagePort): Endpoint {
  const wrapped = new WeakMap<Listener, (data: unknown) => void>();
  return {
    postMessage: (message: unknown, transfer?: unknown) => port.postMessage(message, transfer as never),
    addEventListener: (_type: string, listener: Listener) => {
      // A real MessageEvent (Node's global), the event a DOM port would deliver: comlink reads `data`.
      const l = (data: unknown): void => {
        const ev = new MessageEvent('message', { data });
        if (typeof listener === 'function') listener(ev);
        else listener.handleEvent(ev);
      };
      wrapped.set(listener, l);
      port.on('message', l);
    },
    removeEventListener: (_type: string, listener: Listener) => {
      const l = wrapped.get(listener);
      if (l) port.off('message', l);
      wrapped.delete(listener);
    },
    start: () => port.start(),
  };
}
