//! Arbitrary bytes through everything `sakk validate` and `sakk show` do: reading (guards,
//! HCL, both forms, backend pairing), validation, diagnostics rendered for people and as JSON,
//! and the model printed as HCL and JSON.
//!
//! The input is split at each ASCII record separator (0x1e) into files: `main.tf`,
//! `backend.hcl`, then `extra-N.hcl`, all in one directory, so a SAKK `main.tf` meets its
//! `backend.hcl` and several clusters meet as a fleet.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sakk_config::Input;
use sakk_core::render::{self, Color};

fuzz_target!(|data: &[u8]| {
    let inputs: Vec<Input> = data
        .split(|byte| *byte == 0x1e)
        .take(6)
        .enumerate()
        .map(|(index, bytes)| Input {
            name: match index {
                0 => "main.tf".to_owned(),
                1 => "backend.hcl".to_owned(),
                other => format!("extra-{other}.hcl"),
            },
            bytes: bytes.to_vec(),
            dir: ".".to_owned(),
        })
        .collect();
    let checked = sakk_model::check(&inputs);

    let text = render::human(&checked.diagnostics, &checked.sources, Color::Never);
    let styled = render::human(&checked.diagnostics, &checked.sources, Color::Always);
    let json = render::json(&checked.diagnostics, &checked.sources);
    assert_eq!(
        json["diagnostics"].as_array().map(Vec::len),
        Some(checked.diagnostics.len())
    );
    assert_eq!(text.is_empty(), checked.diagnostics.is_empty());
    assert_eq!(styled.is_empty(), checked.diagnostics.is_empty());
    for diagnostic in &checked.diagnostics {
        // Every error says how to fix it.
        if diagnostic.is_error() {
            assert!(
                diagnostic
                    .hint
                    .as_deref()
                    .is_some_and(|hint| !hint.is_empty()),
                "an error without a hint: {diagnostic:?}"
            );
        }
    }

    if checked.diagnostics.has_errors() {
        assert!(checked.models.is_empty());
        return;
    }
    assert_eq!(checked.models.len(), checked.clusters.len());
    for model in &checked.models {
        let hcl = sakk_model::show::to_hcl(model);
        // `sakk show` prints HCL that is HCL, whatever the strings hold.
        if let Err(error) = hcl_edit::parser::parse_body(&hcl) {
            panic!("`sakk show` printed invalid HCL ({error}):\n{hcl}");
        }
        let value = serde_json::to_value(model).expect("a model serializes");
        let back: sakk_model::Model = serde_json::from_value(value).expect("and reads back");
        assert_eq!(&back, model);
    }
});
