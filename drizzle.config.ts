import { defineConfig } from 'drizzle-kit';

// Tables come from the dataset declarations (each exports its derived `table`) and the hub's own tables.
export default defineConfig({
  dialect: 'postgresql',
  schema: ['./src/db/hubTables.ts', './src/supervision/tables.ts', './src/catalog/datasets/*.ts'],
  out: './migrations',
  dbCredentials: { url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
});
