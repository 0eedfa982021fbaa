use jinguo_domain::ValidationErrors;
use jinguo_storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The input was refused; every refused field is named. Nothing was written.
    #[error("{0}")]
    Invalid(ValidationErrors),
    /// The thing does not exist, or lies outside what the caller may see.
    #[error("not found")]
    NotFound,
    /// Not logged in, or the credentials were not accepted (the same answer for every reason).
    #[error("not authenticated")]
    Unauthenticated,
    /// Logged in, but the caller's role does not allow this.
    #[error("forbidden")]
    Forbidden,
    /// Too many requests of this kind in a short time.
    #[error("rate limited")]
    RateLimited,
    /// Someone else changed the record since the caller read it; nothing was written.
    #[error("the record was changed by someone else")]
    Conflict,
    /// A party is already in these open disputes; nothing was written. The caller may look at
    /// them and register anyway by confirming.
    #[error("possible duplicate of {0:?}")]
    PossibleDuplicate(Vec<uuid::Uuid>),
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Something inside went wrong (never the user's fault); the text is for the log only.
    #[error("{0}")]
    Internal(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl From<ValidationErrors> for ServiceError {
    fn from(e: ValidationErrors) -> Self {
        ServiceError::Invalid(e)
    }
}

impl From<jinguo_domain::FieldError> for ServiceError {
    fn from(e: jinguo_domain::FieldError) -> Self {
        ServiceError::Invalid(e.into())
    }
}

/// A write refused because the record changed meanwhile, as the caller's conflict.
pub(crate) fn conflict(e: StorageError) -> ServiceError {
    match e {
        StorageError::Conflict(_) => ServiceError::Conflict,
        e => e.into(),
    }
}

/// A refusal of one field, for the caller to show next to it.
pub(crate) fn invalid(field: &str, code: &'static str) -> ServiceError {
    let mut v = ValidationErrors::new();
    v.push(field, code);
    v.into()
}

impl jinguo_storage::db::Retry for ServiceError {
    fn is_transient_conflict(&self) -> bool {
        matches!(self, ServiceError::Storage(e)
            if jinguo_storage::db::Retry::is_transient_conflict(e))
    }
}

impl From<jinguo_domain::UnknownKind> for ServiceError {
    fn from(e: jinguo_domain::UnknownKind) -> Self {
        ServiceError::Internal(e.to_string())
    }
}
