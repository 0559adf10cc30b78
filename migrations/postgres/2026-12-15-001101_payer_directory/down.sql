-- The extension stays: other schemas of the database may use it.
DROP INDEX IF EXISTS payer_plans_plan_trigrams;
DROP INDEX IF EXISTS payer_plans_payer_trigrams;
DROP INDEX facilities_current_file;
