//! [`AgentAuth`]: one agent's auth — its store, order, resolution, bookkeeping and OAuth refresh.

use super::oauth::{OAuthEndpoint, refresh_oauth_profile, refresh_oauth_profile_blocking};
use super::order::resolve_profile_order;
use super::resolve::{
    Candidate, Plan, PlanInput, PlanStability, ResolvedAuth, Stability, env_or_config_candidates,
    exhausted_error, plan,
};
use super::store::{AuthStore, FileStore, StoreBackend};
use super::usage::{CooldownSettings, apply_clear_cooldown, apply_failure, apply_used};
use super::{CredentialKind, CredentialSource};
use crate::clock::{SharedClock, system_clock};
use crate::config::Config;
use crate::config::model_ref::normalize_provider;
use crate::error::{Error, FailureReason, Result};
use crate::paths::AgentId;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The per-agent auth facade used by the client, `models status` and the CLI.
///
/// Auth is **per agent**: an agent's store never falls back to the main agent's profiles; use
/// [`AgentAuth::copy_profiles_from`] to copy them explicitly.
///
/// Resolution comes in two forms: [`AgentAuth::resolve_async`] (for async code: refreshes
/// expired OAuth profiles with a non-blocking request) and [`AgentAuth::resolve`] (synchronous:
/// a needed refresh runs on a helper thread with its own runtime and blocks the caller — do not
/// call it from inside a current-thread runtime that must serve the token endpoint).
///
/// ```
/// # fn main() -> claw_anthropic::Result<()> {
/// use std::sync::Arc;
/// use claw_anthropic::{AgentId, Config, EnvView, Paths};
/// use claw_anthropic::auth::AgentAuth;
/// let home = tempfile::tempdir().unwrap();
/// let paths = Paths::with_state_dir(home.path().join(".clawdbot"));
/// let env = EnvView::empty().with_layer(claw_anthropic::env::EnvSource::Process,
///     [("ANTHROPIC_API_KEY", "sk-ant-api03-example")]);
/// let config = Arc::new(Config::from_json5_with("{}", paths, env)?);
/// let auth = AgentAuth::new(config, AgentId::main());
/// let resolved = auth.resolve("anthropic", None, None)?;
/// assert_eq!(resolved.label, "env: ANTHROPIC_API_KEY");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct AgentAuth {
    config: Arc<Config>,
    agent: AgentId,
    store_path: PathBuf,
    store: Arc<dyn StoreBackend>,
    clock: SharedClock,
    oauth: OAuthEndpoint,
}

impl fmt::Debug for AgentAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AgentAuth")
            .field("agent", &self.agent)
            .field("store_path", &self.store_path)
            .field("store", &self.store)
            .field("oauth", &self.oauth)
            .finish_non_exhaustive()
    }
}

impl AgentAuth {
    /// Auth for `agent`, with its store at `paths.auth_store_path` (a [`FileStore`]).
    pub fn new(config: Arc<Config>, agent: AgentId) -> Self {
        let store_path = config.auth_store_path(&agent);
        AgentAuth {
            store: Arc::new(FileStore::new(store_path.clone())),
            store_path,
            config,
            agent,
            clock: system_clock(),
            oauth: OAuthEndpoint::default(),
        }
    }

    /// Uses another store backend (the store path stays the configured one, for messages).
    pub fn with_store(mut self, store: Arc<dyn StoreBackend>) -> Self {
        self.store = store;
        self
    }

    /// Uses another clock (tests).
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// Uses another OAuth token endpoint and client id.
    pub fn with_oauth_endpoint(
        mut self,
        token_url: impl Into<String>,
        client_id: impl Into<String>,
    ) -> Self {
        self.oauth = OAuthEndpoint {
            token_url: token_url.into(),
            client_id: client_id.into(),
        };
        self
    }

