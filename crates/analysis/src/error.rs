//! The analysis crate's one error type.

/// What can go wrong while computing figures.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A polars query failed; this is a bug in daglog, not in the input.
    #[error("failed to compute {what}: {source}")]
    Polars {
        /// Which figures.
        what: &'static str,
        /// polars' error.
        #[source]
        source: polars::error::PolarsError,
    },
}

/// Result with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

pub(crate) trait Context<T> {
    fn computing(self, what: &'static str) -> Result<T>;
}

impl<T> Context<T> for polars::error::PolarsResult<T> {
    fn computing(self, what: &'static str) -> Result<T> {
        self.map_err(|source| Error::Polars { what, source })
    }
}
