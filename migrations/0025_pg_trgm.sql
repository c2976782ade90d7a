-- Trigram indexes (pg_trgm) answer free-text search, ILIKE %…% on each searchable field (the next
-- migration creates them). pg_trgm is a trusted extension: the database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
