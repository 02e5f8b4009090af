//! The agents a config lists ([agent ids](crate::compatibility#agent-ids)): the default agent, all
//! agent ids, and where each
//! agent's directory and auth store live.

use super::Config;
use crate::paths::{AUTH_STORE_FILE, AgentId, DEFAULT_AGENT_ID, expand_tilde};
use std::path::PathBuf;

impl Config {
    /// The default agent: the first `agents.list` entry with `default: true`, else the first
    /// entry, else `main`. Ids are normalised as Clawdbot does ([`AgentId::normalize`]:
    /// `"My Agent"` is `my-agent`), so this is the directory the gateway uses too.
    pub fn default_agent_id(&self) -> AgentId {
        let list = self
            .doc()
            .agents
            .as_ref()
            .map(|a| a.list.as_slice())
            .unwrap_or(&[]);
        list.iter()
            .find(|e| e.default == Some(true))
            .or_else(|| list.first())
            .map_or_else(AgentId::main, |e| AgentId::normalize(&e.id))
    }

    /// All agent ids the config lists (normalised as [`AgentId::normalize`] does,
    /// deduplicated), or `[main]`.
    pub fn agent_ids(&self) -> Vec<AgentId> {
        let mut out: Vec<AgentId> = Vec::new();
        if let Some(a) = &self.doc().agents {
            for e in &a.list {
                let id = AgentId::normalize(&e.id);
                if !out.contains(&id) {
                    out.push(id);
                }
            }
        }
        if out.is_empty() {
            out.push(AgentId::main());
        }
        out
    }

    /// The agent dir for `agent`: `agents.list[i].agentDir`, else for `main` the
    /// `$CLAWDBOT_AGENT_DIR`/`$PI_CODING_AGENT_DIR` override, else `<state>/agents/<id>/agent`.
    pub fn agent_dir(&self, agent: &AgentId) -> PathBuf {
        let paths = self.paths();
        let configured = self
            .doc()
            .agents
            .as_ref()
            .and_then(|a| a.list.iter().find(|e| AgentId::normalize(&e.id) == *agent))
            .and_then(|e| e.agent_dir.as_deref())
            .filter(|d| !d.trim().is_empty());
        if let Some(dir) = configured {
            return expand_tilde(dir.trim(), paths.home.as_deref());
        }
        if agent.as_str() == DEFAULT_AGENT_ID
            && let Some(dir) = &paths.main_agent_dir_override
        {
            return dir.clone();
        }
        paths
            .state_dir
            .join("agents")
            .join(agent.as_str())
            .join("agent")
    }

    /// `<agentDir>/auth-profiles.json`.
    pub fn auth_store_path(&self, agent: &AgentId) -> PathBuf {
        self.agent_dir(agent).join(AUTH_STORE_FILE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::EnvView;
    use crate::paths::Paths;
    use std::collections::HashMap;

    fn paths(pairs: &[(&str, &str)]) -> Paths {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Paths::from_vars(move |k| m.get(k).cloned()).unwrap()
    }

    #[test]
    fn agent_dirs() {
        let p = paths(&[("HOME", "/h"), ("CLAWDBOT_AGENT_DIR", "/override")]);
        let cfg = Config::from_json5_with(
            r#"{agents:{list:[{id:"work",agentDir:"~/w"},{id:"Ops",default:true}]}}"#,
            p.clone(),
            EnvView::empty(),
        )
        .unwrap();
        assert_eq!(
            cfg.agent_dir(&AgentId::parse("work").unwrap()),
            PathBuf::from("/h/w")
        );
        assert_eq!(cfg.agent_dir(&AgentId::main()), PathBuf::from("/override"));
        assert_eq!(
            cfg.auth_store_path(&AgentId::parse("ops").unwrap()),
            PathBuf::from("/h/.clawdbot/agents/ops/agent/auth-profiles.json")
        );
        assert_eq!(cfg.default_agent_id().as_str(), "ops");
        assert_eq!(cfg.default_agent_id().as_str(), "ops");
        let ids: Vec<String> = cfg.agent_ids().iter().map(|a| a.to_string()).collect();
        assert_eq!(ids, ["work", "ops"]);
        let empty = Config::from_json5_with("{}", p, EnvView::empty()).unwrap();
        assert_eq!(empty.default_agent_id().as_str(), "main");
        assert_eq!(empty.agent_ids(), [AgentId::main()]);
        let odd = Config::from_json5_with(
            r#"{agents:{list:[{id:"work.bot",agentDir:"/wb"},{id:"My Agent",default:true},{id:"my-agent"}]}}"#,
            paths(&[("HOME", "/h")]),
            crate::env::EnvView::empty(),
        )
        .unwrap();
        assert_eq!(odd.default_agent_id().as_str(), "my-agent");
        let ids: Vec<String> = odd.agent_ids().iter().map(|a| a.to_string()).collect();
        assert_eq!(ids, ["work-bot", "my-agent"]);
        assert_eq!(
            odd.auth_store_path(&odd.default_agent_id()),
            PathBuf::from("/h/.clawdbot/agents/my-agent/agent/auth-profiles.json")
        );
        assert_eq!(
            odd.agent_dir(&AgentId::parse("Work.Bot").unwrap()),
            PathBuf::from("/wb")
        );
    }
}
