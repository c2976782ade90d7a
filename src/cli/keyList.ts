import type postgres from 'postgres';

/** A key as `jingtu keys list` shows it: never the key itself (only its hash is stored). */
export interface ListedKey {
  id: string;
  principalCode: string;
  name: string | null;
  createdAt: string;
  revokedAt: string | null;
  /** The key runs only its principal's registered documents (trusted documents). */
  documentsOnly: boolean;
  /** When it stops working (single sign-on sessions); null: never. */
  expiresAt: string | null;
  /** Whose single sign-on session it is (issuer#subject); null for an API key. */
  ssoSubject: string | null;
  /** Whether it has expired, by the database's clock. */
  expired: boolean;
}

/**
 * The keys, oldest first, in plain SQL, so that `jingtu keys list` runs on the pool alone and loads neither
 * drizzle nor the hub's table definitions. The times are the
 * server's text, as drizzle reads them.
 */
export function listKeys(sql: postgres.Sql): Promise<ListedKey[]> {
  return sql<ListedKey[]>`
    select id, principal_code as "principalCode", name,
      created_at::text as "createdAt", revoked_at::text as "revokedAt", documents_only as "documentsOnly",
      expires_at::text as "expiresAt", sso_subject as "ssoSubject", coalesce(expires_at <= now(), false) as expired
    from api_key order by created_at asc`;
}
