//! Merging the fleet's view of profile health with the local auth store (fleet mode; README "Several hosts").
//!
//! Each side holds, per profile, the `usageStats` fields of the [store](crate::compatibility#auth-profile-store). The side whose latest event
//! (`max(lastUsed, lastFailureAt)`) is later decides the health fields (cooldown, disable, error
//! and failure counts); on a tie the fleet's record wins, as it counts every host's failures.
//! `lastUsed` and `lastFailureAt` are the later of both. So a failure recorded anywhere is seen
//! everywhere until a later success clears it, and a later failure always wins over an earlier
//! success ("the later failure wins", as between the processes sharing one file).

use crate::auth::store::{AuthStore, UsageStats};
use crate::config::model_ref::normalize_provider;
use std::collections::HashMap;

/// One profile's health as the fleet shares it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SharedEntry {
    /// The shared `usageStats` fields (no credentials: the shared store never holds any).
    pub stats: UsageStats,
    /// The host that recorded the last failure (its host id).
    pub host: Option<String>,
}

/// What the shared store holds for the profiles of one host's auth store.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FleetView {
    /// By profile id.
    pub profiles: HashMap<String, SharedEntry>,
    /// The last profile that worked, per normalised provider.
    pub last_good: HashMap<String, String>,
    /// The rate-limit headroom last seen by any host, by profile id.
    pub headroom: HashMap<String, super::headroom::Headroom>,
}

/// The time of a record's latest event.
fn latest(s: &UsageStats) -> u64 {
    s.last_used.unwrap_or(0).max(s.last_failure_at.unwrap_or(0))
}

fn health_eq(a: &UsageStats, b: &UsageStats) -> bool {
    a.cooldown_until == b.cooldown_until
        && a.disabled_until == b.disabled_until
        && a.disabled_reason == b.disabled_reason
        && a.error_count.unwrap_or(0) == b.error_count.unwrap_or(0)
        && a.failure_counts == b.failure_counts
        && a.last_failure_at == b.last_failure_at
}

/// Merges the fleet's record of a profile into the local one (see the module docs). Returns
/// whether the local record's health fields changed.
pub fn merge_stats(local: &mut UsageStats, shared: &UsageStats) -> bool {
    let shared_wins = latest(shared) >= latest(local);
    let last_used = local.last_used.max(shared.last_used);
    let last_failure_at = local.last_failure_at.max(shared.last_failure_at);
    let mut changed = false;
    if shared_wins {
        let mut next = local.clone();
        next.cooldown_until = shared.cooldown_until;
        next.disabled_until = shared.disabled_until;
        next.disabled_reason = shared.disabled_reason.clone();
        next.error_count = shared.error_count.or(local.error_count.map(|_| 0));
        next.failure_counts = shared.failure_counts.clone();
        next.last_failure_at = last_failure_at;
        changed = !health_eq(local, &next);
        *local = next;
    } else if local.last_failure_at != last_failure_at {
        local.last_failure_at = last_failure_at;
        changed = true;
    }
    local.last_used = last_used;
    changed
}

