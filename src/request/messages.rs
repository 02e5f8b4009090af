//! Typed Messages API bodies and responses (`POST /v1/messages`, `count_tokens`, `GET /v1/models`).
//!
//! The request type [`MessageRequest`] is both what a caller passes in and what goes on the wire:
//! the caller may leave `max_tokens` unset and use an alias or a `provider/model` ref in `model`;
//! [`crate::request::build`] resolves both before sending.
//!
//! Everything here is open to API growth:
//! * model ids, stop reasons and beta names are strings (with constants for the known values);
//! * content blocks, image and document sources of an unknown `type` parse into an `Unknown`
//!   variant holding the JSON as it was, and serialize back unchanged;
//! * unknown fields of the request, of each known block and of tools are kept in `extra` maps and
//!   written back untouched.
//!
//! `None` options and empty lists are never serialized.
//!
//! ```
//! use claw_anthropic::request::messages::{MessageParam, MessageRequest, models};
//! let mut req = MessageRequest::new(models::CLAUDE_SONNET_4_5, vec![MessageParam::user("Hello")]);
//! req.system = Some("You are terse.".into());
//! req.max_tokens = Some(256);
//! let json = serde_json::to_value(&req).unwrap();
//! assert_eq!(json["messages"][0]["content"], "Hello");
//! assert_eq!(json["max_tokens"], 256);
//! ```

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

/// Known model ids (strings: any other id works too).
pub mod models {
    /// Claude Opus 4.5 (alias).
    pub const CLAUDE_OPUS_4_5: &str = "claude-opus-4-5";
    /// Claude Opus 4.5 snapshot.
    pub const CLAUDE_OPUS_4_5_20251101: &str = "claude-opus-4-5-20251101";
    /// Claude Sonnet 4.5 (alias).
    pub const CLAUDE_SONNET_4_5: &str = "claude-sonnet-4-5";
    /// Claude Sonnet 4.5 snapshot.
    pub const CLAUDE_SONNET_4_5_20250929: &str = "claude-sonnet-4-5-20250929";
    /// Claude Haiku 4.5 (alias).
    pub const CLAUDE_HAIKU_4_5: &str = "claude-haiku-4-5";
    /// Claude Haiku 4.5 snapshot.
    pub const CLAUDE_HAIKU_4_5_20251001: &str = "claude-haiku-4-5-20251001";
    /// Claude Opus 4.1 (alias).
    pub const CLAUDE_OPUS_4_1: &str = "claude-opus-4-1";
    /// Claude Opus 4.1 snapshot.
    pub const CLAUDE_OPUS_4_1_20250805: &str = "claude-opus-4-1-20250805";
    /// Claude Opus 4 (alias).
    pub const CLAUDE_OPUS_4_0: &str = "claude-opus-4-0";
    /// Claude Opus 4 snapshot.
    pub const CLAUDE_OPUS_4_20250514: &str = "claude-opus-4-20250514";
    /// Claude Sonnet 4 (alias).
    pub const CLAUDE_SONNET_4_0: &str = "claude-sonnet-4-0";
    /// Claude Sonnet 4 snapshot.
    pub const CLAUDE_SONNET_4_20250514: &str = "claude-sonnet-4-20250514";
    /// Claude Sonnet 3.7 (alias).
    pub const CLAUDE_3_7_SONNET_LATEST: &str = "claude-3-7-sonnet-latest";
    /// Claude Haiku 3.5 (alias).
    pub const CLAUDE_3_5_HAIKU_LATEST: &str = "claude-3-5-haiku-latest";
    /// Claude Haiku 3.
    pub const CLAUDE_3_HAIKU_20240307: &str = "claude-3-haiku-20240307";

    /// `max_tokens` used when neither the call nor the model's `params.maxTokens` sets one.
    ///
    /// The values are the maximum output sizes in Anthropic's "Models overview" table
    /// (docs.anthropic.com, models overview, "Max output"): 64 000 for the 4.5 family, Sonnet 4
    /// and Sonnet 3.7; 32 000 for Opus 4 / 4.1; 8 192 for Haiku 3.5; 4 096 for Haiku 3 and for
    /// any id this table does not know. Snapshot ids (`claude-opus-4-5-20251101`) match their
    /// family by prefix.
    pub fn default_max_tokens(model: &str) -> u32 {
        let m = model.trim().to_ascii_lowercase();
        const TABLE: &[(&str, u32)] = &[
            ("claude-opus-4-5", 64_000),
            ("claude-sonnet-4-5", 64_000),
            ("claude-haiku-4-5", 64_000),
            ("claude-opus-4-1", 32_000),
            ("claude-opus-4", 32_000),
            ("claude-sonnet-4", 64_000),
            ("claude-3-7-sonnet", 64_000),
            ("claude-3-5-haiku", 8_192),
            ("claude-3-haiku", 4_096),
        ];
        TABLE
            .iter()
            .find(|(prefix, _)| m.starts_with(prefix))
            .map(|&(_, n)| n)
            .unwrap_or(4_096)
    }
}

