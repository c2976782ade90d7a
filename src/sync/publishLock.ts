/**
 * The advisory lock a publish into a dataset holds until it commits. Publishes draw their change sequence
 * under it, so a dataset's changes commit in sequence order; a reader that takes it shared waits for the
 * publish in flight and then sees every change up to the sequence's highest value.
 */
export function publishLockName(dataset: string): string {
  return `publish:${dataset}`;
}
