//! Content blocks: text, image, document, tool use and result, thinking, and their sources.

use super::*;

// ---------------------------------------------------------------------------------------------
// Content blocks.
// ---------------------------------------------------------------------------------------------

/// `{"type":"text","text":…}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TextBlock {
    /// The text.
    pub text: String,
    /// Citations (response blocks, or caller-provided ones); kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citations: Option<Vec<Value>>,
    /// Prompt-cache breakpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<CacheControl>,
    /// Fields this crate does not model, kept as is.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl TextBlock {
    /// A text block without citations or cache control.
    pub fn new(text: impl Into<String>) -> Self {
        TextBlock {
            text: text.into(),
            ..Default::default()
        }
    }
}

/// `{"type":"base64","media_type":…,"data":…}` (images and PDF documents).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Base64Source {
    /// `image/png`, `image/jpeg`, `image/gif`, `image/webp`, `application/pdf`.
    pub media_type: String,
    /// Base64 data.
    pub data: String,
}

/// `{"type":"url","url":…}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UrlSource {
    /// The URL.
    pub url: String,
}

/// `{"type":"file","file_id":…}` (Files API).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FileSource {
    /// The file id.
    pub file_id: String,
}

/// `{"type":"text","media_type":"text/plain","data":…}` (plain-text documents).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlainTextSource {
    /// `text/plain`.
    #[serde(default = "text_plain")]
    pub media_type: String,
    /// The document text.
    pub data: String,
}

pub(super) fn text_plain() -> String {
    "text/plain".to_owned()
}

impl Default for PlainTextSource {
    fn default() -> Self {
        PlainTextSource {
            media_type: text_plain(),
            data: String::new(),
        }
    }
}

/// `{"type":"content","content":…}` (custom-content documents: a string or content blocks).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentSource {
    /// The content.
    pub content: MessageContent,
}

open_tagged_enum_de! {
    /// The `source` of an image block.
    pub enum ImageSource {
        /// Inline base64 data.
        "base64" => Base64(Base64Source),
        /// A URL the API fetches.
        "url" => Url(UrlSource),
        /// A Files API file.
        "file" => File(FileSource),
    }
}

open_tagged_enum_de! {
    /// The `source` of a document block.
    pub enum DocumentSource {
        /// Inline base64 PDF.
        "base64" => Base64(Base64Source),
        /// Plain text.
        "text" => Text(PlainTextSource),
        /// A URL (PDF) the API fetches.
        "url" => Url(UrlSource),
        /// Custom content (string or blocks).
        "content" => Content(ContentSource),
        /// A Files API file.
        "file" => File(FileSource),
    }
}

/// `{"type":"image","source":…}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageBlock {
    /// Where the image comes from.
    pub source: ImageSource,
    /// Prompt-cache breakpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<CacheControl>,
    /// Fields this crate does not model, kept as is.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `{"enabled": true}` on a document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CitationsConfig {
    /// Whether the model may cite this document.
    #[serde(default)]
    pub enabled: bool,
}

/// `{"type":"document","source":…}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentBlock {
    /// The document.
    pub source: DocumentSource,
    /// Title shown to the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Context about the document (not cited).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// Citation settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citations: Option<CitationsConfig>,
    /// Prompt-cache breakpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<CacheControl>,
    /// Fields this crate does not model, kept as is.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `{"type":"tool_use","id":…,"name":…,"input":{…}}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ToolUseBlock {
    /// `toolu_…`.
    pub id: String,
    /// Tool name.
    pub name: String,
    /// Tool input (a JSON object). In a streamed reply whose input JSON was cut off (e.g.
    /// `stop_reason: "max_tokens"`), the part of the object that was received: open strings,
    /// arrays and objects closed, a dangling key or partial number dropped; see
    /// [`ToolUseBlock::partial_json`].
    #[serde(default)]
    pub input: Value,
    /// Prompt-cache breakpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<CacheControl>,
    /// The raw input JSON as received, when it was incomplete (streamed replies only; never
    /// serialized). `None` when `input` is the whole object.
    #[serde(skip)]
    pub partial_json: Option<String>,
    /// Fields this crate does not model, kept as is.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ToolUseBlock {
    /// Whether `input` was recovered from cut-off JSON (see [`ToolUseBlock::partial_json`]).
    pub fn is_input_complete(&self) -> bool {
        self.partial_json.is_none()
    }
}

/// `{"type":"tool_result","tool_use_id":…,"content":…,"is_error":…}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ToolResultBlock {
    /// The `id` of the `tool_use` block this answers.
    pub tool_use_id: String,
    /// The result: a string or content blocks (text, image, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<MessageContent>,
    /// Whether the tool failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_error: Option<bool>,
    /// Prompt-cache breakpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<CacheControl>,
    /// Fields this crate does not model, kept as is.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `{"type":"thinking","thinking":…,"signature":…}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ThinkingBlock {
    /// The model's reasoning text.
    #[serde(default)]
    pub thinking: String,
    /// Signature that must be sent back unchanged.
    #[serde(default)]
    pub signature: String,
    /// Fields this crate does not model, kept as is.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `{"type":"redacted_thinking","data":…}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RedactedThinkingBlock {
    /// Encrypted reasoning, sent back unchanged.
    pub data: String,
    /// Fields this crate does not model, kept as is.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