/// Known `stop_reason` values (the field is an open string).
pub mod stop_reason {
    /// The model finished its turn.
    pub const END_TURN: &str = "end_turn";
    /// `max_tokens` was reached.
    pub const MAX_TOKENS: &str = "max_tokens";
    /// One of `stop_sequences` was produced.
    pub const STOP_SEQUENCE: &str = "stop_sequence";
    /// The model wants to call a tool.
    pub const TOOL_USE: &str = "tool_use";
    /// A long-running server tool turn was paused.
    pub const PAUSE_TURN: &str = "pause_turn";
    /// The model refused.
    pub const REFUSAL: &str = "refusal";
    /// The context window was exceeded.
    pub const MODEL_CONTEXT_WINDOW_EXCEEDED: &str = "model_context_window_exceeded";
}

// ---------------------------------------------------------------------------------------------
// Open tagged enums: known `type`s are typed, anything else is kept as raw JSON.
// ---------------------------------------------------------------------------------------------

/// Removes the `type` key so a typed struct with a flattened `extra` map does not capture it.
fn take_object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(mut m) => {
            m.shift_remove("type");
            m
        }
        // Only objects have a `type` to dispatch on.
        _ => Map::new(),
    }
}

/// How a variant of an open tagged enum is made from its JSON object (`type` removed).
/// The default goes through the derived `Deserialize`; the common response blocks move their
/// fields out of the object instead, which skips serde's buffering of `flatten`ed fields.
trait FromObject: serde::de::DeserializeOwned {
    fn from_object(m: Map<String, Value>) -> serde_json::Result<Self> {
        serde_json::from_value(Value::Object(m))
    }
}

/// A block's `cache_control` value: `Ok(None)` when absent or `null`, `Err(())` when the
/// derived path must decide (and report) instead.
fn block_cache_control(v: Option<&Value>) -> Result<Option<CacheControl>, ()> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(c) => CacheControl::deserialize(c).map(Some).map_err(|_| ()),
    }
}

impl FromObject for TextBlock {
    fn from_object(mut m: Map<String, Value>) -> serde_json::Result<Self> {
        let citations_ok = m
            .get("citations")
            .is_none_or(|c| c.is_null() || c.is_array());
        let (true, Some(Value::String(_)), Ok(cache_control)) = (
            citations_ok,
            m.get("text"),
            block_cache_control(m.get("cache_control")),
        ) else {
            return serde_json::from_value(Value::Object(m));
        };
        let Some(Value::String(text)) = m.shift_remove("text") else {
            unreachable!("checked above")
        };
        let citations = match m.shift_remove("citations") {
            Some(Value::Array(a)) => Some(a),
            _ => None,
        };
        m.shift_remove("cache_control");
        Ok(TextBlock {
            text,
            citations,
            cache_control,
            extra: m,
        })
    }
}

impl FromObject for ToolUseBlock {
    fn from_object(mut m: Map<String, Value>) -> serde_json::Result<Self> {
        let (Some(Value::String(_)), Some(Value::String(_)), Ok(cache_control)) = (
            m.get("id"),
            m.get("name"),
            block_cache_control(m.get("cache_control")),
        ) else {
            return serde_json::from_value(Value::Object(m));
        };
        let (Some(Value::String(id)), Some(Value::String(name))) =
            (m.shift_remove("id"), m.shift_remove("name"))
        else {
            unreachable!("checked above")
        };
        let input = m.shift_remove("input").unwrap_or(Value::Null);
        m.shift_remove("cache_control");
        Ok(ToolUseBlock {
            id,
            name,
            input,
            cache_control,
            extra: m,
        })
    }
}

impl FromObject for ThinkingBlock {
    fn from_object(mut m: Map<String, Value>) -> serde_json::Result<Self> {
        let string_or_absent = |k: &str| m.get(k).is_none_or(Value::is_string);
        if !(string_or_absent("thinking") && string_or_absent("signature")) {
            return serde_json::from_value(Value::Object(m));
        }
        let mut take = |k: &str| match m.shift_remove(k) {
            Some(Value::String(s)) => s,
            _ => String::new(),
        };
        let (thinking, signature) = (take("thinking"), take("signature"));
        Ok(ThinkingBlock {
            thinking,
            signature,
            extra: m,
        })
    }
}

macro_rules! derived_from_object {
    ($($ty:ty),* $(,)?) => { $( impl FromObject for $ty {} )* };
}

derived_from_object!(
    Base64Source,
    UrlSource,
    FileSource,
    PlainTextSource,
    ContentSource,
    ImageBlock,
    DocumentBlock,
    ToolResultBlock,
    RedactedThinkingBlock,
    ToolChoiceOptions,
    ToolChoiceTool,
    ThinkingEnabled,
    ThinkingDisabled,
);

