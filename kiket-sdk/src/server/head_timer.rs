//! The header-read deadline of one connection, cheap enough to move on every request.
//!
//! hyper starts a sleep each time a connection waits for a request head and drops it once the
//! head is in. With tokio's timer behind it, that is, on every request, a lookup of the runtime
//! and a timer entry registered and removed under the timer wheel's lock. Here a connection
//! keeps one tokio sleep for its whole life: each request's deadline is a number stored beside
//! it, and the sleep is re-armed only when it fires before the deadline now in force (so at
//! most once per header-read timeout while requests keep coming). The deadline itself is as
//! exact as tokio's: a head that is not in by it ends the connection.

use hyper::rt::{Sleep, Timer};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// A tokio sleep on the heap, as a deadline keeps it.
type BoxedSleep = Pin<Box<tokio::time::Sleep>>;

/// The timer of one connection's HTTP/1 builder (a new one per connection).
#[derive(Default)]
pub(crate) struct ConnectionTimer {
    /// The connection's sleep while no deadline holds it (empty before the first deadline has
    /// been polled, and while a deadline is alive).
    spare: Arc<Mutex<Option<BoxedSleep>>>,
}

/// A deadline of the connection: ready once `deadline` has passed.
struct Deadline {
    deadline: tokio::time::Instant,
    /// The connection's sleep, taken from the spare slot when this deadline was made; or, when
    /// another deadline held it then (hyper keeps one at a time on a connection, but nothing
    /// here depends on it), a sleep of this deadline's own, made on the first poll.
    sleep: Option<BoxedSleep>,
    /// Where the sleep goes back when this deadline is dropped.
    spare: Arc<Mutex<Option<BoxedSleep>>>,
}

impl Timer for ConnectionTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        self.sleep_until(Instant::now() + duration)
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Sleep>> {
        let sleep = self.spare.lock().unwrap_or_else(PoisonError::into_inner).take();
        Box::pin(Deadline { deadline: tokio::time::Instant::from_std(deadline), sleep, spare: self.spare.clone() })
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn Sleep>>, new_deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<Deadline>() {
            // One of ours: only the number moves; the next poll re-arms its sleep if needed.
            Some(mut deadline) => deadline.deadline = tokio::time::Instant::from_std(new_deadline),
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}

impl Future for Deadline {
    type Output = ();

    /// Polls the sleep for this deadline: a sleep armed later is moved back to it; one that
    /// fires earlier (armed for an earlier request's deadline) is re-armed for it.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let deadline = this.deadline;
        let sleep = this.sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if sleep.deadline() > deadline {
            sleep.as_mut().reset(deadline);
        }
        loop {
            match sleep.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(()) if tokio::time::Instant::now() >= deadline => return Poll::Ready(()),
                Poll::Ready(()) => sleep.as_mut().reset(deadline),
            }
        }
    }
}

impl Sleep for Deadline {}

impl Drop for Deadline {
    /// Puts the sleep back for the connection's next deadline, unless the slot already holds
    /// one (then this one, a second deadline's own, is dropped).
    fn drop(&mut self) {
        if let Some(sleep) = self.sleep.take() {
            self.spare.lock().unwrap_or_else(PoisonError::into_inner).get_or_insert(sleep);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::FutureExt;

    /// The address of the sleep the connection keeps spare, if any.
    fn spare(timer: &ConnectionTimer) -> Option<*const tokio::time::Sleep> {
        timer.spare.lock().expect("not poisoned").as_ref().map(|sleep| &**sleep as *const tokio::time::Sleep)
    }

    #[tokio::test]
    async fn each_deadline_is_kept_exactly_though_the_connection_arms_one_sleep() {
        let timer = ConnectionTimer::default();
        // A first deadline, dropped early (a head came in), arms the shared sleep for 40 ms.
        let start = Instant::now();
        let mut first = timer.sleep_until(start + Duration::from_millis(40));
        assert!(first.as_mut().now_or_never().is_none(), "not yet");
        drop(first);
        let armed = spare(&timer);
        assert!(armed.is_some(), "the dropped deadline's sleep is kept for the next one");
        // The next one is later: the sleep fires at 40 ms, too early, and is re-armed.
        let second = timer.sleep_until(start + Duration::from_millis(120));
        assert_eq!(spare(&timer), None, "the next deadline holds the sleep");
        second.await;
        assert_eq!(spare(&timer), armed, "and put the same sleep back");
        let waited = start.elapsed();
        assert!(waited >= Duration::from_millis(120), "not before its own deadline: {waited:?}");
        assert!(waited < Duration::from_secs(5), "and not much after it: {waited:?}");

        // Two at once: the second gets a sleep of its own, and each fires at its own deadline.
        let start = Instant::now();
        let late = timer.sleep_until(start + Duration::from_millis(150));
        let early = timer.sleep_until(start + Duration::from_millis(30));
        let early_done = tokio::spawn(async move {
            early.await;
            start.elapsed()
        });
        late.await;
        let late_at = start.elapsed();
        let early_at = early_done.await.expect("the early deadline completes");
        assert!(early_at >= Duration::from_millis(30) && early_at < late_at, "{early_at:?} then {late_at:?}");
        assert!(late_at >= Duration::from_millis(150), "{late_at:?}");

        // A deadline reset in place, later and then earlier, fires at the last one set.
        let start = Instant::now();
        let mut moved = timer.sleep_until(start + Duration::from_millis(10));
        assert!(moved.as_mut().now_or_never().is_none(), "armed for 10 ms");
        timer.reset(&mut moved, start + Duration::from_secs(3600));
        timer.reset(&mut moved, start + Duration::from_millis(60));
        moved.await;
        let waited = start.elapsed();
        assert!(waited >= Duration::from_millis(60) && waited < Duration::from_secs(5), "{waited:?}");

        // An earlier deadline after a later one moves the shared sleep back.
        let start = Instant::now();
        let mut hour = timer.sleep_until(start + Duration::from_secs(3600));
        assert!(hour.as_mut().now_or_never().is_none(), "armed for an hour");
        drop(hour);
        let soon = timer.sleep_until(start + Duration::from_millis(20));
        soon.await;
        assert!(start.elapsed() < Duration::from_secs(5), "moved back from an hour to 20 ms");
    }
}
