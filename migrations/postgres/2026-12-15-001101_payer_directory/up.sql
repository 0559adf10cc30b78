-- The payer directory at national scale (issue 16), where the hospitals name hundreds of thousands
-- of payer plans between them.
--
-- Which facility a file is the current snapshot of, found by the file: a page of `/v1/payers`
-- checks "a current file has rates for this plan" once per plan it walks, and without this index
-- each check read every facility.
CREATE INDEX facilities_current_file ON facilities (current_source_file_id);

-- Payer and plan names are matched by what they contain, in any case (`lower(name) LIKE '%…%'`),
-- which no B-tree serves: trigram indexes (pg_trgm, a trusted extension every managed PostgreSQL
-- offers) find a rare name's plans without reading them all, and their statistics tell the
-- planner how common a name is, so a common one walks the directory in name order and stops at
-- the page. Where the extension cannot be created or used (no privilege to), the migration goes on
-- without the indexes and names are matched by reading every plan, as before; once it can be, the
-- two `CREATE INDEX` statements below can be run by hand. The lock keeps concurrent migrations of
-- one database (a schema each, in the tests) from creating the extension twice.
DO $$
DECLARE
    trgm_schema TEXT;
BEGIN
    PERFORM pg_advisory_xact_lock(7216904431118640913);
    BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
        SELECT n.nspname INTO trgm_schema
        FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
        WHERE e.extname = 'pg_trgm';
        EXECUTE format(
            'CREATE INDEX payer_plans_payer_trigrams ON payer_plans '
            'USING gin (lower(payer_name) %I.gin_trgm_ops)', trgm_schema);
        EXECUTE format(
            'CREATE INDEX payer_plans_plan_trigrams ON payer_plans '
            'USING gin (lower(plan_name) %I.gin_trgm_ops)', trgm_schema);
    EXCEPTION
        WHEN insufficient_privilege OR undefined_file OR feature_not_supported
            OR invalid_schema_name OR undefined_object THEN
        RAISE NOTICE 'pg_trgm is not usable here (%): payer names are matched without an index',
            SQLERRM;
    END;
END $$;
