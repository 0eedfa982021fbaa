//! Validation errors: a machine-readable code and the field it concerns.
//! The user's message is produced from the code in the user's language (see [`crate::i18n`]),
//! so the same error reads well in Chinese and English and never carries personal data.

use crate::i18n::Lang;
use serde::Serialize;

/// One refused field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's name as the API and forms spell it (e.g. `id_number`).
    pub field: String,
    /// Machine-readable reason (e.g. `id_number.checksum`).
    pub code: &'static str,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str) -> Self {
        Self {
            field: field.into(),
            code,
        }
    }

    /// The message shown to the user, naming the field, in her language.
    pub fn message(&self, lang: Lang) -> String {
        let field = crate::i18n::field_label(&self.field, lang);
        let reason = crate::i18n::reason(self.code, lang);
        if self.code == "date.range" {
            // The latest date moves with today and the configuration: named in full.
            let (first, last) = (crate::screening::EARLIEST, crate::screening::latest());
            return match lang {
                Lang::Zh => format!("{field}：应在 {first} 至 {last} 之间"),
                Lang::En => format!("{field}: must be between {first} and {last}"),
            };
        }
        match lang {
            Lang::Zh => format!("{field}：{reason}"),
            Lang::En => format!("{field}: {reason}"),
        }
    }
}

/// All refused fields of one input; empty means valid.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn push(&mut self, field: impl Into<String>, code: &'static str) {
        self.0.push(FieldError::new(field, code));
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Collects the error of a parse result, returning the value if there was none.
    pub fn check<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }
    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl std::fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let codes: Vec<String> = self
            .0
            .iter()
            .map(|e| format!("{}={}", e.field, e.code))
            .collect();
        write!(f, "invalid input: {}", codes.join(", "))
    }
}

impl std::error::Error for ValidationErrors {}

impl From<FieldError> for ValidationErrors {
    fn from(e: FieldError) -> Self {
        Self(vec![e])
    }
}