    /// The agent.
    pub fn agent(&self) -> &AgentId {
        &self.agent
    }
    /// The agent's store file (`<agentDir>/auth-profiles.json`).
    pub fn store_path(&self) -> &Path {
        &self.store_path
    }
    /// The config.
    pub fn config(&self) -> &Arc<Config> {
        &self.config
    }
    /// The store backend.
    pub fn store(&self) -> &Arc<dyn StoreBackend> {
        &self.store
    }
    /// The clock.
    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }
    /// The OAuth endpoint used for refreshes.
    pub fn oauth_endpoint(&self) -> &OAuthEndpoint {
        &self.oauth
    }
    /// Now, in ms since the epoch, from this facade's clock.
    pub fn now_ms(&self) -> u64 {
        self.clock.now_ms()
    }

    /// The store (empty if there is no file yet). A file that is not JSON is
    /// [`Error::StoreCorrupt`] and is never overwritten.
    pub fn load_store(&self) -> Result<AuthStore> {
        Ok(self.store.load()?.unwrap_or_default())
    }

    /// The store as a shared snapshot (empty when there is none): no copy when the backend
    /// keeps a parsed version (the [`Client`](crate::Client)'s does).
    pub fn load_store_shared(&self) -> Result<Arc<AuthStore>> {
        Ok(self.store.load_shared()?.unwrap_or_default())
    }

    /// The ordered profile ids for `provider` ([profile
    /// order](crate::compatibility#profile-order)), unusable ones last.
    pub fn profile_order(&self, provider: &str, preferred: Option<&str>) -> Result<Vec<String>> {
        let store = self.load_store()?;
        Ok(resolve_profile_order(
            &self.config,
            &store,
            provider,
            preferred,
            self.now_ms(),
        ))
    }

    fn make_plan(
        &self,
        provider: &str,
        explicit: Option<&str>,
        preferred: Option<&str>,
        exclude: Option<&[String]>,
    ) -> Result<Plan> {
        self.make_plan_at(provider, explicit, preferred, exclude, self.now_ms())
    }

    fn make_plan_at(
        &self,
        provider: &str,
        explicit: Option<&str>,
        preferred: Option<&str>,
        exclude: Option<&[String]>,
        now_ms: u64,
    ) -> Result<Plan> {
        let store = self.load_store_shared()?;
        plan(&PlanInput {
            config: &self.config,
            store: &store,
            agent_id: self.agent.as_str(),
            provider,
            explicit_profile: explicit,
            preferred,
            exclude,
            now_ms,
        })
    }

    /// [`AgentAuth::resolve_async`] without an explicit profile, with how long the answer
    /// stays valid ([`Stability`]; `None`: not reusable). The client keeps the answer while
    /// the store it came from is unchanged.
    pub(crate) async fn resolve_async_stable(
        &self,
        provider: &str,
        preferred: Option<&str>,
    ) -> Result<(ResolvedAuth, Option<Stability>)> {
        let now_ms = self.now_ms();
        let plan = self.make_plan_at(provider, None, preferred, None, now_ms)?;
        let stability = PlanStability::of(&self.config, &plan, provider, preferred, now_ms);
        let auth = self.walk_async(provider, plan).await?;
        let stability = stability.map(|s| s.finish(&auth));
        Ok((auth, stability))
    }

    fn walk_sync(&self, provider: &str, plan: Plan) -> Result<ResolvedAuth> {
        let mut walk = Walk::new(plan);
        while let Some(step) = walk.next_step(&self.config, provider) {
            let (profile_id, p) = match step {
                Step::Done(a) => return Ok(a),
                Step::Refresh(id, p) => (id, p),
            };
            let r = refresh_oauth_profile_blocking(
                self.store.clone(),
                &profile_id,
                &p,
                &self.oauth,
                &self.clock,
            );
            if let Some(done) = walk.refreshed(&profile_id, r) {
                return done;
            }
        }
        Err(walk.exhausted(provider, self.agent.as_str(), &self.store_path))
    }

    async fn walk_async(&self, provider: &str, plan: Plan) -> Result<ResolvedAuth> {
        let mut walk = Walk::new(plan);
        while let Some(step) = walk.next_step(&self.config, provider) {
            let (profile_id, p) = match step {
                Step::Done(a) => return Ok(a),
                Step::Refresh(id, p) => (id, p),
            };
            // Boxed: the refresh (an HTTP exchange) is rare, and inline it would make every
            // resolution's future — and so every request's — kilobytes larger.
            let r = Box::pin(refresh_oauth_profile(
                self.store.clone(),
                &profile_id,
                &p,
                &self.oauth,
                &self.clock,
            ))
            .await;
            if let Some(done) = walk.refreshed(&profile_id, r) {
                return done;
            }
        }
        Err(walk.exhausted(provider, self.agent.as_str(), &self.store_path))
    }

    /// Resolves the credential to send for `provider` ([resolution
    /// chain](crate::compatibility#resolution-chain)): `explicit_profile` if
    /// given (its failure is final: [`Error::NoCredentialsForProfile`]), else the ordered usable
    /// profiles (`preferred` first), then `ANTHROPIC_OAUTH_TOKEN` / `ANTHROPIC_API_KEY` from the
    /// environment view, then `models.providers.<provider>.apiKey`. Errors:
    /// [`Error::NoAvailableProfile`] when profiles exist but all are in cooldown/disabled,
    /// [`Error::OAuthRefresh`] when the only candidate failed to refresh, else
    /// [`Error::NoApiKey`]. Expired OAuth profiles are refreshed (blocking; see the type docs).
    pub fn resolve(
        &self,
        provider: &str,
        explicit_profile: Option<&str>,
        preferred: Option<&str>,
    ) -> Result<ResolvedAuth> {
        let plan = self.make_plan(provider, explicit_profile, preferred, None)?;
        self.walk_sync(provider, plan)
    }

    /// [`AgentAuth::resolve`] for async code (the OAuth refresh is awaited). Must run inside a
    /// tokio runtime.
    pub async fn resolve_async(
        &self,
        provider: &str,
        explicit_profile: Option<&str>,
        preferred: Option<&str>,
    ) -> Result<ResolvedAuth> {
        let plan = self.make_plan(provider, explicit_profile, preferred, None)?;
        self.walk_async(provider, plan).await
    }

    /// The next usable **profile** for failover, skipping the ids in `exclude` (the ones already
    /// tried). The environment and config keys are not considered. Errors with
    /// [`Error::NoAvailableProfile`] (or [`Error::NoApiKey`] when there are no profiles at all).
    pub fn resolve_excluding(&self, provider: &str, exclude: &[String]) -> Result<ResolvedAuth> {
        let plan = self.make_plan(provider, None, None, Some(exclude))?;
        self.walk_sync(provider, plan)
    }

    /// [`AgentAuth::resolve_excluding`] for async code.
    pub async fn resolve_excluding_async(
        &self,
        provider: &str,
        exclude: &[String],
    ) -> Result<ResolvedAuth> {
        let plan = self.make_plan(provider, None, None, Some(exclude))?;
        self.walk_async(provider, plan).await
    }

    /// Records a success ([recording a success](crate::compatibility#cooldowns)) and sets
    /// `lastGood[provider]`, under the lock.
    /// A profile that no longer exists is ignored.
    pub fn mark_used(&self, provider: &str, profile_id: &str) -> Result<()> {
        let now = self.now_ms();
        let key = normalize_provider(provider);
        self.store.update(&mut |s| {
            if !s.profiles.contains_key(profile_id) {
                return Ok(());
            }
            apply_used(s.usage_stats.entry(profile_id.to_owned()).or_default(), now);
            s.last_good.insert(key.to_string(), profile_id.to_owned());
            Ok(())
        })?;
        Ok(())
    }

    /// Records a failure ([recording a failure](crate::compatibility#cooldowns)) with the cooldown
    /// settings of the profile's
    /// provider, under the lock. A profile that no longer exists is ignored.
    pub fn mark_failure(&self, profile_id: &str, reason: FailureReason) -> Result<()> {
        let now = self.now_ms();
        let config = self.config.clone();
        self.store.update(&mut |s| {
            let Some(p) = s.profiles.get(profile_id) else {
                return Ok(());
            };
            let settings = CooldownSettings::resolve(&config, p.credential.provider());
            apply_failure(
                s.usage_stats.entry(profile_id.to_owned()).or_default(),
                reason,
                now,
                &settings,
            );
            Ok(())
        })?;
        Ok(())
    }

    /// Lifts a profile's cooldown/disable by hand.
    pub fn clear_cooldown(&self, profile_id: &str) -> Result<()> {
        self.store.update(&mut |s| {
            if let Some(stats) = s.usage_stats.get_mut(profile_id) {
                apply_clear_cooldown(stats);
            }
            Ok(())
        })?;
        Ok(())
    }

    /// Sets (or with `None`/empty, removes) the store's explicit order for `provider`
    /// (Clawdbot's `setAuthProfileOrder`), ids trimmed and de-duplicated. Refused, with nothing
    /// written (as Clawdbot's `models auth order set` refuses them): a blank provider, a blank
    /// id, an id that is not in the store, and a profile of another provider.
    pub fn set_profile_order(&self, provider: &str, order: Option<&[String]>) -> Result<()> {
        let key = normalize_provider(provider).into_owned();
        if key.is_empty() {
            return Err(Error::InvalidArgument(
                "missing provider: name the provider the order is for (e.g. anthropic)".into(),
            ));
        }
        let mut ids: Vec<String> = Vec::new();
        for raw in order.unwrap_or(&[]) {
            let id = raw.trim();
            if id.is_empty() {
                return Err(Error::InvalidArgument(
                    "a profile id in the order is blank".into(),
                ));
            }
            if !ids.iter().any(|x| x == id) {
                ids.push(id.to_owned());
            }
        }
        let agent = self.agent.to_string();
        self.store.update(&mut |s| {
            for id in &ids {
                let Some(p) = s.profiles.get(id) else {
                    return Err(Error::NoCredentialsForProfile {
                        profile_id: id.clone(),
                        agent_id: agent.clone(),
                    });
                };
                let theirs = p.credential.provider();
                if normalize_provider(theirs) != key {
                    return Err(Error::InvalidArgument(format!(
                        "profile \"{id}\" belongs to provider \"{theirs}\", not \"{key}\""
                    )));
                }
            }
            s.order.retain(|k, _| normalize_provider(k) != key);
            if !ids.is_empty() {
                s.order.insert(key.clone(), ids.clone());
            }
            Ok(())
        })?;
        Ok(())
    }

    /// Copies every profile of `other`'s store into this agent's store (same ids are replaced;
    /// usage statistics are not copied). Returns the copied ids in order.
    pub fn copy_profiles_from(&self, other: &AgentId) -> Result<Vec<String>> {
        if other == &self.agent {
            return Err(Error::InvalidArgument(format!(
                "cannot copy auth profiles from agent \"{other}\" to itself"
            )));
        }
        let other_path = self.config.auth_store_path(other);
        let source = FileStore::new(other_path).load()?.unwrap_or_default();
        let ids: Vec<String> = source.profiles.keys().cloned().collect();
        if ids.is_empty() {
            return Ok(ids);
        }
        self.store.update(&mut |s| {
            for (id, p) in &source.profiles {
                s.set_profile(id.clone(), p.clone());
            }
            Ok(())
        })?;
        Ok(ids)
    }
}

