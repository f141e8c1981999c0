-- Emails are stored in their normal form (src/users/user-input.ts, normalizeEmail: NFKC,
-- then JavaScript's lower-casing). For a printable-ASCII address that is lower(), exact in
-- every locale, and the unique index on lower(email) guarantees no two rows collide.
-- Other addresses are normalised by the server at start (normalizeStoredEmails), where
-- JavaScript's case mapping is at hand: PostgreSQL's lower() depends on the locale.
UPDATE "users" SET "email" = lower("email") WHERE "email" ~ '^[ -~]*$' AND "email" <> lower("email");
