/**
 * The alert feed's advisory lock, by name. A transaction takes it (`pg_advisory_xact_lock(hashtext(name))`)
 * before it gives an alert a feed position (`change_seq`) and holds it to commit, so positions become visible
 * in the order they were taken: a puller that has read up to a position never finds a smaller one committed
 * later (the publish lock does the same for datasets' change sequences).
 */
export const ALERT_FEED_LOCK = 'jingtu:alert-feed';
