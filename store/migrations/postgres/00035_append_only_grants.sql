-- +goose Up
-- The audit trail and the publication log are append-only. Their triggers
-- refuse a change from anyone, but whoever owns a table may drop its
-- triggers; the server's own role (docs/postgres-roles.sql), whose default
-- privileges give it data rights on every table the owner makes, keeps
-- only SELECT and INSERT on these two, so a change is refused by a
-- privilege before any trigger. Run as the owner: it granted those rights.
-- +goose StatementBegin
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN
        SELECT DISTINCT c.relname, a.grantee
        FROM pg_class c, aclexplode(c.relacl) a
        WHERE c.oid IN ('audit_log'::regclass, 'publication_log'::regclass)
          AND a.grantee <> c.relowner
          AND a.privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE')
    LOOP
        EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %I FROM %s', r.relname,
            CASE WHEN r.grantee = 0 THEN 'PUBLIC' ELSE r.grantee::regrole::text END);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- Nothing: the rights taken are not given back.
