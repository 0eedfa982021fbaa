-- Wrong one-time codes in a row: five lock the account as wrong passwords do; a right code
-- or an unlock clears them. Apart from failed_logins, so that a right password does not clear them.
ALTER TABLE account ADD COLUMN totp_failures INTEGER NOT NULL DEFAULT 0;
