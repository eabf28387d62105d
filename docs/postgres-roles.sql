-- Two roles for Redazione on PostgreSQL, run once by a superuser:
--   psql -v ON_ERROR_STOP=1 -f docs/postgres-roles.sql
-- redazione_owner owns the database and its schema and runs the
-- migrations; redazione_app, the server's, reads and writes data only.
-- Change the names, then give both a password (\password redazione_owner).

CREATE ROLE redazione_owner LOGIN;
CREATE ROLE redazione_app LOGIN;
CREATE DATABASE redazione OWNER redazione_owner;
REVOKE ALL ON DATABASE redazione FROM PUBLIC;
GRANT CONNECT ON DATABASE redazione TO redazione_app;

\connect redazione

-- Only the owner creates objects in the schema.
ALTER SCHEMA public OWNER TO redazione_owner;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO redazione_app;

-- Every table and sequence the owner's migrations make (Redazione's and the
-- job queue's): data rights for the server, nothing on the schema. A
-- migration takes UPDATE and DELETE on audit_log and publication_log back:
-- the server may only read and add to them.
ALTER DEFAULT PRIVILEGES FOR ROLE redazione_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO redazione_app;
ALTER DEFAULT PRIVILEGES FOR ROLE redazione_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO redazione_app;