/// A planned chain being walked: the sync and async walks differ only in how they refresh.
struct Walk {
    plan: Plan,
    candidates: std::vec::IntoIter<Candidate>,
    warnings: Vec<String>,
    refresh_error: Option<crate::error::Error>,
}

/// What the walk needs next.
enum Step {
    /// The credential to send (plan warnings included).
    Done(ResolvedAuth),
    /// Refresh this OAuth profile (id, provider), then report with [`Walk::refreshed`].
    Refresh(String, String),
}

impl Walk {
    fn new(mut plan: Plan) -> Walk {
        let candidates = std::mem::take(&mut plan.candidates).into_iter();
        let warnings = std::mem::take(&mut plan.warnings);
        Walk {
            plan,
            candidates,
            warnings,
            refresh_error: None,
        }
    }

    fn finish(&self, mut auth: ResolvedAuth) -> ResolvedAuth {
        let mut w = self.warnings.clone();
        w.append(&mut auth.warnings);
        auth.warnings = w;
        auth
    }

    fn next_step(&mut self, config: &Config, provider: &str) -> Option<Step> {
        while let Some(c) = self.candidates.next() {
            match c {
                Candidate::EnvOrConfig => {
                    // Always the plan's last entry: the rest of the walk is these.
                    self.candidates = env_or_config_candidates(config, provider).into_iter();
                }
                Candidate::Ready(a) => return Some(Step::Done(self.finish(a))),
                Candidate::Profile { id, kind } => {
                    if let Some(a) = self.plan.profile_auth(&id, kind) {
                        return Some(Step::Done(self.finish(a)));
                    }
                }
                Candidate::Refresh {
                    profile_id,
                    provider,
                } => return Some(Step::Refresh(profile_id, provider)),
            }
        }
        None
    }

    /// The outcome of a refresh: `Some` ends the walk (the refreshed credential, or the error of
    /// an explicit profile); `None` goes on with the next candidate.
    fn refreshed(
        &mut self,
        profile_id: &str,
        r: Result<super::oauth::RefreshedToken>,
    ) -> Option<Result<ResolvedAuth>> {
        match r {
            Ok(t) => Some(Ok(self.finish(ResolvedAuth {
                kind: CredentialKind::OAuth,
                secret: t.access,
                profile_id: Some(profile_id.to_owned()),
                source: CredentialSource::Profile {
                    id: profile_id.to_owned(),
                },
                label: format!("profile {profile_id} (oauth)"),
                warnings: Vec::new(),
            }))),
            Err(e) if self.plan.explicit => Some(Err(e)),
            Err(e) => {
                self.warnings.push(format!("profile {profile_id}: {e}"));
                self.refresh_error.get_or_insert(e);
                None
            }
        }
    }

    fn exhausted(self, provider: &str, agent_id: &str, store_path: &Path) -> crate::error::Error {
        exhausted_error(
            &self.plan,
            provider,
            agent_id,
            store_path,
            self.refresh_error,
        )
    }
}
