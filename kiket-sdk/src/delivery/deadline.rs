//! A deadline armed only when it is needed.
//!
//! Most bodies are in hyper's buffer when the delivery starts, and most handlers that call
//! nothing finish on their first poll. `tokio::time::timeout` would still look up the runtime's
//! timer and build a timer entry for each; [`within`] polls the work once first and arms the
//! timer only if the work has to wait. The deadline is absolute, so the first poll counts
//! against it like any other.

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;
use tokio::time::error::Elapsed;
use tokio::time::Instant;

/// Runs `work` until it finishes or `deadline` passes, whichever comes first.
pub(crate) async fn within<F: Future>(deadline: Instant, work: F) -> Result<F::Output, Elapsed> {
    let mut work = pin!(work);
    // The first poll registers the task's own waker, as any poll would.
    let first = poll_fn(|cx| {
        Poll::Ready(match work.as_mut().poll(cx) {
            Poll::Ready(output) => Some(output),
            Poll::Pending => None,
        })
    })
    .await;
    match first {
        Some(output) => Ok(output),
        None => tokio::time::timeout_at(deadline, work).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn work_ready_at_once_finishes_and_late_work_is_cut_off_at_the_deadline() {
        let past = Instant::now() - Duration::from_secs(1);
        assert_eq!(within(past, async { 7 }).await, Ok(7), "ready work finishes even past its deadline");

        let deadline = Instant::now() + Duration::from_millis(50);
        let slow = within(deadline, tokio::time::sleep(Duration::from_secs(60)));
        assert!(slow.await.is_err(), "elapsed");
        let now = Instant::now();
        assert!(now >= deadline && now < deadline + Duration::from_secs(5), "cut off at the deadline, not later");

        let deadline = Instant::now() + Duration::from_secs(5);
        let waits = within(deadline, async {
            tokio::time::sleep(Duration::from_millis(10)).await;
            "done"
        });
        assert_eq!(waits.await, Ok("done"), "work that waits but finishes in time completes");
    }
}
