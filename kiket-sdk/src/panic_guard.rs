//! Keeps panics of extension code out of logs.
//!
//! A leaf (imports no other module of this crate). A panic's message may contain anything the
//! handler had at hand, secrets included. The standard panic hook prints it to stderr; while
//! a handler is being polled or a payload decoded ([`catch`], [`Guarded`]), the hook that
//! [`install`] sets prints a fixed line with the source location instead. Panics elsewhere go
//! to the previous hook unchanged.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::Once;
use std::task::{Context, Poll};

thread_local! {
    static IN_HANDLER: Cell<bool> = const { Cell::new(false) };
}

static INSTALL: Once = Once::new();

/// Installs the filtering panic hook (once per process).
pub(crate) fn install() {
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_HANDLER.with(Cell::get) {
                let location = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
                tracing::error!(%location, "an extension handler panicked; its message is withheld because it may contain secrets");
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `work` as if inside a handler: a panic is caught (`None`) and its message withheld.
pub(crate) fn catch<T>(work: impl FnOnce() -> T) -> Option<T> {
    let _in_handler = InHandler::enter();
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).ok()
}

/// Marks the thread as "inside a handler" until dropped, then restores the previous mark.
struct InHandler(bool);

impl InHandler {
    fn enter() -> Self {
        Self(IN_HANDLER.with(|flag| flag.replace(true)))
    }
}

impl Drop for InHandler {
    fn drop(&mut self) {
        IN_HANDLER.with(|flag| flag.set(self.0));
    }
}

/// Marks the thread as "inside a handler" while the inner future is polled.
pub(crate) struct Guarded<F: ?Sized>(pub(crate) Pin<Box<F>>);

impl<F: Future + ?Sized> Future for Guarded<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let _in_handler = InHandler::enter();
        self.0.as_mut().poll(cx)
    }
}
