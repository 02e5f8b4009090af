//! The hand-written serde of the data model: open tagged enums (known `type`s typed, the rest
//! kept as JSON), string-or-list values, and key-by-key `Deserialize` for the hot structs.

use super::*;

// ---------------------------------------------------------------------------------------------
// Open tagged enums: known `type`s are typed, anything else is kept as raw JSON.
// ---------------------------------------------------------------------------------------------

/// Removes the `type` key so a typed struct with a flattened `extra` map does not capture it.
pub(super) fn take_object(v: Value) -> Map<String, Value> {
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
pub(super) trait FromObject: serde::de::DeserializeOwned {
    fn from_object(m: Map<String, Value>) -> serde_json::Result<Self> {
        serde_json::from_value(Value::Object(m))
    }
}

/// A block's `cache_control` value: `Ok(None)` when absent or `null`, `Err(())` when the
/// derived path must decide (and report) instead.
pub(super) fn block_cache_control(v: Option<&Value>) -> Result<Option<CacheControl>, ()> {
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
            partial_json: None,
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
            pub(super) fn from_tagged_value<E: de::Error>(v: Value) -> Result<Self, E> {
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
pub(super) trait HandSerialize {
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

pub(super) struct StringOrSeq<T>(std::marker::PhantomData<T>);

pub(super) enum StrOrVec<T> {
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

pub(super) fn de_str_or_vec<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<StrOrVec<T>, D::Error> {
    d.deserialize_any(StringOrSeq(std::marker::PhantomData))
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
pub(super) struct Key<'de>(pub(super) std::borrow::Cow<'de, str>);

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
pub(super) enum TextSlot {
    Text,
    Citations,
    CacheControl,
    Extra,
}

/// The rest of a `{"type": "text", …}` object (the usual response block), read field by field
/// without building the whole object first. Anything unusual (a repeated `type`, a field of
/// an unexpected type) rebuilds the object in its original order and takes the general path,
/// so the result — value or error — is exactly that of [`ContentBlock::from_tagged_value`].
pub(super) fn text_block_rest<'de, A: MapAccess<'de>>(
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
