import { GraphQLError } from 'graphql';
import { DEFAULT_LIMITS } from '../config.js';
import type { Db } from '../db/connection.js';

/**
 * Publishes running at once in this process, per database pool: the streaming endpoint and the GraphQL
 * `publish` mutation both take a slot for the whole publish (receiving the body, validating, the
 * transaction). A publish's transaction holds a connection, and publishes of one dataset wait for each
 * other's lock holding theirs, so without a bound enough uploads would take the whole pool and starve every
 * query. Beyond the limit a publish is refused at once with 503 and `Retry-After`: the client tries again.
 */

/** Seconds a refused publisher is told to wait before trying again. */
export const PUBLISH_RETRY_AFTER_SECONDS = 15;

class PublishSlots {
  running = 0;
  constructor(public limit: number) {}
}

const slotsByPool = new WeakMap<object, PublishSlots>();

function slotsOf(db: Db): PublishSlots {
  let slots = slotsByPool.get(db.$client);
  if (!slots) {
    slots = new PublishSlots(DEFAULT_LIMITS.publishes);
    slotsByPool.set(db.$client, slots);
  }
  return slots;
}

/** Sets how many publishes may run at once on `db`'s pool in this process (the hub does at start). */
export function limitPublishes(db: Db, limit: number): void {
  slotsOf(db).limit = limit;
}

/** What a publisher reads when every slot is taken. */
export function tooManyPublishes(limit: number): GraphQLError {
  const seconds = PUBLISH_RETRY_AFTER_SECONDS;
  return new GraphQLError(
    `正在进行的发布已达上限（${limit} 个），请 ${seconds} 秒后重试 / Too many publishes under way on this hub (at most ${limit} at once): try again in ${seconds} s`,
    {
      extensions: {
        code: 'SERVICE_UNAVAILABLE',
        reason: 'TOO_MANY_PUBLISHES',
        retryAfter: seconds,
        http: { status: 503, headers: new Map([['retry-after', String(seconds)]]) },
      },
    },
  );
}

/**
 * Takes a publish slot on `db`'s pool, or throws `tooManyPublishes` when none is free; returns the function
 * that gives it back (once, whatever the outcome of the publish).
 */
export function takePublishSlot(db: Db): () => void {
  const slots = slotsOf(db);
  if (slots.running >= slots.limit) throw tooManyPublishes(slots.limit);
  slots.running++;
  let given = false;
  return () => {
    if (given) return;
    given = true;
    slots.running--;
  };
}

/** Runs a publish in a slot of `db`'s pool (see takePublishSlot). */
export async function withPublishSlot<T>(db: Db, publish: () => Promise<T>): Promise<T> {
  const release = takePublishSlot(db);
  try {
    return await publish();
  } finally {
    release();
  }
}
