import type { ServerResponse } from 'node:http';

/** Told once per response: `finished` when it was written in full, false when the connection closed first. */
export type ResponseEndCallback = (finished: boolean) => void;

const CALLBACKS = Symbol('responseEndCallbacks');
type Tracked = ServerResponse & { [CALLBACKS]?: ResponseEndCallback[] };

/**
 * Calls `callback` when the response ends. Every part of the pipeline that waits for the end of a
 * response (its log line, its metrics, shutdown's count of requests in flight) shares one 'close'
 * listener: Node emits 'close' after 'finish' for a response written in full, and alone for one
 * whose connection went first. A listener each, with `once` wrappers, was a measurable share of
 * the ingress's CPU per request.
 */
export function onResponseEnd(response: ServerResponse, callback: ResponseEndCallback): void {
  const tracked = response as Tracked;
  const callbacks = tracked[CALLBACKS];
  if (callbacks !== undefined) {
    callbacks.push(callback);
    return;
  }
  const list = [callback];
  tracked[CALLBACKS] = list;
  // `on`, not `once`: Node emits a response's 'close' once (emitCloseNT checks `_closed`), and a
  // `once` wrapper and its removal cost as much again; emptying the list keeps it once regardless.
  response.on('close', () => {
    const finished = response.writableFinished;
    for (const call of list) call(finished);
    list.length = 0;
  });
}
