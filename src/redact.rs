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

#[cfg(test)]
mod tests {
    use super::*;

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
