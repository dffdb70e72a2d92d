-- Smoke data for the mailer history at head: fires every trigger and checks what it did.
INSERT INTO subscriber (email, name, attributes) VALUES
    ('ann@example.org', 'Ann', '{"city": "Lyon"}'), ('ben@example.org', NULL, '{}');
INSERT INTO mailing_list (name, kind, tags) VALUES ('Weekly', 'public', '{news}');
INSERT INTO subscription (subscriber_id, list_id, state) VALUES (1, 1, 'confirmed'), (2, 1, DEFAULT);
INSERT INTO campaign (name, subject, from_email, body, content_format, to_send)
VALUES ('Spring issue', 'Flowers', 'me@example.org', 'tulips and daffodils', 'markdown', 2);
INSERT INTO campaign_list (campaign_id, list_id, list_name) VALUES (1, 1, 'Weekly');
INSERT INTO bounce (subscriber_id, campaign_id, kind) VALUES (2, 1, 'soft'), (2, 1, 'complaint');
INSERT INTO link (url) VALUES ('https://example.org/tulips');
INSERT INTO link_click (campaign_id, link_id, subscriber_id) VALUES (1, 1, 1);
UPDATE campaign SET subject = 'Spring flowers', sent = 1, updated_at = '2000-01-01' WHERE id = 1;
UPDATE setting SET value = '500' WHERE key = 'app.batch_size';

DO $$
BEGIN
    ASSERT (SELECT bounces FROM subscriber WHERE id = 2) = 2, 'bounce counter';
    ASSERT (SELECT search @@ to_tsquery('simple', 'flowers') FROM campaign WHERE id = 1),
        'search document follows the subject';
    ASSERT (SELECT updated_at > '2000-01-01' FROM campaign WHERE id = 1), 'touch_updated_at';
    ASSERT (SELECT (lists, bounces, clicks) = (1, 2, 1) FROM campaign_overview WHERE id = 1),
        'overview counts';
    ASSERT (SELECT count(*) FROM subscriber WHERE attributes @> '{"city": "Lyon"}') = 1, 'jsonb';
    ASSERT (SELECT count(*) FROM template WHERE is_default) = 1, 'seeded templates';
END
$$;
