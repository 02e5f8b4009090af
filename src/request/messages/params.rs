//! The request: messages, system prompt, tools and options, and [`MessageRequest`] itself.

use super::*;

/// Message (or tool-result, or document) content: a plain string or a list of blocks.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum MessageContent {
    /// `"content": "Hello"`.
    Text(String),
    /// `"content": [{"type":"text",…}, …]`.
    Blocks(Vec<ContentBlock>),
}

impl Default for MessageContent {
    fn default() -> Self {
        MessageContent::Blocks(Vec::new())
    }
}

impl<'de> Deserialize<'de> for MessageContent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match de_str_or_vec(d)? {
            StrOrVec::Str(s) => MessageContent::Text(s),
            StrOrVec::Vec(v) => MessageContent::Blocks(v),
        })
    }
}

impl From<String> for MessageContent {
    fn from(s: String) -> Self {
        MessageContent::Text(s)
    }
}
impl From<&str> for MessageContent {
    fn from(s: &str) -> Self {
        MessageContent::Text(s.to_owned())
    }
}
impl From<Vec<ContentBlock>> for MessageContent {
    fn from(v: Vec<ContentBlock>) -> Self {
        MessageContent::Blocks(v)
    }
}

impl MessageContent {
    /// Turns a string into one text block (in place) and returns the blocks.
    pub fn make_blocks(&mut self) -> &mut Vec<ContentBlock> {
        if let MessageContent::Text(s) = self {
            let text = std::mem::take(s);
            *self = MessageContent::Blocks(vec![ContentBlock::text(text)]);
        }
        match self {
            MessageContent::Blocks(b) => b,
            MessageContent::Text(_) => unreachable!("converted above"),
        }
    }

    /// The blocks, if this is a block list.
    pub fn blocks(&self) -> Option<&[ContentBlock]> {
        match self {
            MessageContent::Blocks(b) => Some(b),
            MessageContent::Text(_) => None,
        }
    }

    /// Whether there is nothing in it (empty string or no blocks).
    pub fn is_empty(&self) -> bool {
        match self {
            MessageContent::Text(s) => s.is_empty(),
            MessageContent::Blocks(b) => b.is_empty(),
        }
    }
}

/// One message of the conversation (`messages[i]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MessageParam {
    /// `user` or `assistant`.
    pub role: Role,
    /// A string or content blocks.
    pub content: MessageContent,
}

impl MessageParam {
    /// A user message.
    pub fn user(content: impl Into<MessageContent>) -> Self {
        MessageParam {
            role: Role::User,
            content: content.into(),
        }
    }
    /// An assistant message.
    pub fn assistant(content: impl Into<MessageContent>) -> Self {
        MessageParam {
            role: Role::Assistant,
            content: content.into(),
        }
    }
}

impl From<Message> for MessageParam {
    /// The assistant turn to append to the conversation after a response.
    fn from(m: Message) -> Self {
        MessageParam {
            role: m.role,
            content: MessageContent::Blocks(m.content),
        }
    }
}

/// The `system` prompt: a string or text blocks.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum SystemPrompt {
    /// `"system": "…"`.
    Text(String),
    /// `"system": [{"type":"text",…}, …]`.
    Blocks(Vec<SystemBlock>),
}

/// A block of the `system` prompt (normally text; other types are kept as raw JSON).
pub type SystemBlock = ContentBlock;

impl<'de> Deserialize<'de> for SystemPrompt {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match de_str_or_vec(d)? {
            StrOrVec::Str(s) => SystemPrompt::Text(s),
            StrOrVec::Vec(v) => SystemPrompt::Blocks(v),
        })
    }
}

impl From<String> for SystemPrompt {
    fn from(s: String) -> Self {
        SystemPrompt::Text(s)
    }
}
impl From<&str> for SystemPrompt {
    fn from(s: &str) -> Self {
        SystemPrompt::Text(s.to_owned())
    }
}

