use super::*;

fn unescape(s: &str) -> Option<(String, usize)> {
    let mut out = String::new();
    unescape_into(s, &mut out).map(|n| (out, n))
}

#[test]
fn unescape_matches_serde() {
    for raw in [
        r#"plain""#,
        r#"a\"b\\c\/d\n\t\r\b\f""#,
        r#"\u00e9\u4e2d\ud83d\ude00 x""#,
        r#"""#,
    ] {
        let (got, n) = unescape(raw).unwrap();
        assert_eq!(n, raw.len());
        let want: String = serde_json::from_str(&format!("\"{raw}")).unwrap();
        assert_eq!(got, want);
    }
    for bad in [r#"\x""#, r#"\ud83d""#, r#"\u12"#, "no end", "ctl\u{1}\""] {
        assert!(unescape(bad).is_none(), "{bad}");
    }
}

#[test]
fn string_run_finds_the_first_special_byte() {
    let naive = |b: &[u8], i: usize| {
        b[i..]
            .iter()
            .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
            .map(|p| p + i)
    };
    // Every position of every special byte, among ASCII and non-ASCII neighbours and
    // bytes just above the thresholds (0x20, 0x21, 0x23, 0x5B, 0x5D, 0x7F, 0x80, 0xFF).
    let fill = [b'a', 0x20, 0x21, 0x23, 0x5B, 0x5D, 0x7F, 0x80, 0xC3, 0xFF];
    for len in 0..40 {
        for &f in &fill {
            let mut b = vec![f; len];
            assert_eq!(string_run(&b, 0), naive(&b, 0));
            for at in 0..len {
                for special in [b'"', b'\\', 0x00, 0x01, 0x1F] {
                    let keep = b[at];
                    b[at] = special;
                    for start in 0..=at.min(9) {
                        assert_eq!(string_run(&b, start), naive(&b, start), "{b:?} {start}");
                    }
                    // A second special byte after the first does not change the answer.
                    if at + 1 < len {
                        let k2 = b[len - 1];
                        b[len - 1] = b'"';
                        assert_eq!(string_run(&b, 0), naive(&b, 0));
                        b[len - 1] = k2;
                    }
                    b[at] = keep;
                }
            }
        }
    }
}

#[test]
fn fast_path_falls_back_without_side_effects() {
    let mut acc = MessageAccumulator::new();
    acc.push(
        &StreamEvent::parse(
            "message_start",
            r#"{"type":"message_start","message":{"id":"m"}}"#,
        )
        .unwrap()
        .unwrap(),
    )
    .unwrap();
    acc.push(
        &StreamEvent::parse(
            "content_block_start",
            r#"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
        )
        .unwrap()
        .unwrap(),
    )
    .unwrap();
    assert!(acc.fast_delta(
        r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\nb"}}"#
    ));
    // Extra field after the text: not the fast shape; nothing appended.
    assert!(!acc.fast_delta(r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"zz","x":1}}"#));
    // Block 1 does not exist.
    assert!(!acc.fast_delta(
        r#"{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"zz"}}"#
    ));
    assert_eq!(acc.partial().unwrap().text(), "a\nb");
}
