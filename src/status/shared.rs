//! Fleet mode in the report: which shared store is in use and the fleet's view of the profiles
//! (fleet mode; README "Several hosts"). Read once, with the shared store's timeout; an unreachable store is reported, not
//! an error.

use super::*;
use crate::auth::shared::SharedStateOptions;
use crate::auth::shared::merge::FleetView;

/// `auth.sharedState` (this crate): the shared store in use.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SharedStateStatus {
    /// Its URL, password masked.
    pub store: String,
    /// The key prefix.
    pub prefix: String,
    /// This host's id.
    pub host_id: String,
    /// Whether it answered.
    pub reachable: bool,
    /// Why not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The shared store named by the environment and its view of `store`'s profiles (`None`: no
/// fleet mode).
pub(super) fn read(
    config: &Config,
    store: &AuthStore,
) -> Option<(SharedStateStatus, Option<FleetView>)> {
    let options = SharedStateOptions::from_env(config.env())?;
    let mut status = SharedStateStatus {
        store: crate::auth::shared::mask_url(&options.url),
        prefix: options.prefix.clone(),
        host_id: options.host_id.clone(),
        reachable: false,
        error: None,
    };
    match fetch(&options, store) {
        Ok(view) => {
            status.reachable = true;
            Some((status, Some(view)))
        }
        Err(e) => {
            status.error = Some(e);
            Some((status, None))
        }
    }
}

#[cfg(feature = "redis")]
fn fetch(
    options: &SharedStateOptions,
    store: &AuthStore,
) -> std::result::Result<FleetView, String> {
    use crate::auth::shared::redis::{Target, read_blocking};
    let targets = store
        .profiles
        .iter()
        .map(|(id, p)| Target {
            provider: normalize_provider(p.credential.provider()).into_owned(),
            profile: id.clone(),
        })
        .collect();
    read_blocking(options, targets)
}

#[cfg(not(feature = "redis"))]
fn fetch(_: &SharedStateOptions, _: &AuthStore) -> std::result::Result<FleetView, String> {
    Err("this build has no fleet mode (build with the `redis` feature)".to_owned())
}

/// Marks the unusable profiles whose state came from the fleet with the host that recorded it;
/// a profile out of headroom also gets the exhausted buckets as its reason.
pub(super) fn annotate(unusable: &mut [UnusableProfile], view: &FleetView, now: u64) {
    for u in unusable {
        if u.kind == "headroom" {
            if let Some(e) = view
                .headroom
                .get(&u.profile_id)
                .and_then(|h| h.exhausted(now))
            {
                u.reason = Some(e.buckets.join(", "));
                u.host = e.host;
            }
            continue;
        }
        if let Some(e) = view.profiles.get(&u.profile_id)
            && unusable_until(Some(&e.stats)) == Some(u.until)
        {
            u.host = e.host.clone();
        }
    }
}
