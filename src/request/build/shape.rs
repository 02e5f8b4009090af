//! Shaping the body: resolved model, `max_tokens` and `temperature` from params, and the
//! default prompt-cache breakpoints (undone when the body is reused).

use super::*;

/// What [`shape_body`] changed, to put the body back as it was.
#[derive(Debug)]
#[must_use]
pub(crate) struct ShapeUndo {
    /// The caller's model value, when the resolved id differs from it.
    model: Option<String>,
    max_tokens: Option<u32>,
    temperature: Option<f64>,
    stream: Option<bool>,
    breakpoints: BreakpointUndo,
}

impl ShapeUndo {
    /// Puts `body` back as it was before [`shape_body`].
    pub(crate) fn restore(self, body: &mut MessageRequest) {
        if let Some(m) = self.model {
            body.model = m;
        }
        body.max_tokens = self.max_tokens;
        body.temperature = self.temperature;
        body.stream = self.stream;
        self.breakpoints.restore(body);
    }
}

/// The resolved model id, `max_tokens` and `temperature` from params, the stream flag and the
/// default cache breakpoints, applied to `body` in place.
pub(super) fn shape_body(
    config: &Config,
    kind: CredentialKind,
    model: &ModelRef,
    body: &mut MessageRequest,
    options: &BuildOptions,
    warnings: &mut Vec<String>,
) -> Result<ShapeUndo> {
    if !serves_provider(config, &model.provider) {
        return Err(unserved_provider(&model.provider));
    }
    let params = config.model_params(model);
    let mut undo = ShapeUndo {
        model: (body.model != model.model)
            .then(|| std::mem::replace(&mut body.model, model.model.clone())),
        max_tokens: body.max_tokens,
        temperature: body.temperature,
        stream: body.stream,
        breakpoints: BreakpointUndo::default(),
    };

    // max_tokens and temperature from params.
    if body.max_tokens.is_none() {
        body.max_tokens = Some(
            params
                .and_then(|p| p.max_tokens)
                .unwrap_or_else(|| models::default_max_tokens(&model.model)),
        );
    }
    if body.temperature.is_none()
        && let Some(t) = params.and_then(|p| p.temperature)
    {
        if body.thinking.as_ref().is_some_and(ThinkingConfig::is_on) {
            warnings.push(format!(
                "params.temperature ({t}) of {model} was not applied: extended thinking requires the default temperature"
            ));
        } else {
            body.temperature = Some(t);
        }
    }
    if let Some(s) = options.stream {
        body.stream = s.then_some(true);
    }

    // Cache breakpoints.
    if options.cache_policy == CachePolicy::Default {
        let ttl = params.and_then(|p| p.cache_control_ttl);
        let ttl = match (ttl, kind) {
            (Some(t), CredentialKind::ApiKey) => Some(t.as_str().to_owned()),
            (Some(t), kind) => {
                warnings.push(format!(
                    "params.cacheControlTtl ({}) of {model} ignored: prompt-cache TTL applies only to API-key auth, this request uses a {kind} credential",
                    t.as_str()
                ));
                None
            }
            (None, _) => None,
        };
        let cc = CacheControl {
            kind: "ephemeral".to_owned(),
            ttl,
        };
        undo.breakpoints = apply_breakpoints_tracked(body, &cc);
    }
    Ok(undo)
}

pub(super) fn cacheable(b: &ContentBlock) -> bool {
    match b {
        ContentBlock::Text(t) => !t.text.is_empty(),
        ContentBlock::Image(_)
        | ContentBlock::Document(_)
        | ContentBlock::ToolUse(_)
        | ContentBlock::ToolResult(_) => true,
        _ => false,
    }
}

/// Sets `cc` on the last cacheable block that has no `cache_control` yet; returns its index.
pub(super) fn mark_last(blocks: &mut [ContentBlock], cc: &CacheControl) -> Option<usize> {
    let i = blocks.iter().rposition(cacheable)?;
    let slot = blocks[i].cache_control_mut()?;
    if slot.is_some() {
        return None;
    }
    *slot = Some(cc.clone());
    Some(i)
}

/// One breakpoint placed by the default policy: the block marked, and whether a string was
/// turned into a text block to carry it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Placed {
    converted: bool,
    block: Option<usize>,
}

/// What the default policy changed in a body.
#[derive(Debug, Default)]
pub(super) struct BreakpointUndo {
    system: Option<Placed>,
    /// The message index and what was placed in it.
    user: Option<(usize, Placed)>,
}

impl BreakpointUndo {
    fn restore(self, body: &mut MessageRequest) {
        if let (Some(p), Some(system)) = (self.system, body.system.as_mut())
            && let SystemPrompt::Blocks(blocks) = system
            && let Some(text) = unplace(blocks, p)
        {
            *system = SystemPrompt::Text(text);
        }
        if let Some((i, p)) = self.user
            && let Some(MessageContent::Blocks(blocks)) =
                body.messages.get_mut(i).map(|m| &mut m.content)
            && let Some(text) = unplace(blocks, p)
        {
            body.messages[i].content = MessageContent::Text(text);
        }
    }
}

/// Removes a placed breakpoint; returns the text when the blocks were made from a string.
pub(super) fn unplace(blocks: &mut Vec<ContentBlock>, p: Placed) -> Option<String> {
    if let Some(slot) = p
        .block
        .and_then(|i| blocks.get_mut(i))
        .and_then(ContentBlock::cache_control_mut)
    {
        *slot = None;
    }
    if !p.converted {
        return None;
    }
    match blocks.pop() {
        Some(ContentBlock::Text(t)) => Some(t.text),
        _ => unreachable!("a converted string is one text block"),
    }
}

/// The default policy: last system block and last cacheable block of the last user message.
/// Non-empty string `system`/content become one text block to carry the breakpoint.
pub fn apply_default_breakpoints(body: &mut MessageRequest, cc: &CacheControl) {
    let _ = apply_breakpoints_tracked(body, cc);
}

/// [`apply_default_breakpoints`], recording what it changed.
pub(super) fn apply_breakpoints_tracked(
    body: &mut MessageRequest,
    cc: &CacheControl,
) -> BreakpointUndo {
    let mut undo = BreakpointUndo::default();
    if let Some(system) = &mut body.system {
        let non_empty = !matches!(system, SystemPrompt::Text(s) if s.is_empty());
        if non_empty {
            let converted = matches!(system, SystemPrompt::Text(_));
            let block = mark_last(system.make_blocks(), cc);
            undo.system = Some(Placed { converted, block });
        }
    }
    if let Some((i, last_user)) = body
        .messages
        .iter_mut()
        .enumerate()
        .rev()
        .find(|(_, m)| m.role == Role::User)
    {
        let non_empty = !matches!(&last_user.content, MessageContent::Text(s) if s.is_empty());
        if non_empty {
            let converted = matches!(last_user.content, MessageContent::Text(_));
            let block = mark_last(last_user.content.make_blocks(), cc);
            undo.user = Some((i, Placed { converted, block }));
        }
    }
    undo
}