impl SystemPrompt {
    /// Turns a string into one text block (in place) and returns the blocks.
    pub fn make_blocks(&mut self) -> &mut Vec<SystemBlock> {
        if let SystemPrompt::Text(s) = self {
            let text = std::mem::take(s);
            *self = SystemPrompt::Blocks(vec![ContentBlock::text(text)]);
        }
        match self {
            SystemPrompt::Blocks(b) => b,
            SystemPrompt::Text(_) => unreachable!("converted above"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Tools and options.
// ---------------------------------------------------------------------------------------------

/// A tool definition: a custom tool (`name`, `description`, `input_schema`) or a server tool
/// (`type` like `web_search_20250305` plus its own fields, kept in `extra`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    /// `type`: absent or `custom` for custom tools; the versioned type of a server tool.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Tool name.
    pub name: String,
    /// What the tool does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// JSON Schema of the input (required for custom tools).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_schema: Option<Value>,
    /// Prompt-cache breakpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<CacheControl>,
    /// Other fields (server tools: `max_uses`, `allowed_domains`, …), kept as is.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Tool {
    /// A custom tool.
    pub fn custom(
        name: impl Into<String>,
        description: impl Into<String>,
        input_schema: Value,
    ) -> Self {
        Tool {
            name: name.into(),
            description: Some(description.into()),
            input_schema: Some(input_schema),
            ..Default::default()
        }
    }
}

/// `{"type":"auto"}`, `{"type":"any"}`: options shared by the tool-choice kinds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ToolChoiceOptions {
    /// At most one tool call per turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_parallel_tool_use: Option<bool>,
    /// Fields this crate does not model, kept as is.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `{"type":"tool","name":…}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ToolChoiceTool {
    /// The tool the model must call.
    pub name: String,
    /// At most one tool call per turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_parallel_tool_use: Option<bool>,
    /// Fields this crate does not model, kept as is.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

open_tagged_enum_de! {
    /// `tool_choice`.
    pub enum ToolChoice {
        /// The model decides.
        "auto" => Auto(ToolChoiceOptions),
        /// The model must call some tool.
        "any" => Any(ToolChoiceOptions),
        /// The model must call this tool.
        "tool" => Tool(ToolChoiceTool),
        /// The model may not call tools.
        "none" => None(ToolChoiceOptions),
    }
}

impl ToolChoice {
    /// `{"type":"auto"}`.
    pub fn auto() -> Self {
        ToolChoice::Auto(ToolChoiceOptions::default())
    }
    /// `{"type":"tool","name":name}`.
    pub fn tool(name: impl Into<String>) -> Self {
        ToolChoice::Tool(ToolChoiceTool {
            name: name.into(),
            ..Default::default()
        })
    }
}

/// `{"type":"enabled","budget_tokens":…}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ThinkingEnabled {
    /// Budget for thinking tokens (≥ 1024 and < `max_tokens`).
    pub budget_tokens: u32,
    /// Fields this crate does not model, kept as is.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `{"type":"disabled"}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ThinkingDisabled {
    /// Fields this crate does not model, kept as is.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

open_tagged_enum_de! {
    /// `thinking` (extended thinking). Newer kinds (`adaptive`, …) are kept as `Unknown`.
    pub enum ThinkingConfig {
        /// Thinking on, with a token budget.
        "enabled" => Enabled(ThinkingEnabled),
        /// Thinking off.
        "disabled" => Disabled(ThinkingDisabled),
    }
}

impl ThinkingConfig {
    /// `{"type":"enabled","budget_tokens":budget_tokens}`.
    pub fn enabled(budget_tokens: u32) -> Self {
        ThinkingConfig::Enabled(ThinkingEnabled {
            budget_tokens,
            extra: Map::new(),
        })
    }
    /// The thinking budget, when thinking is `enabled`.
    pub fn budget_tokens(&self) -> Option<u32> {
        match self {
            ThinkingConfig::Enabled(e) => Some(e.budget_tokens),
            _ => None,
        }
    }
    /// Whether thinking is on (`enabled`, or an unknown kind other than `disabled`).
    pub fn is_on(&self) -> bool {
        !matches!(self, ThinkingConfig::Disabled(_))
    }
}

/// `metadata`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    /// An opaque end-user id (no personal data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Other fields, kept as is.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

// ---------------------------------------------------------------------------------------------
// The request.
// ---------------------------------------------------------------------------------------------

/// The body of `POST /v1/messages`: what a caller passes in and what is sent.
///
/// As input, `model` may be an alias, a `provider/model` ref or empty (the configured default
/// model) and `max_tokens` may be `None`; the builder resolves both ([model
/// params](crate::compatibility#model-params)). Top-level fields this type does not model are
/// kept in
/// `extra` and sent unchanged.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MessageRequest {
    /// Model id (on input also an alias or `provider/model`). Empty on input (or absent from
    /// the JSON) means the configured default model (`agents.defaults.model.primary`).
    #[serde(default)]
    pub model: String,
    /// Output token limit; `None` on input means "the model's `params.maxTokens`, else the
    /// per-model default" ([`models::default_max_tokens`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// System prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<SystemPrompt>,
    /// The conversation.
    #[serde(default)]
    pub messages: Vec<MessageParam>,
    /// Tool definitions (not serialized when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<Tool>,
    /// How the model picks tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
    /// Extended thinking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking: Option<ThinkingConfig>,
    /// Request metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// Custom stop sequences (not serialized when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stop_sequences: Vec<String>,
    /// Sampling temperature (0–1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Nucleus sampling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    /// Top-k sampling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_k: Option<u32>,
    /// Server-sent events instead of one JSON response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// Other top-level fields (`service_tier`, `container`, `mcp_servers`, …), sent unchanged.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl MessageRequest {
    /// A request for `model` (id, alias or `provider/model`) with these messages.
    pub fn new(model: impl Into<String>, messages: Vec<MessageParam>) -> Self {
        MessageRequest {
            model: model.into(),
            messages,
            ..Default::default()
        }
    }

    /// Sets `max_tokens`.
    pub fn with_max_tokens(mut self, max_tokens: u32) -> Self {
        self.max_tokens = Some(max_tokens);
        self
    }

    /// Sets the system prompt.
    pub fn with_system(mut self, system: impl Into<SystemPrompt>) -> Self {
        self.system = Some(system.into());
        self
    }

    /// Adds a tool.
    pub fn with_tool(mut self, tool: Tool) -> Self {
        self.tools.push(tool);
        self
    }
}
