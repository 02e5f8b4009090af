use super::*;

#[test]
fn remaining_format() {
    assert_eq!(format_remaining_short(0), "0m");
    assert_eq!(format_remaining_short(30_000), "1m");
    assert_eq!(format_remaining_short(59 * 60_000), "59m");
    assert_eq!(format_remaining_short(5 * 3_600_000), "5h");
    assert_eq!(format_remaining_short(72 * 3_600_000), "3d");
}
