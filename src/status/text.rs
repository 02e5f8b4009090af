//! The report for people: [`StatusReport::render_text`].

use super::*;

impl StatusReport {
    /// The report for people. `color` adds ANSI colors (callers decide: TTY and no `NO_COLOR`).
    pub fn render_text(&self, color: bool) -> String {
        let paint = |code: &str, s: &str| {
            if color {
                format!("\x1b[{code}m{s}\x1b[0m")
            } else {
                s.to_owned()
            }
        };
        let mut out = String::new();
        let mut line = |label: &str, value: String| {
            out.push_str(&format!(
                "{}: {}\n",
                paint("36", &format!("{label:<22}")),
                value
            ));
        };
        line("Config", self.config_path.clone());
        line("Agent", format!("{} ({})", self.agent_id, self.agent_dir));
        let default = if self.default_model != self.resolved_default {
            format!("{} (from {})", self.resolved_default, self.default_model)
        } else {
            self.resolved_default.clone()
        };
        line("Default", paint("32", &default));
        let list = |v: &[String], empty: &str| {
            if v.is_empty() {
                empty.to_owned()
            } else {
                v.join(", ")
            }
        };
        line(
            &format!("Fallbacks ({})", self.fallbacks.len()),
            list(&self.fallbacks, "-"),
        );
        line(
            "Image model",
            self.image_model.clone().unwrap_or_else(|| "-".into()),
        );
        line(
            &format!("Image fallbacks ({})", self.image_fallbacks.len()),
            list(&self.image_fallbacks, "-"),
        );
        let aliases: Vec<String> = self
            .aliases
            .iter()
            .map(|(a, t)| format!("{a} -> {t}"))
            .collect();
        line(&format!("Aliases ({})", aliases.len()), list(&aliases, "-"));
        line(
            &format!("Configured models ({})", self.allowed.len()),
            list(&self.allowed, "all"),
        );
        out.push('\n');
        out.push_str(&paint("1", "Auth overview"));
        out.push('\n');
        let mut line = |label: &str, value: String| {
            out.push_str(&format!(
                "{}: {}\n",
                paint("36", &format!("{label:<22}")),
                value
            ));
        };
        line("Auth store", self.auth.store_path.clone());
        if let Some(f) = &self.auth.shared_state {
            let state = match &f.error {
                None => paint("32", "reachable"),
                Some(e) => paint("31", &format!("unreachable: {e}")),
            };
            line(
                "Shared store",
                format!(
                    "{} (prefix {}, host {}) {state}",
                    f.store, f.prefix, f.host_id
                ),
            );
        }
        line(
            "Shell env",
            if self.auth.shell_env_fallback.enabled {
                "on"
            } else {
                "off"
            }
            .to_owned(),
        );
        match &self.active {
            Some(a) if a.error.is_none() => line(
                "Active",
                paint(
                    "32",
                    &format!(
                        "{} {} {} ({}) — {}",
                        a.provider,
                        a.profile_id.as_deref().unwrap_or(&a.source),
                        a.masked,
                        a.kind,
                        a.reason
                    ),
                ),
            ),
            Some(a) => line("Active", paint("31", a.error.as_deref().unwrap_or("none"))),
            None => line("Active", "-".into()),
        }
        for e in &self.auth.providers {
            let mut bits = vec![format!(
                "effective={}:{}",
                e.effective.kind, e.effective.detail
            )];
            if e.profiles.count > 0 {
                bits.push(format!(
                    "profiles={} (oauth={}, token={}, api_key={})",
                    e.profiles.count, e.profiles.oauth, e.profiles.token, e.profiles.api_key
                ));
                bits.push(e.profiles.labels.join(", "));
            }
            if let Some(env) = &e.env {
                let layer = match &env.file {
                    Some(f) => format!("{} {}", env.layer, f),
                    None => env.layer.clone(),
                };
                bits.push(format!(
                    "env={} | source={} ({layer})",
                    env.value, env.source
                ));
            }
            if let Some(m) = &e.models_json {
                bits.push(format!("models.json={} | source={}", m.value, m.source));
            }
            out.push_str(&format!(
                "- {} {}\n",
                paint("1", &e.provider),
                bits.join(" | ")
            ));
        }
        if !self.auth.unusable_profiles.is_empty() {
            out.push('\n');
            out.push_str(&paint("1", "Unavailable profiles"));
            out.push('\n');
            for u in &self.auth.unusable_profiles {
                let kind = match &u.reason {
                    Some(r) if u.kind == "disabled" => format!("disabled:{r}"),
                    Some(r) if u.kind == "headroom" => format!("out of headroom ({r})"),
                    None if u.kind == "headroom" => "out of headroom".to_owned(),
                    _ => u.kind.clone(),
                };
                let now = u.until.saturating_sub(u.remaining_ms);
                let host = match &u.host {
                    Some(h) if u.kind == "headroom" => format!(" (seen by {h})"),
                    Some(h) => format!(" (recorded by {h})"),
                    None => String::new(),
                };
                out.push_str(&format!(
                    "- {} {}, available again {}{host}\n",
                    u.profile_id,
                    paint("33", &kind),
                    crate::clock::describe_instant(u.until, now)
                ));
            }
        }
        if !self.auth.missing_providers_in_use.is_empty() {
            out.push('\n');
            out.push_str(&paint("1", "Missing auth"));
            out.push('\n');
            for p in &self.auth.missing_providers_in_use {
                let hint = if p == "anthropic" {
                    format!(
                        "Run `claude setup-token`, then `claw-anthropic models auth paste-token --provider anthropic --agent {a}`, or `claw-anthropic onboard --agent {a}` with an API key.",
                        a = self.agent_id
                    )
                } else {
                    "Set an API key for it (this tool builds requests for Anthropic only)."
                        .to_owned()
                };
                out.push_str(&format!("- {} {hint}\n", paint("1", p)));
            }
        }
        out.push('\n');
        out.push_str(&paint("1", "OAuth/token status"));
        out.push('\n');
        let tokenish: Vec<&ProfileHealth> = self
            .auth
            .oauth
            .profiles
            .iter()
            .filter(|p| p.kind == "oauth" || p.kind == "token")
            .collect();
        if tokenish.is_empty() {
            out.push_str("- none\n");
        } else {
            let mut last = "";
            for p in tokenish {
                if p.provider != last {
                    out.push_str(&format!("- {}\n", paint("1", &p.provider)));
                    last = &p.provider;
                }
                let status = match p.status.as_str() {
                    "ok" => paint("32", "ok"),
                    "static" => "static".to_owned(),
                    "expiring" => paint("33", "expiring"),
                    "missing" => paint("33", "unknown"),
                    _ => paint("31", "expired"),
                };
                let expiry = match (p.status.as_str(), p.remaining_ms) {
                    ("static", _) => String::new(),
                    ("expired", _) => " (expired)".to_owned(),
                    (_, Some(ms)) => format!(" expires in {}", format_remaining_short(ms)),
                    _ => " expires unknown".to_owned(),
                };
                out.push_str(&format!("  - {} {status}{expiry}\n", p.label));
            }
        }
        if !self.warnings.is_empty() {
            out.push('\n');
            for w in &self.warnings {
                out.push_str(&format!("{} {w}\n", paint("33", "warning:")));
            }
        }
        out
    }
}
