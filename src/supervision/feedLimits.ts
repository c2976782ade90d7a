/** How many alert changes one read of the alert feed returns: by default, and at most. A leaf, for the CLI. */
export const DEFAULT_ALERT_CHANGES_LIMIT = 1000;
export const MAX_ALERT_CHANGES_LIMIT = 10_000;