macro_rules! open_tagged_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $tag:literal => $variant:ident($ty:ty), )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant($ty), )*
            /// A `type` this crate does not know (or a malformed value), kept as raw JSON and
            /// serialized back unchanged.
            Unknown(Value),
        }

        impl $name {
            /// The `type` string of this value (`None` for an `Unknown` without a string `type`).
            pub fn type_name(&self) -> Option<&str> {
                match self {
                    $( $name::$variant(_) => Some($tag), )*
                    $name::Unknown(v) => v.get("type").and_then(Value::as_str),
                }
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                #[derive(Serialize)]
                #[serde(tag = "type")]
                enum Tagged<'a> {
                    $( #[serde(rename = $tag)] $variant(&'a $ty), )*
                }
                if HandSerialize::by_hand(self) {
                    return HandSerialize::serialize_by_hand(self, serializer);
                }
                match self {
                    $( $name::$variant(v) => Tagged::$variant(v).serialize(serializer), )*
                    $name::Unknown(v) => v.serialize(serializer),
                }
            }
        }

        impl $name {
            /// Dispatches a whole JSON value on its `type` (unknown or malformed → `Unknown`).
            fn from_tagged_value<E: de::Error>(v: Value) -> Result<Self, E> {
                let tag = v.get("type").and_then(Value::as_str).map(str::to_owned);
                match tag.as_deref() {
                    $( Some($tag) => <$ty as FromObject>::from_object(take_object(v))
                        .map($name::$variant)
                        .map_err(|e| E::custom(format_args!("{} `{}`: {e}", stringify!($name), $tag))), )*
                    _ => Ok($name::Unknown(v)),
                }
            }
        }
    };
}

/// A hand-written serialization for the variants that dominate request bodies. It gives exactly
/// the derived output: `type` first, then the fields in declaration order (absent options
/// skipped), then the extra fields.
trait HandSerialize {
    /// Whether this value is serialized by [`HandSerialize::serialize_by_hand`].
    fn by_hand(&self) -> bool {
        false
    }
    fn serialize_by_hand<S: Serializer>(&self, _s: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("no hand-written serialization"))
    }
}

/// [`open_tagged_enum!`] plus a `Deserialize` that reads the whole value first.
macro_rules! open_tagged_enum_de {
    ($(#[$meta:meta])* pub enum $name:ident { $($body:tt)* }) => {
        open_tagged_enum! { $(#[$meta])* pub enum $name { $($body)* } }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $name::from_tagged_value(Value::deserialize(deserializer)?)
            }
        }
    };
}

// ---------------------------------------------------------------------------------------------
// String-or-list values (`system`, message `content`, tool result `content`).
// ---------------------------------------------------------------------------------------------

struct StringOrSeq<T>(std::marker::PhantomData<T>);

enum StrOrVec<T> {
    Str(String),
    Vec(Vec<T>),
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for StringOrSeq<T> {
    type Value = StrOrVec<T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or an array of content blocks")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(StrOrVec::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(StrOrVec::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(x) = seq.next_element()? {
            out.push(x);
        }
        Ok(StrOrVec::Vec(out))
    }
}

fn de_str_or_vec<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<StrOrVec<T>, D::Error> {
    d.deserialize_any(StringOrSeq(std::marker::PhantomData))
}

// ---------------------------------------------------------------------------------------------
// Small shared pieces.
// ---------------------------------------------------------------------------------------------

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The user (and tool results).
    #[default]
    User,
    /// The model.
    Assistant,
}

impl Role {
    /// `"user"` / `"assistant"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

/// A prompt-cache breakpoint: `{"type":"ephemeral"}` plus an optional `ttl` (`"5m"`, `"1h"`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CacheControl {
    /// Always `"ephemeral"` today.
    #[serde(rename = "type")]
    pub kind: String,
    /// `"5m"` (the API's default) or `"1h"`; omitted when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<String>,
}

impl Default for CacheControl {
    fn default() -> Self {
        CacheControl::ephemeral()
    }
}

impl CacheControl {
    /// `{"type":"ephemeral"}`.
    pub fn ephemeral() -> Self {
        CacheControl {
            kind: "ephemeral".to_owned(),
            ttl: None,
        }
    }
    /// `{"type":"ephemeral","ttl":ttl}`.
    pub fn with_ttl(ttl: impl Into<String>) -> Self {
        CacheControl {
            kind: "ephemeral".to_owned(),
            ttl: Some(ttl.into()),
        }
    }
    /// Whether this is a one-hour breakpoint (`ttl == "1h"`).
    pub fn is_one_hour(&self) -> bool {
        self.ttl.as_deref() == Some("1h")
    }
}

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

