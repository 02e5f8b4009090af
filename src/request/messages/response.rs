//! Responses: [`Message`] with its [`Usage`], and the `count_tokens` and models bodies.

use super::*;

// ---------------------------------------------------------------------------------------------
// The response.
// ---------------------------------------------------------------------------------------------

/// `usage.cache_creation`: cache writes by TTL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheCreation {
    /// Tokens written with a 5-minute TTL.
    #[serde(default)]
    pub ephemeral_5m_input_tokens: u64,
    /// Tokens written with a 1-hour TTL.
    #[serde(default)]
    pub ephemeral_1h_input_tokens: u64,
}

/// `usage.server_tool_use`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServerToolUsage {
    /// Web search requests made.
    #[serde(default)]
    pub web_search_requests: u64,
    /// Other counters, kept as is.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Token usage of a response.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Usage {
    /// Input tokens not read from or written to the cache.
    #[serde(default)]
    pub input_tokens: u64,
    /// Output tokens.
    #[serde(default)]
    pub output_tokens: u64,
    /// Input tokens written to the cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_creation_input_tokens: Option<u64>,
    /// Input tokens read from the cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read_input_tokens: Option<u64>,
    /// Cache writes by TTL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_creation: Option<CacheCreation>,
    /// Server tool counters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_tool_use: Option<ServerToolUsage>,
    /// `standard`, `priority`, `batch`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<String>,
    /// Other fields, kept as is.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A Messages API response (also the final value of a stream).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    /// `msg_…`.
    #[serde(default)]
    pub id: String,
    /// Always `"message"`.
    #[serde(rename = "type", default = "message_type")]
    pub kind: String,
    /// Always `assistant`.
    #[serde(default = "assistant_role")]
    pub role: Role,
    /// The model that answered.
    #[serde(default)]
    pub model: String,
    /// Content blocks.
    #[serde(default)]
    pub content: Vec<ContentBlock>,
    /// Why generation stopped (see [`stop_reason`]); `null` while streaming.
    #[serde(default)]
    pub stop_reason: Option<String>,
    /// The stop sequence hit, if any.
    #[serde(default)]
    pub stop_sequence: Option<String>,
    /// Token usage.
    #[serde(default)]
    pub usage: Usage,
    /// Other fields (`container`, `context_management`, …), kept as is.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

extra_map_struct_de!(Usage, "struct Usage", {
    "input_tokens" => input_tokens: u64 = 0,
    "output_tokens" => output_tokens: u64 = 0,
    "cache_creation_input_tokens" => cache_creation_input_tokens: Option<u64> = None,
    "cache_read_input_tokens" => cache_read_input_tokens: Option<u64> = None,
    "cache_creation" => cache_creation: Option<CacheCreation> = None,
    "server_tool_use" => server_tool_use: Option<ServerToolUsage> = None,
    "service_tier" => service_tier: Option<String> = None,
});

extra_map_struct_de!(Message, "struct Message", {
    "id" => id: String = String::new(),
    "type" => kind: String = message_type(),
    "role" => role: Role = assistant_role(),
    "model" => model: String = String::new(),
    "content" => content: Vec<ContentBlock> = Vec::new(),
    "stop_reason" => stop_reason: Option<String> = None,
    "stop_sequence" => stop_sequence: Option<String> = None,
    "usage" => usage: Usage = Usage::default(),
});

pub(super) fn message_type() -> String {
    "message".to_owned()
}
pub(super) fn assistant_role() -> Role {
    Role::Assistant
}

impl Default for Message {
    fn default() -> Self {
        Message {
            id: String::new(),
            kind: message_type(),
            role: Role::Assistant,
            model: String::new(),
            content: Vec::new(),
            stop_reason: None,
            stop_sequence: None,
            usage: Usage::default(),
            extra: Map::new(),
        }
    }
}

impl Message {
    /// The text of all text blocks, concatenated.
    pub fn text(&self) -> String {
        self.content
            .iter()
            .filter_map(ContentBlock::as_text)
            .collect()
    }

    /// The tool calls in this message.
    pub fn tool_uses(&self) -> impl Iterator<Item = &ToolUseBlock> {
        self.content.iter().filter_map(|b| match b {
            ContentBlock::ToolUse(t) => Some(t),
            _ => None,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// count_tokens and models.
// ---------------------------------------------------------------------------------------------

/// The body of `POST /v1/messages/count_tokens`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CountTokensRequest {
    /// Model id.
    pub model: String,
    /// The conversation.
    pub messages: Vec<MessageParam>,
    /// System prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<SystemPrompt>,
    /// Tool definitions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<Tool>,
    /// Tool choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
    /// Extended thinking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking: Option<ThinkingConfig>,
    /// Other fields, sent unchanged.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl From<MessageRequest> for CountTokensRequest {
    /// Keeps the fields `count_tokens` accepts (drops sampling options, `max_tokens`, `stream`,
    /// `metadata`, `stop_sequences` and unmodeled extras).
    fn from(r: MessageRequest) -> Self {
        CountTokensRequest {
            model: r.model,
            messages: r.messages,
            system: r.system,
            tools: r.tools,
            tool_choice: r.tool_choice,
            thinking: r.thinking,
            extra: Map::new(),
        }
    }
}

/// The answer of `count_tokens`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CountTokensResponse {
    /// Input tokens the request would use.
    pub input_tokens: u64,
    /// Other fields, kept as is.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One entry of `GET /v1/models`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// Model id.
    pub id: String,
    /// Always `"model"`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Human-readable name.
    #[serde(default)]
    pub display_name: String,
    /// RFC 3339 release time.
    #[serde(default)]
    pub created_at: String,
    /// Other fields, kept as is.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A page of `GET /v1/models`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelList {
    /// The models on this page.
    pub data: Vec<ModelInfo>,
    /// Whether more pages follow (request with `after_id = last_id`).
    #[serde(default)]
    pub has_more: bool,
    /// First id on this page.
    #[serde(default)]
    pub first_id: Option<String>,
    /// Last id on this page.
    #[serde(default)]
    pub last_id: Option<String>,
}