open_tagged_enum! {
    /// One content block of a message (request or response).
    ///
    /// Blocks of other types (`server_tool_use`, `web_search_tool_result`, `search_result`, …)
    /// are kept in [`ContentBlock::Unknown`] and round-trip unchanged.
    pub enum ContentBlock {
        /// Text.
        "text" => Text(TextBlock),
        /// An image.
        "image" => Image(ImageBlock),
        /// A document (PDF, plain text, custom content).
        "document" => Document(DocumentBlock),
        /// A tool call by the model.
        "tool_use" => ToolUse(ToolUseBlock),
        /// The result of a tool call.
        "tool_result" => ToolResult(ToolResultBlock),
        /// Extended-thinking output.
        "thinking" => Thinking(ThinkingBlock),
        /// Redacted extended-thinking output.
        "redacted_thinking" => RedactedThinking(RedactedThinkingBlock),
    }
}

impl ContentBlock {
    /// A text block.
    pub fn text(text: impl Into<String>) -> Self {
        ContentBlock::Text(TextBlock::new(text))
    }

    /// An inline base64 image (`media_type` like `image/png`).
    pub fn image_base64(media_type: impl Into<String>, data: impl Into<String>) -> Self {
        ContentBlock::Image(ImageBlock {
            source: ImageSource::Base64(Base64Source {
                media_type: media_type.into(),
                data: data.into(),
            }),
            cache_control: None,
            extra: Map::new(),
        })
    }

    /// A tool call.
    pub fn tool_use(id: impl Into<String>, name: impl Into<String>, input: Value) -> Self {
        ContentBlock::ToolUse(ToolUseBlock {
            id: id.into(),
            name: name.into(),
            input,
            ..Default::default()
        })
    }

    /// A tool result with string content.
    pub fn tool_result(tool_use_id: impl Into<String>, content: impl Into<String>) -> Self {
        ContentBlock::ToolResult(ToolResultBlock {
            tool_use_id: tool_use_id.into(),
            content: Some(MessageContent::Text(content.into())),
            ..Default::default()
        })
    }

    /// The block's text, for text blocks.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            ContentBlock::Text(t) => Some(&t.text),
            _ => None,
        }
    }

    /// The block's `cache_control` (for `Unknown` blocks: parsed from the raw JSON, if valid).
    pub fn cache_control(&self) -> Option<CacheControl> {
        match self {
            ContentBlock::Text(b) => b.cache_control.clone(),
            ContentBlock::Image(b) => b.cache_control.clone(),
            ContentBlock::Document(b) => b.cache_control.clone(),
            ContentBlock::ToolUse(b) => b.cache_control.clone(),
            ContentBlock::ToolResult(b) => b.cache_control.clone(),
            ContentBlock::Thinking(_) | ContentBlock::RedactedThinking(_) => None,
            ContentBlock::Unknown(v) => v
                .get("cache_control")
                .and_then(|c| serde_json::from_value(c.clone()).ok()),
        }
    }

    /// Whether the block carries a `cache_control` key at all (also an unparsable one).
    pub fn has_cache_control(&self) -> bool {
        match self {
            ContentBlock::Unknown(v) => v.get("cache_control").is_some_and(|c| !c.is_null()),
            other => other.cache_control_ref().is_some(),
        }
    }

    /// The `cache_control` of a known block type, borrowed (`None` for `Unknown` blocks: see
    /// [`ContentBlock::cache_control`]).
    pub fn cache_control_ref(&self) -> Option<&CacheControl> {
        match self {
            ContentBlock::Text(b) => b.cache_control.as_ref(),
            ContentBlock::Image(b) => b.cache_control.as_ref(),
            ContentBlock::Document(b) => b.cache_control.as_ref(),
            ContentBlock::ToolUse(b) => b.cache_control.as_ref(),
            ContentBlock::ToolResult(b) => b.cache_control.as_ref(),
            _ => None,
        }
    }

    /// The `cache_control` slot of block types that can carry one (text, image, document,
    /// tool_use, tool_result); `None` for thinking blocks and unknown types.
    pub fn cache_control_mut(&mut self) -> Option<&mut Option<CacheControl>> {
        match self {
            ContentBlock::Text(b) => Some(&mut b.cache_control),
            ContentBlock::Image(b) => Some(&mut b.cache_control),
            ContentBlock::Document(b) => Some(&mut b.cache_control),
            ContentBlock::ToolUse(b) => Some(&mut b.cache_control),
            ContentBlock::ToolResult(b) => Some(&mut b.cache_control),
            _ => None,
        }
    }
}

impl From<TextBlock> for ContentBlock {
    fn from(b: TextBlock) -> Self {
        ContentBlock::Text(b)
    }
}
