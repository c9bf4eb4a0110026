//! A count of units held at once (unverified body bytes, deliveries being handled), never above
//! a capacity.
//!
//! Nothing ever waits for a unit: a request that finds none left is refused (503) at once. So
//! this is one atomic counter rather than a semaphore, whose release takes the lock of its
//! waiter queue (a lock every delivery would take twice, from every worker thread).

use std::sync::atomic::{AtomicUsize, Ordering};

/// Up to `capacity` units, taken with [`Allowance::try_take`] and given back when the
/// [`Held`] units drop.
#[derive(Debug)]
pub(crate) struct Allowance {
    capacity: usize,
    used: AtomicUsize,
}

/// Units taken from an [`Allowance`]; given back on drop.
#[derive(Debug)]
#[must_use = "the units are given back when this is dropped"]
pub(crate) struct Held<'a> {
    allowance: &'a Allowance,
    units: usize,
}

impl Allowance {
    /// An allowance of `capacity` units, none taken.
    pub(crate) fn new(capacity: usize) -> Self {
        Self { capacity, used: AtomicUsize::new(0) }
    }

    /// `units` more, or `None` when that would go over the capacity.
    pub(crate) fn try_take(&self, units: usize) -> Option<Held<'_>> {
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(units).filter(|total| *total <= self.capacity)
            })
            .ok()?;
        Some(Held { allowance: self, units })
    }

    /// Units held right now.
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    pub(crate) fn in_use(&self) -> usize {
        self.used.load(Ordering::Acquire)
    }
}

impl Held<'_> {
    /// Adds `more` (taken from the same allowance) to these units.
    pub(crate) fn merge(&mut self, more: Held<'_>) {
        debug_assert!(std::ptr::eq(self.allowance, more.allowance), "units of one allowance");
        self.units += more.units;
        std::mem::forget(more);
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.allowance.used.fetch_sub(self.units, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::Allowance;

    #[test]
    fn units_are_refused_over_the_capacity_and_come_back_when_dropped() {
        let allowance = Allowance::new(10);
        let mut first = allowance.try_take(6).expect("6 of 10");
        assert!(allowance.try_take(5).is_none(), "6 + 5 is over 10");
        first.merge(allowance.try_take(4).expect("6 + 4 is exactly 10"));
        assert_eq!(allowance.in_use(), 10);
        assert!(allowance.try_take(1).is_none());
        assert!(allowance.try_take(usize::MAX).is_none(), "no overflow");
        drop(first);
        assert_eq!(allowance.in_use(), 0, "merged units come back together");
        assert!(allowance.try_take(10).is_some());
        assert_eq!(allowance.in_use(), 0, "a dropped hold gives its units back at once");
    }
}
