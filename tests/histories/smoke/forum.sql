-- Smoke data for the forum history at head: fires every trigger and checks what it did.
INSERT INTO member (handle, email, password_hash) VALUES
    ('alice', 'Alice@example.org', 'x'), ('bob', NULL, 'x'), ('carol', 'carol@example.org', 'x');
INSERT INTO board (name, title, creator_id, nsfw) VALUES ('rust', 'Rust', 1, false), ('cats', 'Cats', 2, true);
INSERT INTO thread (board_id, author_id, title, url) VALUES (1, 1, 'Release notes', 'https://example.org/r');
INSERT INTO thread (board_id, author_id, title) VALUES (2, 2, 'A cat'), (1, 3, 'Title only');
INSERT INTO reply (thread_id, author_id, parent_id, body) VALUES
    (1, 2, NULL, 'first'), (1, 3, 1, 'answer'), (1, 1, 2, 'answer to the answer'), (2, 1, NULL, 'meow');
INSERT INTO thread_vote (thread_id, member_id, score) VALUES (1, 2, 1), (1, 3, 1), (2, 1, -1);
UPDATE thread_vote SET score = -1 WHERE thread_id = 1 AND member_id = 3;
UPDATE reply SET removed = true WHERE body = 'meow';
UPDATE member SET banned = true WHERE handle = 'bob';
UPDATE member SET default_sort = 'top_day' WHERE handle = 'carol';

DO $$
BEGIN
    ASSERT (SELECT replies FROM thread_stats WHERE thread_id = 1) = 3, 'replies of thread 1';
    ASSERT (SELECT replies FROM thread_stats WHERE thread_id = 2) = 0, 'removed reply counted';
    ASSERT (SELECT (score, upvotes, downvotes) = (0, 1, 1) FROM thread_stats WHERE thread_id = 1),
        'votes of thread 1';
    ASSERT (SELECT count(*) FROM moderation.action_log WHERE kind = 'ban_member') = 1, 'ban log';
    ASSERT (SELECT count(*) FROM thread_listing) = 2, 'listing hides nothing but nsfw boards';
    ASSERT (SELECT bool_and(rank > 0) FROM thread_listing), 'hot_rank';
    ASSERT (SELECT count(*) FROM thread WHERE title ILIKE '%notes%') = 1, 'trigram search';
    ASSERT (SELECT path FROM reply WHERE body = 'answer to the answer') = '0'::ltree, 'new replies';
END
$$;
