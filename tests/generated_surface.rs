//! `GENERATED.md` (workspace root) is the committed, readable surface of the handler API that
//! the root build script generates from `schemas/events/`: a schema change arrives in review
//! as a diff of the traits, registration methods, `AllHandlers` fields and `Event` variants.

#[test]
fn committed_handler_surface_matches_the_build() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("GENERATED.md");
    if std::env::var_os("KIKET_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, kiket::GENERATED_SURFACE).expect("write GENERATED.md");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == kiket::GENERATED_SURFACE,
        "GENERATED.md does not match the generated handler API; review the change, then run:\n    KIKET_UPDATE_SNAPSHOTS=1 cargo test -p kiket --test generated_surface"
    );
}

#[test]
fn the_surface_lists_every_catalogued_event_with_its_handler_api() {
    for (event, version) in kiket::Event::CATALOG {
        let schema = kiket::types::catalog::find(event, version).expect("catalogued");
        let row = format!(
            "| `{event}` | `{version}` | `kiket_types::{}` | `{}Handler` |",
            schema.type_name, schema.type_name
        );
        assert!(kiket::GENERATED_SURFACE.contains(&row), "no row for {event}@{version}: {row}");
    }
    for section in [
        "### trait `IssueCreatedV1Handler`",
        "### trait `CatalogRoutes`",
        "### struct `AllHandlers`",
        "### enum `Event`",
    ] {
        assert!(kiket::GENERATED_SURFACE.contains(section), "missing {section}");
    }
}
