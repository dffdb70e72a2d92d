-- Smoke data for the auth history at head: fires every trigger and checks what it did.
INSERT INTO iam.account (id, email, role, updated_at) VALUES
    ('00000000-0000-0000-0000-000000000001', 'Ann@Example.org', 'authenticated', '2000-01-01'),
    ('00000000-0000-0000-0000-000000000002', 'ben@example.org', 'authenticated', '2000-01-01');
INSERT INTO iam.linked_identity (provider_id, provider, account_id, identity_data) VALUES
    ('g-1', 'github', '00000000-0000-0000-0000-000000000001', '{"email": "Ann@Example.org"}');
INSERT INTO iam.session (id, account_id, aal) VALUES
    ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-000000000001', 'aal2');
INSERT INTO iam.refresh_token (token, account_id, revoked, session_id) VALUES
    ('t1', '00000000-0000-0000-0000-000000000001', false, '00000000-0000-0000-0000-0000000000a1');
INSERT INTO iam.mfa_factor (id, account_id, kind, state, phone) VALUES
    ('00000000-0000-0000-0000-0000000000f1', '00000000-0000-0000-0000-000000000001', 'phone',
     'verified', '+33100000000');
INSERT INTO iam.mfa_challenge (id, factor_id, ip_address, otp_code) VALUES
    ('00000000-0000-0000-0000-0000000000c1', '00000000-0000-0000-0000-0000000000f1', '192.0.2.1', '123456');
INSERT INTO iam.one_time_token (account_id, kind, token_hash, relates_to) VALUES
    ('00000000-0000-0000-0000-000000000002', 'recovery', 'hash', 'ben@example.org');
INSERT INTO iam.audit_event (id, payload) VALUES
    ('00000000-0000-0000-0000-0000000000e1', '{"action": "login", "ip_address": "192.0.2.1"}');
UPDATE iam.account SET last_sign_in_at = now() WHERE id = '00000000-0000-0000-0000-000000000001';
UPDATE iam.account SET deleted_at = now() WHERE id = '00000000-0000-0000-0000-000000000002';
SELECT set_config('app.jwt_claims', '{"sub": "00000000-0000-0000-0000-000000000001", "role": "admin"}', true);

DO $$
BEGIN
    ASSERT (SELECT count(*) FROM iam.account WHERE email = 'ann@example.org') = 1, 'citext';
    ASSERT (SELECT updated_at > '2000-01-01' FROM iam.account
             WHERE id = '00000000-0000-0000-0000-000000000001'), 'set_updated_at';
    ASSERT (SELECT email FROM iam.linked_identity WHERE provider = 'github') = 'ann@example.org',
        'generated email';
    ASSERT (SELECT array_agg(has_mfa) FROM iam.active_account) = ARRAY[true], 'active accounts';
    ASSERT iam.request_account_id() = '00000000-0000-0000-0000-000000000001', 'request_account_id';
    ASSERT iam.request_role() = 'admin', 'request_role';
    ASSERT (SELECT seq_no FROM iam.audit_event) = 1, 'audit sequence';
END
$$;
