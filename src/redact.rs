//! Redaction of secrets for display: the one masking rule used by `Debug` output, logs,
//! errors and `models status`.

/// Masks a secret as the reference does: `first8...last8`; values of 16 characters or fewer
/// are printed unchanged (the reference's rule — they are not real keys); an empty value prints
/// as `missing`. Counts characters, not bytes.
pub fn mask(secret: &str) -> String {
    let s = secret.trim();
    if s.is_empty() {
        return "missing".to_owned();
    }
    let n = s.chars().count();
    if n <= 16 {
        return s.to_owned();
    }
    let head: String = s.chars().take(8).collect();
    let tail: String = s.chars().skip(n - 8).collect();
    format!("{head}...{tail}")
}

/// Whether `s` looks like a credential: an `sk-…` key or setup-token, or a long run (32+) of
/// token characters mixing letters and digits. Model ids, profile ids and paths do not.
pub(crate) fn looks_like_secret(s: &str) -> bool {
    let t = s.trim();
    let n = t.chars().count();
    if n <= 16 {
        return false;
    }
    if t.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("sk-")) {
        return true;
    }
    n >= 32
        && t.bytes().all(is_token_byte)
        && t.bytes().any(|b| b.is_ascii_alphabetic())
        && t.bytes().any(|b| b.is_ascii_digit())
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'+' | b'=' | b'~')
}

/// `s` unchanged, or [`mask`]ed when it [looks like a secret](looks_like_secret).
pub(crate) fn mask_if_secret(s: &str) -> std::borrow::Cow<'_, str> {
    if looks_like_secret(s) {
        std::borrow::Cow::Owned(mask(s))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// `text` with every word that [looks like a secret](looks_like_secret) masked. Words are runs of
/// token characters (letters, digits, `-_.+=~`); anything else (spaces, quotes, `/`, `:`)
/// separates them. Used on every warning before it is shown.
pub(crate) fn scrub(text: &str) -> std::borrow::Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let mut last = 0;
    let mut i = 0;
    while i < bytes.len() {
        if !is_token_byte(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_token_byte(bytes[i]) {
            i += 1;
        }
        let word = &text[start..i];
        if looks_like_secret(word) {
            let o = out.get_or_insert_with(String::new);
            o.push_str(&text[last..start]);
            o.push_str(&mask(word));
            last = i;
        }
    }
    match out {
        None => std::borrow::Cow::Borrowed(text),
        Some(mut o) => {
            o.push_str(&text[last..]);
            std::borrow::Cow::Owned(o)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_recognised_and_scrubbed() {
        for s in [
            "sk-ant-api03-abcdefghijklmnopqrstuvwxyz",
            "sk-ant-oat01-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "0123456789abcdef0123456789abcdef0123",
        ] {
            assert!(looks_like_secret(s), "{s}");
        }
        for s in [
            "claude-opus-4-5",
            "claude-3-5-sonnet-20241022",
            "anthropic:default",
            "/home/someone/.clawdbot/agents/main/agent/auth-profiles.json",
            "short",
        ] {
            assert!(!looks_like_secret(s), "{s}");
        }
        let key = "sk-ant-api03-SECRETSECRETSECRETSECRET-tail";
        let w = format!(
            "Model \"{key}\" specified without provider. Falling back to \"anthropic/{key}\"."
        );
        let scrubbed = scrub(&w);
        assert!(!scrubbed.contains("SECRETSECRET"), "{scrubbed}");
        assert_eq!(
            scrubbed.matches("sk-ant-a...RET-tail").count(),
            2,
            "{scrubbed}"
        );
        assert!(matches!(
            scrub("nothing here"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn mask_rule() {
        assert_eq!(
            mask("sk-ant-api03-VVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVV"),
            "sk-ant-a...VVVVVVVV"
        );
        assert_eq!(mask("short"), "short");
        assert_eq!(mask("  "), "missing");
        assert_eq!(mask("1234567890123456"), "1234567890123456");
        assert_eq!(mask("12345678901234567"), "12345678...01234567");
    }
}
