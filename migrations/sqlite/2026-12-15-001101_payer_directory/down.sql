DROP INDEX facilities_current_file;