fn text_plain() -> String {
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
    /// Tool input (a JSON object).
    #[serde(default)]
    pub input: Value,
    /// Prompt-cache breakpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<CacheControl>,
    /// Fields this crate does not model, kept as is.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
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

impl HandSerialize for ImageSource {}
impl HandSerialize for DocumentSource {}
impl HandSerialize for ToolChoice {}
impl HandSerialize for ThinkingConfig {}

impl HandSerialize for ContentBlock {
    fn by_hand(&self) -> bool {
        matches!(self, ContentBlock::Text(_))
    }
    fn serialize_by_hand<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let ContentBlock::Text(t) = self else {
            return Err(serde::ser::Error::custom("not a text block"));
        };
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("type", "text")?;
        m.serialize_entry("text", &t.text)?;
        if let Some(c) = &t.citations {
            m.serialize_entry("citations", c)?;
        }
        if let Some(c) = &t.cache_control {
            m.serialize_entry("cache_control", c)?;
        }
        for (k, v) in &t.extra {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// `Deserialize` for a struct whose unknown keys go to its flattened `extra` map, read key by
/// key: serde's derive buffers every entry of such a struct (as `Content`) before decoding it.
/// Same values and errors as the derive with `#[serde(default)]` fields (every listed field
/// has a default) and `#[serde(flatten)] extra`; errors also carry serde_json's position.
macro_rules! extra_map_struct_de {
    ($ty:ident, $expecting:literal, {
        $($key:literal => $field:ident: $fty:ty = $default:expr),* $(,)?
    }) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<$ty, A::Error> {
                        $(let mut $field: Option<$fty> = None;)*
                        let mut extra = Map::new();
                        while let Some(key) = map.next_key::<Key<'de>>()? {
                            match key.0.as_ref() {
                                $($key => {
                                    if $field.is_some() {
                                        return Err(de::Error::duplicate_field($key));
                                    }
                                    $field = Some(map.next_value()?);
                                })*
                                _ => {
                                    let v: Value = map.next_value()?;
                                    extra.insert(key.0.into_owned(), v);
                                }
                            }
                        }
                        Ok($ty {
                            $($field: $field.unwrap_or_else(|| $default),)*
                            extra,
                        })
                    }
                }
                d.deserialize_map(V)
            }
        }
    };
}

/// A map key, borrowed from the input when it can be (no allocation for the usual keys).
struct Key<'de>(std::borrow::Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// Where a key of a `text` block was first seen (to rebuild the object in its order).
enum TextSlot {
    Text,
    Citations,
    CacheControl,
    Extra,
}

/// The rest of a `{"type": "text", …}` object (the usual response block), read field by field
/// without building the whole object first. Anything unusual (a repeated `type`, a field of
/// an unexpected type) rebuilds the object in its original order and takes the general path,
/// so the result — value or error — is exactly that of [`ContentBlock::from_tagged_value`].
fn text_block_rest<'de, A: MapAccess<'de>>(
    type_value: Value,
    mut map: A,
) -> Result<ContentBlock, A::Error> {
    let (mut text, mut citations, mut cache_control) = (None, None, None);
    let mut type_value = type_value;
    let mut retype = false;
    let mut extra = Map::new();
    let mut order: Vec<TextSlot> = Vec::with_capacity(2);
    while let Some(key) = map.next_key::<Key<'de>>()? {
        let (slot, kind) = match key.0.as_ref() {
            "text" => (&mut text, TextSlot::Text),
            "citations" => (&mut citations, TextSlot::Citations),
            "cache_control" => (&mut cache_control, TextSlot::CacheControl),
            "type" => {
                // The last `type` wins, at the first one's place (as in a JSON object map).
                type_value = map.next_value()?;
                retype = true;
                continue;
            }
            _ => {
                let v: Value = map.next_value()?;
                if extra.insert(key.0.into_owned(), v).is_none() {
                    order.push(TextSlot::Extra);
                }
                continue;
            }
        };
        if slot.is_none() {
            order.push(kind);
        }
        *slot = Some(map.next_value::<Value>()?);
    }
    let cc = block_cache_control(cache_control.as_ref());
    match (retype, text, &citations, cc) {
        (false, Some(Value::String(text)), None | Some(Value::Null | Value::Array(_)), Ok(cc)) => {
            let citations = match citations {
                Some(Value::Array(a)) => Some(a),
                _ => None,
            };
            Ok(ContentBlock::Text(TextBlock {
                text,
                citations,
                cache_control: cc,
                extra,
            }))
        }
        (_, text, _, _) => {
            let mut m = Map::new();
            m.insert("type".to_owned(), type_value);
            let (mut text, mut extra) = (text, extra.into_iter());
            for slot in order {
                let (k, v) = match slot {
                    TextSlot::Text => ("text".to_owned(), text.take()),
                    TextSlot::Citations => ("citations".to_owned(), citations.take()),
                    TextSlot::CacheControl => ("cache_control".to_owned(), cache_control.take()),
                    TextSlot::Extra => match extra.next() {
                        Some((k, v)) => (k, Some(v)),
                        None => continue,
                    },
                };
                if let Some(v) = v {
                    m.insert(k, v);
                }
            }
            ContentBlock::from_tagged_value(Value::Object(m))
        }
    }
}

