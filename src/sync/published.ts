import { EventEmitter } from 'node:events';

/**
 * A committed publish that changed records, announced in this process to whoever listens (the scheduler
 * queues a supervision run): publishing does not know who reacts to it.
 */
const emitter = new EventEmitter();

export function announcePublished(dataset: string): void {
  emitter.emit('published', dataset);
}

/** Calls `listener` after each publish that changed a dataset; returns a function that stops listening. */
export function onPublished(listener: (dataset: string) => void): () => void {
  emitter.on('published', listener);
  return () => emitter.off('published', listener);
}
