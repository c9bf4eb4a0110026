//! How an error reads when `main` returns it. Rust prints a returned error with `Debug`; the
//! errors an extension's `main` can return ([`ConfigError`](crate::ConfigError),
//! [`StartupError`](crate::StartupError), [`ManifestError`](crate::manifest::ManifestError))
//! write their message and then their causes there, as `anyhow` and `eyre` do, instead of the
//! enum's shape.

use std::fmt;

/// Writes `error`'s message, then each of its causes on a line of its own.
pub fn report(error: &(dyn std::error::Error + 'static), f: &mut fmt::Formatter<'_>) -> fmt::Result {
    write!(f, "{error}")?;
    let mut cause = error.source();
    if cause.is_some() {
        f.write_str("\n\nCaused by:")?;
    }
    while let Some(error) = cause {
        write!(f, "\n    {error}")?;
        cause = error.source();
    }
    Ok(())
}

/// `Debug` of each type as its [`report`].
macro_rules! debug_as_report {
    ($($ty:ty),* $(,)?) => {$(
        impl ::std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                $crate::report::report(self, f)
            }
        }
    )*};
}

pub(crate) use debug_as_report;

#[cfg(test)]
mod tests {
    #[derive(thiserror::Error)]
    #[error("the extension could not start")]
    struct Outer(#[source] Inner);

    #[derive(Debug, thiserror::Error)]
    #[error("the port is taken")]
    struct Inner;

    debug_as_report!(Outer);

    #[test]
    fn debug_writes_the_message_and_the_causes() {
        assert_eq!(format!("{:?}", Outer(Inner)), "the extension could not start\n\nCaused by:\n    the port is taken");
    }
}
