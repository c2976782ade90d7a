import { EventEmitter } from 'node:events';

/**
 * Alerts whose feed position moved (opened, reopened or resolved by an evaluation, a workflow step), announced
 * in this process once committed, to whoever listens (the hub queues the webhook dispatch, so that receivers
 * hear of it within seconds rather than at the dispatch's next minute): the alerts do not know who reacts.
 */
const emitter = new EventEmitter();

export function announceAlertsChanged(): void {
  emitter.emit('changed');
}

/** Calls `listener` after each committed change of alerts; returns a function that stops listening. */
export function onAlertsChanged(listener: () => void): () => void {
  emitter.on('changed', listener);
  return () => emitter.off('changed', listener);
}