impl<'de> Deserialize<'de> for ContentBlock {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BlockVisitor;
        impl<'de> Visitor<'de> for BlockVisitor {
            type Value = ContentBlock;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a content block")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ContentBlock, A::Error> {
                let Some(first) = map.next_key::<Key<'de>>()? else {
                    return Ok(ContentBlock::Unknown(Value::Object(Map::new())));
                };
                let first_value: Value = map.next_value()?;
                if first.0 == "type" && first_value.as_str() == Some("text") {
                    return text_block_rest(first_value, map);
                }
                let mut m = Map::new();
                m.insert(first.0.into_owned(), first_value);
                while let Some((k, v)) = map.next_entry::<String, Value>()? {
                    m.insert(k, v);
                }
                ContentBlock::from_tagged_value(Value::Object(m))
            }
            // Anything but an object is kept as is (`Unknown`), as the general path does.
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<ContentBlock, E> {
                Ok(ContentBlock::Unknown(Value::Bool(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ContentBlock, E> {
                Ok(ContentBlock::Unknown(Value::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ContentBlock, E> {
                Ok(ContentBlock::Unknown(Value::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ContentBlock, E> {
                Ok(ContentBlock::Unknown(Value::from(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ContentBlock, E> {
                Ok(ContentBlock::Unknown(Value::String(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<ContentBlock, E> {
                Ok(ContentBlock::Unknown(Value::String(v)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<ContentBlock, E> {
                Ok(ContentBlock::Unknown(Value::Null))
            }
            fn visit_none<E: de::Error>(self) -> Result<ContentBlock, E> {
                Ok(ContentBlock::Unknown(Value::Null))
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<ContentBlock, D2::Error> {
                d.deserialize_any(self)
            }
            fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<ContentBlock, S::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element::<Value>()? {
                    out.push(v);
                }
                Ok(ContentBlock::Unknown(Value::Array(out)))
            }
        }
        deserializer.deserialize_any(BlockVisitor)
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
/// As input, `model` may be an alias or a `provider/model` ref and `max_tokens` may be `None`;
/// the builder resolves both (SPEC §5). Top-level fields this type does not model are kept in
/// `extra` and sent unchanged.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MessageRequest {
    /// Model id (on input also an alias or `provider/model`).
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

fn message_type() -> String {
    "message".to_owned()
}
fn assistant_role() -> Role {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The hand-written conversions of the common blocks give exactly what the derived
    /// `Deserialize` gives: the same value, or an error with the same text.
    fn same_as_derived<T: FromObject + fmt::Debug + PartialEq>(obj: &Value) {
        let Value::Object(m) = obj else {
            panic!("not an object: {obj}")
        };
        let fast = T::from_object(m.clone()).map_err(|e| e.to_string());
        let derived = serde_json::from_value::<T>(obj.clone()).map_err(|e| e.to_string());
        assert_eq!(fast, derived, "for {obj}");
    }

    fn block_field_values() -> Vec<Value> {
        vec![
            Value::Null,
            json!("s"),
            json!(""),
            json!(7),
            json!(true),
            json!([]),
            json!([{"type": "char_location", "cited_text": "x"}]),
            json!({}),
            json!({"type": "ephemeral"}),
            json!({"type": "ephemeral", "ttl": "1h"}),
            json!({"ttl": "5m"}),
            json!({"type": 1}),
        ]
    }

    proptest::proptest! {
        #[test]
        fn block_fast_paths_match_the_derived_deserialize(
            fields in proptest::collection::vec(
                (proptest::sample::select(vec![
                    "text", "citations", "cache_control", "id", "name", "input",
                    "thinking", "signature", "extra_a", "zz",
                ]), 0usize..12),
                0..7,
            )
        ) {
            let values = block_field_values();
            let mut m = Map::new();
            for (k, i) in fields {
                m.insert(k.to_owned(), values[i].clone());
            }
            let obj = Value::Object(m);
            same_as_derived::<TextBlock>(&obj);
            same_as_derived::<ToolUseBlock>(&obj);
            same_as_derived::<ThinkingBlock>(&obj);
        }
    }

    /// `Usage` and `Message` as serde derives them (the decoders they had before the
    /// key-by-key ones): the same attributes, `flatten` included.
    #[derive(Deserialize, Default)]
    struct DerivedUsage {
        #[serde(default)]
        input_tokens: u64,
        #[serde(default)]
        output_tokens: u64,
        #[serde(default)]
        cache_creation_input_tokens: Option<u64>,
        #[serde(default)]
        cache_read_input_tokens: Option<u64>,
        #[serde(default)]
        cache_creation: Option<CacheCreation>,
        #[serde(default)]
        server_tool_use: Option<ServerToolUsage>,
        #[serde(default)]
        service_tier: Option<String>,
        #[serde(flatten)]
        extra: Map<String, Value>,
    }

    impl From<DerivedUsage> for Usage {
        fn from(u: DerivedUsage) -> Usage {
            Usage {
                input_tokens: u.input_tokens,
                output_tokens: u.output_tokens,
                cache_creation_input_tokens: u.cache_creation_input_tokens,
                cache_read_input_tokens: u.cache_read_input_tokens,
                cache_creation: u.cache_creation,
                server_tool_use: u.server_tool_use,
                service_tier: u.service_tier,
                extra: u.extra,
            }
        }
    }

    #[derive(Deserialize)]
    struct DerivedMessage {
        #[serde(default)]
        id: String,
        #[serde(rename = "type", default = "message_type")]
        kind: String,
        #[serde(default = "assistant_role")]
        role: Role,
        #[serde(default)]
        model: String,
        #[serde(default)]
        content: Vec<ContentBlock>,
        #[serde(default)]
        stop_reason: Option<String>,
        #[serde(default)]
        stop_sequence: Option<String>,
        #[serde(default)]
        usage: DerivedUsage,
        #[serde(flatten)]
        extra: Map<String, Value>,
    }

    impl From<DerivedMessage> for Message {
        fn from(m: DerivedMessage) -> Message {
            Message {
                id: m.id,
                kind: m.kind,
                role: m.role,
                model: m.model,
                content: m.content,
                stop_reason: m.stop_reason,
                stop_sequence: m.stop_sequence,
                usage: m.usage.into(),
                extra: m.extra,
            }
        }
    }

    /// An error of the twins above, in the words of the real types.
    fn derived_err(e: serde_json::Error) -> String {
        e.to_string()
            .replace("struct DerivedMessage", "struct Message")
            .replace("struct DerivedUsage", "struct Usage")
    }

    /// The same value, or the same error up to the position serde_json adds to errors raised
    /// inside its own map visitor.
    fn same_outcome<T: PartialEq + fmt::Debug>(
        new: std::result::Result<T, String>,
        old: std::result::Result<T, String>,
        text: &str,
    ) -> std::result::Result<(), proptest::test_runner::TestCaseError> {
        match (&new, &old) {
            (Err(n), Err(o)) => proptest::prop_assert!(
                n == o
                    || n.strip_prefix(o.as_str())
                        .is_some_and(|rest| rest.starts_with(" at line 1 column ")),
                "{} vs {} for {}",
                n,
                o,
                text
            ),
            _ => proptest::prop_assert_eq!(&new, &old, "{}", text),
        }
        Ok(())
    }

    fn usage_values() -> Vec<&'static str> {
        vec![
            "null",
            "0",
            "7",
            "-1",
            "1.5",
            r#""x""#,
            "true",
            "[]",
            "{}",
            r#"{"ephemeral_5m_input_tokens":3}"#,
            r#"{"web_search_requests":2,"other":1}"#,
            r#"{"ephemeral_1h_input_tokens":"x"}"#,
        ]
    }

    proptest::proptest! {
        #[test]
        fn usage_decoder_matches_the_derived_one(
            entries in proptest::collection::vec(
                (proptest::sample::select(vec![
                    "input_tokens", "output_tokens", "cache_creation_input_tokens",
                    "cache_read_input_tokens", "cache_creation", "server_tool_use",
                    "service_tier", "extra", "zz",
                ]), proptest::sample::select(usage_values())),
                0..8,
            ),
        ) {
            let parts: Vec<String> = entries.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
            let text = format!("{{{}}}", parts.join(","));
            let new = serde_json::from_str::<Usage>(&text).map_err(|e| e.to_string());
            let old = serde_json::from_str::<DerivedUsage>(&text)
                .map(Usage::from)
                .map_err(derived_err);
            same_outcome(new, old, &text)?;
            if let Ok(v) = serde_json::from_str::<Value>(&text) {
                let new = serde_json::from_value::<Usage>(v.clone()).map_err(|e| e.to_string());
                let old = serde_json::from_value::<DerivedUsage>(v)
                    .map(Usage::from)
                    .map_err(derived_err);
                proptest::prop_assert_eq!(new, old, "{}", text);
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn message_decoder_matches_the_derived_one(
            entries in proptest::collection::vec(
                (proptest::sample::select(vec![
                    "id", "type", "role", "model", "content", "stop_reason", "stop_sequence",
                    "usage", "container", "extra",
                ]), proptest::sample::select(vec![
                    "null", "7", r#""msg_1""#, r#""assistant""#, r#""user""#, r#""robot""#, "[]",
                    r#"[{"type":"text","text":"hi"}]"#, r#"[{"type":"text"}]"#, r#"[{"type":"x","y":1}]"#,
                    "{}", r#"{"input_tokens":3,"output_tokens":4}"#, r#"{"input_tokens":"x"}"#,
                ])),
                0..9,
            ),
        ) {
            let parts: Vec<String> = entries.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
            let text = format!("{{{}}}", parts.join(","));
            let new = serde_json::from_str::<Message>(&text).map_err(|e| e.to_string());
            let old = serde_json::from_str::<DerivedMessage>(&text)
                .map(Message::from)
                .map_err(derived_err);
            same_outcome(new, old, &text)?;
            if let Ok(v) = serde_json::from_str::<Value>(&text) {
                let new = serde_json::from_value::<Message>(v.clone()).map_err(|e| e.to_string());
                let old = serde_json::from_value::<DerivedMessage>(v)
                    .map(Message::from)
                    .map_err(derived_err);
                proptest::prop_assert_eq!(new, old, "{}", text);
            }
        }
    }

    #[test]
    fn decoders_reject_non_objects_like_the_derived_ones() {
        for text in [r#""x""#, "7", "[]", "null"] {
            let new = serde_json::from_str::<Message>(text).map_err(|e| e.to_string());
            let old = serde_json::from_str::<DerivedMessage>(text)
                .map(Message::from)
                .map_err(derived_err);
            assert_eq!(new, old);
            let new = serde_json::from_str::<Usage>(text).map_err(|e| e.to_string());
            let old = serde_json::from_str::<DerivedUsage>(text)
                .map(Usage::from)
                .map_err(derived_err);
            assert_eq!(new, old);
        }
    }

    /// `ContentBlock`'s decoder as it was before the field-by-field `text` path: the whole value
    /// first, then the dispatch.
    fn block_via_value(text: &str) -> std::result::Result<ContentBlock, String> {
        struct Old(ContentBlock);
        impl<'de> Deserialize<'de> for Old {
            fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                ContentBlock::from_tagged_value(Value::deserialize(d)?).map(Old)
            }
        }
        serde_json::from_str::<Old>(text)
            .map(|o| o.0)
            .map_err(|e| e.to_string())
    }

    proptest::proptest! {
        #[test]
        fn block_decoder_matches_the_whole_value_decoder(
            entries in proptest::collection::vec(
                (proptest::sample::select(vec![
                    "type", "text", "citations", "cache_control", "id", "name", "input", "zz", "a",
                ]), proptest::sample::select(vec![
                    r#""text""#, r#""tool_use""#, r#""thinking""#, r#""other""#, r#""hi \u00e9""#,
                    "null", "7", "-1.5", "true", "[]", r#"[{"type":"char_location"}]"#, "{}",
                    r#"{"type":"ephemeral"}"#, r#"{"type":"ephemeral","ttl":"1h"}"#, r#"{"ttl":1}"#,
                ])),
                0..7,
            ),
            type_first in proptest::bool::ANY,
        ) {
            let mut parts: Vec<String> = entries.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
            if type_first {
                parts.insert(0, r#""type":"text""#.to_owned());
            }
            let text = format!("{{{}}}", parts.join(","));
            // The same value, or the same error; the new decoder's errors also say where
            // (serde_json adds the position to errors raised inside its map visitor).
            let new = serde_json::from_str::<ContentBlock>(&text).map_err(|e| e.to_string());
            let old = block_via_value(&text);
            match (&new, &old) {
                (Err(n), Err(o)) => proptest::prop_assert!(
                    n == o || n.strip_prefix(o.as_str()).is_some_and(|rest| rest.starts_with(" at line 1 column ")),
                    "{} vs {} for {}", n, o, text
                ),
                _ => proptest::prop_assert_eq!(&new, &old, "{}", text),
            }
            // Through a `Value` deserializer too (owned keys).
            if let Ok(v) = serde_json::from_str::<Value>(&text) {
                let via_value = serde_json::from_value::<ContentBlock>(v.clone()).map_err(|e| e.to_string());
                let old = ContentBlock::from_tagged_value::<serde_json::Error>(v).map_err(|e| e.to_string());
                proptest::prop_assert_eq!(via_value, old, "{}", text);
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn text_block_serializes_as_the_derived_form(
            text in ".{0,12}",
            citations in proptest::option::of(proptest::collection::vec(0u8..3, 0..3)),
            ttl in proptest::option::of(proptest::sample::select(vec!["5m", "1h"])),
            cc in proptest::bool::ANY,
            extra in proptest::collection::vec(
                (proptest::sample::select(vec!["a", "z", "text", "type", "m"]), 0i64..5),
                0..4,
            ),
        ) {
            #[derive(Serialize)]
            #[serde(tag = "type")]
            enum Tagged<'a> {
                #[serde(rename = "text")]
                Text(&'a TextBlock),
            }
            let t = TextBlock {
                text,
                citations: citations.map(|c| c.into_iter().map(Value::from).collect()),
                cache_control: cc.then(|| CacheControl { kind: "ephemeral".into(), ttl: ttl.map(str::to_owned) }),
                extra: extra.into_iter().map(|(k, v)| (k.to_owned(), Value::from(v))).collect(),
            };
            let derived = serde_json::to_string(&Tagged::Text(&t)).unwrap();
            let by_hand = serde_json::to_string(&ContentBlock::Text(t)).unwrap();
            proptest::prop_assert_eq!(by_hand, derived);
        }
    }

    #[test]
    fn block_decoder_keeps_non_objects_as_unknown() {
        for text in [
            "null",
            "7",
            "\"s\"",
            "[1,{\"type\":\"text\"}]",
            "true",
            "-2.5",
            "{}",
        ] {
            let b: ContentBlock = serde_json::from_str(text).unwrap();
            assert_eq!(Ok(b), block_via_value(text), "{text}");
        }
    }

    #[test]
    fn block_fast_paths_keep_unknown_fields_in_order() {
        let v = json!({"type": "text", "z": 1, "text": "hi", "a": {"b": 2},
                       "cache_control": {"type": "ephemeral", "ttl": "1h"}, "m": null});
        let b: ContentBlock = serde_json::from_value(v.clone()).unwrap();
        let ContentBlock::Text(t) = &b else {
            panic!("{b:?}")
        };
        assert_eq!(t.text, "hi");
        assert_eq!(
            t.cache_control.as_ref().and_then(|c| c.ttl.as_deref()),
            Some("1h")
        );
        assert_eq!(t.extra.keys().collect::<Vec<_>>(), ["z", "a", "m"]);
        let back = serde_json::to_value(&b).unwrap();
        assert_eq!(back["a"], json!({"b": 2}));
        let tool = json!({"type": "tool_use", "id": "toolu_1", "name": "get", "input": {"q": 1}, "caller": "x"});
        let b: ContentBlock = serde_json::from_value(tool.clone()).unwrap();
        assert_eq!(serde_json::to_value(&b).unwrap(), tool);
    }

    #[test]
    fn unknown_block_round_trips() {
        let v = json!({"type":"web_search_tool_result","tool_use_id":"srvtoolu_1","content":[{"type":"web_search_result","url":"https://x"}]});
        let b: ContentBlock = serde_json::from_value(v.clone()).unwrap();
        assert!(matches!(b, ContentBlock::Unknown(_)));
        assert_eq!(b.type_name(), Some("web_search_tool_result"));
        assert_eq!(serde_json::to_value(&b).unwrap(), v);
    }

    #[test]
    fn known_block_missing_field_is_an_error() {
        let e = serde_json::from_value::<ContentBlock>(json!({"type":"text"})).unwrap_err();
        assert!(e.to_string().contains("text"), "{e}");
    }

    #[test]
    fn extra_fields_kept_and_type_first() {
        let v = json!({"type":"text","text":"hi","future_field":1});
        let b: ContentBlock = serde_json::from_value(v.clone()).unwrap();
        let ContentBlock::Text(t) = &b else { panic!() };
        assert_eq!(t.extra.get("future_field"), Some(&json!(1)));
        assert!(!t.extra.contains_key("type"));
        assert_eq!(
            serde_json::to_string(&b).unwrap(),
            r#"{"type":"text","text":"hi","future_field":1}"#
        );
    }

    #[test]
    fn default_max_tokens_table() {
        assert_eq!(
            models::default_max_tokens("claude-opus-4-5-20251101"),
            64_000
        );
        assert_eq!(models::default_max_tokens("claude-opus-4-1"), 32_000);
        assert_eq!(models::default_max_tokens("claude-opus-4-20250514"), 32_000);
        assert_eq!(models::default_max_tokens("claude-3-5-haiku-latest"), 8_192);
        assert_eq!(models::default_max_tokens("some-new-model"), 4_096);
    }

    #[test]
    fn response_defaults_and_text() {
        let m: Message = serde_json::from_value(json!({
            "id":"msg_1","type":"message","role":"assistant","model":"claude-opus-4-5",
            "content":[{"type":"text","text":"Hel"},{"type":"text","text":"lo"}],
            "stop_reason":"end_turn","stop_sequence":null,
            "usage":{"input_tokens":3,"output_tokens":2,"cache_creation_input_tokens":null}
        }))
        .unwrap();
        assert_eq!(m.text(), "Hello");
        assert_eq!(m.stop_reason.as_deref(), Some(stop_reason::END_TURN));
        assert_eq!(m.usage.cache_creation_input_tokens, None);
        assert_eq!(Message::default().kind, "message");
    }
}
