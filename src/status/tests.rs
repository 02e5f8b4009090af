use super::*;

#[test]
fn remaining_format() {
    assert_eq!(format_remaining_short(0), "0m");
    assert_eq!(format_remaining_short(30_000), "1m");
    assert_eq!(format_remaining_short(59 * 60_000), "59m");
    assert_eq!(format_remaining_short(5 * 3_600_000), "5h");
    assert_eq!(format_remaining_short(72 * 3_600_000), "3d");
}

/// Each warning appears once in the report, though the config loader and the report both
/// notice a model without provider.
#[cfg(unix)]
#[test]
fn warnings_are_listed_once() {
    use crate::env::EnvView;
    use crate::paths::Paths;
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::with_state_dir(dir.path().join(".clawdbot"));
    let config = Config::from_json5_with(
        r#"{agents:{defaults:{model:"claude-x"}}}"#,
        paths,
        EnvView::empty(),
    )
    .unwrap();
    let config = Arc::new(config);
    let store = config.auth_store_path(&AgentId::main());
    std::fs::create_dir_all(store.parent().unwrap()).unwrap();
    std::fs::write(&store, r#"{"version":1,"profiles":{}}"#).unwrap();
    std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o644)).unwrap();
    let report = StatusReport::build(&config, None).unwrap();
    let count = |needle: &str| {
        report
            .warnings
            .iter()
            .filter(|w| w.contains(needle))
            .count()
    };
    assert_eq!(count("without provider"), 1, "{:#?}", report.warnings);
    assert_eq!(
        count("readable by other users"),
        1,
        "{:#?}",
        report.warnings
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["warnings"].as_array().unwrap().len(), 2, "{json}");
}
