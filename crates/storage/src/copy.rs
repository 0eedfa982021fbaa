//! PostgreSQL's `COPY … FROM STDIN` text format, for bulk writes inside a transaction: one round
//! trip per megabyte instead of one statement per thousand rows.

/// Rows in COPY's text format: fields separated by tabs, rows by newlines, `\N` for NULL, and
/// backslash, tab, newline and carriage return escaped.
#[derive(Default)]
pub struct CopyText {
    text: String,
    in_row: bool,
}

impl CopyText {
    pub fn new() -> Self {
        Self::default()
    }

    fn separate(&mut self) {
        if self.in_row {
            self.text.push('\t');
        }
        self.in_row = true;
    }

    /// One value, as its text.
    pub fn field(&mut self, value: &str) -> &mut Self {
        self.separate();
        for ch in value.chars() {
            match ch {
                '\\' => self.text.push_str("\\\\"),
                '\t' => self.text.push_str("\\t"),
                '\n' => self.text.push_str("\\n"),
                '\r' => self.text.push_str("\\r"),
                c => self.text.push(c),
            }
        }
        self
    }

    /// A NULL.
    pub fn null(&mut self) -> &mut Self {
        self.separate();
        self.text.push_str("\\N");
        self
    }

    pub fn end_row(&mut self) {
        self.text.push('\n');
        self.in_row = false;
    }

    pub fn len(&self) -> usize {
        self.text.len()
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The rows so far, leaving this empty.
    pub fn take(&mut self) -> String {
        self.in_row = false;
        std::mem::take(&mut self.text)
    }
}

/// Bytes of rows sent to the server at a time.
const SEND_BYTES: usize = 1 << 20;

/// Runs `statement` (a `COPY … FROM STDIN`) on `conn`, with the rows `write_row` writes for each
/// item, sent a megabyte at a time.
pub async fn copy_in<T>(
    conn: &mut sqlx::PgConnection,
    statement: &'static str,
    items: &[T],
    mut write_row: impl FnMut(&mut CopyText, &T),
) -> Result<(), sqlx::Error> {
    if items.is_empty() {
        return Ok(());
    }
    let mut sink = conn.copy_in_raw(statement).await?;
    let mut rows = CopyText::new();
    for item in items {
        write_row(&mut rows, item);
        rows.end_row();
        if rows.len() >= SEND_BYTES {
            sink.send(rows.take().into_bytes()).await?;
        }
    }
    if !rows.is_empty() {
        sink.send(rows.take().into_bytes()).await?;
    }
    sink.finish().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::CopyText;

    #[test]
    fn values_are_escaped() {
        let mut t = CopyText::new();
        t.field("a\tb").field("c\\d\ne").null();
        t.end_row();
        t.field("x");
        t.end_row();
        assert_eq!(t.take(), "a\\tb\tc\\\\d\\ne\t\\N\nx\n");
        assert!(t.is_empty());
    }
}
