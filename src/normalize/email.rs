//! Email addresses: validation and provider rules.

use serde::Serialize;

/// A normalized email address.
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Email {
    /// Trimmed and lower-cased, as the customer would recognise it.
    pub raw: String,
    /// With provider rules applied: the mailbox the provider delivers to.
    pub normalized: String,
    /// False for placeholders (`pasdemail@…`, `x@x.fr`, `noemail…`, `test@test…`)
    /// that say nothing about who the customer is.
    pub identifying: bool,
}

impl std::fmt::Debug for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Email(identifying: {}, ..)", self.identifying)
    }
}

/// Why an email gave no normalized value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EmailIssue {
    /// No `@`, or more than one.
    MissingAt,
    /// The local part is empty, too long or has invalid characters.
    InvalidLocalPart,
    /// The domain is empty, too long, has no dot or invalid labels.
    InvalidDomain,
}

/// Normalizes an email address.
pub fn normalize_email(raw: &str) -> Result<Email, EmailIssue> {
    todo!("contact helper {raw}")
}
