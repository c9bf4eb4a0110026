//! What every call of the ergonomic layer shares: refusing blank path parameters before
//! anything is sent (PROTOCOL §7.2), reading a success answer that may carry no body, and
//! awaiting a request builder directly.

use crate::error::ApiError;
use crate::generated::types;
use kiket_types::Id;
use progenitor_client::{Error as GeneratedError, ResponseValue};

/// `value`, or a local error naming `what` when it is blank: nothing is sent.
pub(crate) fn present<'a>(operation: &'static str, what: &'static str, value: &'a str) -> Result<&'a str, ApiError> {
    if value.trim().is_empty() {
        return Err(ApiError::input(operation, format!("{what} is blank; pass a non-empty {what}")));
    }
    Ok(value)
}

/// `id` as text, or a local error naming `what` when it is blank.
pub(crate) fn present_id(operation: &'static str, what: &'static str, id: &Id) -> Result<String, ApiError> {
    if id.is_blank() {
        return Err(ApiError::input(operation, format!("{what} is blank; pass a non-empty {what}")));
    }
    Ok(id.to_string())
}

/// The decoded body of a success answer, or `None` when the platform answered `2xx` with an
/// empty body (`204 No Content`): any 2xx is success (PROTOCOL §7.2).
pub(crate) fn optional_body<T>(
    operation: &'static str,
    result: Result<ResponseValue<T>, GeneratedError<types::ApiError>>,
) -> Result<Option<T>, ApiError> {
    match result {
        Ok(value) => Ok(Some(value.into_inner())),
        // Error answers always carry JSON (the client hooks make sure), so an empty body that
        // does not decode is a success without content.
        Err(GeneratedError::InvalidResponsePayload(bytes, _)) if bytes.iter().all(u8::is_ascii_whitespace) => Ok(None),
        Err(error) => Err(ApiError::from_generated(operation, error)),
    }
}

/// The decoded body of an answer that must have one (a read).
pub(crate) fn body<T>(
    operation: &'static str,
    result: Result<ResponseValue<T>, GeneratedError<types::ApiError>>,
) -> Result<T, ApiError> {
    optional_body(operation, result)?.ok_or_else(|| ApiError::InvalidResponse {
        operation,
        reason: "the platform answered with an empty body where it sends a result".into(),
    })
}

/// `impl IntoFuture` for a request builder with an `async fn send(self)`, so the builder is
/// awaited directly: `endpoints.sla_events(12).list().limit(5).await`.
macro_rules! awaitable {
    ($request:ident $(<$record:ident>)? => $output:ty) => {
        impl$(<$record: serde::de::DeserializeOwned + Send + 'static>)? ::std::future::IntoFuture for $request$(<$record>)? {
            type Output = Result<$output, $crate::ApiError>;
            type IntoFuture = ::std::pin::Pin<Box<dyn ::std::future::Future<Output = Self::Output> + Send>>;

            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }
    };
}
pub(crate) use awaitable;
