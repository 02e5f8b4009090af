//! The client's link to the shared store of fleet mode ([`crate::auth::shared`]).
//!
//! Without the `redis` feature [`Fleet`] is a type with no values: the hooks in the usage log
//! compile to nothing.

use crate::auth::AgentAuth;
use crate::auth::shared::SharedStateOptions;
use crate::auth::store::AuthStore;
use crate::config::model_ref::normalize_provider;
use crate::error::Result;
use std::sync::Arc;
use std::time::Duration;

#[cfg(feature = "redis")]
pub(crate) use crate::auth::shared::redis::{
    RedisShared as Fleet, SharedHeadroom, SharedUse, Target,
};

/// Connects (lazily) to the shared store named by `options`.
#[cfg(feature = "redis")]
pub(crate) fn open(options: &SharedStateOptions, interval: Duration) -> Result<Arc<Fleet>> {
    Fleet::new(options, interval)
}

#[cfg(not(feature = "redis"))]
pub(crate) fn open(options: &SharedStateOptions, _interval: Duration) -> Result<Arc<Fleet>> {
    Err(crate::error::Error::InvalidArgument(format!(
        "shared state {} needs fleet mode, which this build does not have (build with the `redis` feature)",
        crate::auth::shared::mask_url(&options.url)
    )))
}

/// Fleet mode is not built in: no value of this type exists.
#[cfg(not(feature = "redis"))]
#[derive(Debug)]
pub(crate) enum Fleet {}

/// Without a shared store these are built by the hooks but read by nothing.
#[cfg(not(feature = "redis"))]
#[allow(dead_code)]
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) provider: String,
    pub(crate) profile: String,
}

#[cfg(not(feature = "redis"))]
#[allow(dead_code)]
#[derive(Debug, Clone)]
pub(crate) struct SharedUse {
    pub(crate) target: Target,
    pub(crate) at_ms: u64,
    pub(crate) window_ms: u64,
}

#[cfg(not(feature = "redis"))]
#[allow(dead_code)]
#[derive(Debug, Clone)]
pub(crate) struct SharedHeadroom {
    pub(crate) target: Target,
    pub(crate) headroom: crate::auth::shared::headroom::Headroom,
    pub(crate) at_ms: u64,
}

#[cfg(not(feature = "redis"))]
impl Fleet {
    pub(crate) fn version(&self) -> u64 {
        match *self {}
    }
    pub(crate) fn fresh(&self) -> bool {
        match *self {}
    }
    pub(crate) fn view(&self) -> Arc<crate::auth::shared::merge::FleetView> {
        match *self {}
    }
    pub(crate) async fn refresh(self: &Arc<Self>, _targets: Vec<Target>) {
        match **self {}
    }
    pub(crate) async fn record_failure(
        self: &Arc<Self>,
        _target: Target,
        _reason: crate::error::FailureReason,
        _settings: crate::auth::usage::CooldownSettings,
        _now_ms: u64,
    ) {
        match **self {}
    }
    pub(crate) async fn record_uses(
        &self,
        _uses: &[SharedUse],
        _headroom: &[SharedHeadroom],
    ) -> std::result::Result<(), String> {
        match *self {}
    }
}

/// The profiles of `store` as shared-store targets.
pub(crate) fn targets(store: &AuthStore) -> Vec<Target> {
    store
        .profiles
        .iter()
        .map(|(id, p)| Target {
            provider: normalize_provider(p.credential.provider()).into_owned(),
            profile: id.clone(),
        })
        .collect()
}

/// The target and cooldown settings of `profile` (`None`: not in the store).
pub(crate) fn target_of(
    auth: &AgentAuth,
    store: &AuthStore,
    profile: &str,
) -> Option<(Target, crate::auth::usage::CooldownSettings)> {
    let p = store.profiles.get(profile)?;
    let provider = p.credential.provider();
    Some((
        Target {
            provider: normalize_provider(provider).into_owned(),
            profile: profile.to_owned(),
        },
        crate::auth::usage::CooldownSettings::resolve(auth.config(), provider),
    ))
}