/// Merges `view` into `store` for the profiles the store holds (the fleet's records of other
/// profiles are ignored), and `lastGood` for providers whose profile the store holds. Returns
/// whether any health field changed (what is worth writing to the file).
pub fn merge_into(store: &mut AuthStore, view: &FleetView) -> bool {
    let mut changed = false;
    for (id, entry) in &view.profiles {
        if !store.profiles.contains_key(id) {
            continue;
        }
        let local = match store.usage_stats.get_mut(id) {
            Some(s) => s,
            None => store.usage_stats.entry(id.clone()).or_default(),
        };
        changed |= merge_stats(local, &entry.stats);
    }
    for (provider, id) in &view.last_good {
        if !store.profiles.contains_key(id) {
            continue;
        }
        let current = store
            .last_good
            .iter()
            .find(|(k, _)| normalize_provider(k) == provider.as_str())
            .map(|(k, v)| (k.clone(), v.clone()));
        match current {
            Some((_, v)) if &v == id => {}
            Some((k, _)) => {
                store.last_good.insert(k, id.clone());
            }
            None => {
                store.last_good.insert(provider.clone(), id.clone());
            }
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::usage::{CooldownSettings, apply_failure, apply_used};
    use crate::error::FailureReason;
    use proptest::prelude::*;

    fn failed(at: u64, reason: FailureReason) -> UsageStats {
        let mut s = UsageStats::default();
        apply_failure(&mut s, reason, at, &CooldownSettings::default());
        s
    }

    #[test]
    fn a_later_fleet_failure_wins_over_an_earlier_local_success() {
        let mut local = UsageStats::default();
        apply_used(&mut local, 1_000);
        let shared = failed(2_000, FailureReason::RateLimit);
        assert!(merge_stats(&mut local, &shared));
        assert_eq!(local.cooldown_until, Some(62_000));
        assert_eq!(local.last_used, Some(1_000));
        assert_eq!(local.last_failure_at, Some(2_000));
    }

    #[test]
    fn a_later_local_failure_wins_over_an_earlier_fleet_success() {
        let mut local = failed(3_000, FailureReason::Billing);
        let mut shared = UsageStats::default();
        apply_used(&mut shared, 2_000);
        let before = local.clone();
        assert!(!merge_stats(&mut local, &shared));
        assert_eq!(local.disabled_until, before.disabled_until);
        assert_eq!(local.last_used, Some(2_000));
    }

    #[test]
    fn a_later_fleet_success_clears_a_local_cooldown() {
        let mut local = failed(1_000, FailureReason::RateLimit);
        let mut shared = failed(1_000, FailureReason::RateLimit);
        apply_used(&mut shared, 5_000);
        assert!(merge_stats(&mut local, &shared));
        assert_eq!(local.cooldown_until, None);
        assert_eq!(local.error_count, Some(0));
        assert_eq!(local.last_failure_at, Some(1_000));
    }

    #[test]
    fn only_profiles_of_the_store_are_merged() {
        let mut store = AuthStore::parse(
            r#"{"version":1,"profiles":{"anthropic:a":{"type":"api_key","provider":"anthropic","key":"sk-ant-api03-x"}}}"#,
            std::path::Path::new("auth-profiles.json"),
        )
        .unwrap();
        let mut view = FleetView::default();
        for id in ["anthropic:a", "anthropic:zz"] {
            view.profiles.insert(
                id.to_owned(),
                SharedEntry {
                    stats: failed(10, FailureReason::Auth),
                    host: Some("h1".into()),
                },
            );
        }
        view.last_good
            .insert("anthropic".into(), "anthropic:a".into());
        assert!(merge_into(&mut store, &view));
        assert_eq!(
            store.usage_stats["anthropic:a"].cooldown_until,
            Some(60_010)
        );
        assert!(!store.usage_stats.contains_key("anthropic:zz"));
        assert_eq!(store.last_good["anthropic"], "anthropic:a");
        // Merging again changes nothing.
        assert!(!merge_into(&mut store, &view));
    }

    #[derive(Debug, Clone, Copy)]
    enum Event {
        Fail(u8),
        Use,
    }

    fn apply(s: &mut UsageStats, e: Event, at: u64) {
        match e {
            Event::Fail(r) => {
                let reason = [
                    FailureReason::RateLimit,
                    FailureReason::Billing,
                    FailureReason::Auth,
                ][usize::from(r % 3)];
                apply_failure(s, reason, at, &CooldownSettings::default());
            }
            Event::Use => {
                if s.last_failure_at.is_some_and(|f| f > at) {
                    s.last_used = Some(s.last_used.unwrap_or(0).max(at));
                } else {
                    apply_used(s, at);
                }
            }
        }
    }

    proptest! {
        /// Two hosts record interleaved events, each into its file and into the fleet's record;
        /// then each merges the fleet's record into its file. Both end with the fleet's health,
        /// which is what one file shared by both would hold; the merge is idempotent; and a
        /// profile whose last event was a failure is in cooldown or disabled everywhere.
        #[test]
        fn interleavings_converge(events in proptest::collection::vec((any::<bool>(), prop_oneof![Just(Event::Use), (0u8..3).prop_map(Event::Fail)]), 1..40)) {
            let mut files = [UsageStats::default(), UsageStats::default()];
            let mut fleet = UsageStats::default();
            let mut t = 1_000u64;
            for (host, e) in &events {
                t += 1_000;
                apply(&mut files[usize::from(*host)], *e, t);
                apply(&mut fleet, *e, t);
            }
            for f in &mut files {
                merge_stats(f, &fleet);
                prop_assert!(health_eq(f, &fleet), "{f:?} vs {fleet:?}");
                let again = f.clone();
                prop_assert!(!merge_stats(f, &fleet));
                prop_assert_eq!(&again, &*f);
                if let Some((_, Event::Fail(_))) = events.last() {
                    prop_assert!(f.cooldown_until.is_some_and(|u| u > t) || f.disabled_until.is_some_and(|u| u > t));
                }
            }
        }
    }
}
