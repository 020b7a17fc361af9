//! The SAKK article's example: as printed it still holds placeholders, and sakk points at each
//! one; filled in (`examples/sakk-simple`) it validates, and means exactly what the native
//! `examples/native-simple` means.

use crate::support::{assert_code, line_column, read, repository, sakk, temporary, write};
use std::collections::BTreeSet;

/// The placeholders the article leaves in place.
const PLACEHOLDERS: &[&str] = &[
    "<aws-account-id>",
    "<username>",
    "id-of-route53-zone",
    "region-where-bucket-placed",
];

#[test]
fn the_seed_as_printed_gets_one_diagnostic_per_placeholder_at_its_place() {
    let directory = repository().join("tests/fixtures/seed-as-printed");
    // Where each placeholder is, found in the text itself.
    let mut expected = BTreeSet::new();
    for file in ["main.tf", "backend.hcl"] {
        let text = read(&directory.join(file));
        for placeholder in PLACEHOLDERS {
            for (offset, _) in text.match_indices(placeholder) {
                let (line, column) = line_column(&text, offset);
                expected.insert((file.to_owned(), line, column));
            }
        }
    }
    assert_eq!(expected.len(), 5, "the article has five placeholders");

    let run = sakk(&directory, &["validate", "--output", "json"]);
    assert_code(&run, 1);
    let report = run.json();
    let errors: Vec<&serde_json::Value> = report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|diagnostic| diagnostic["severity"] == "error")
        .collect();
    let found: BTreeSet<(String, usize, usize)> = errors
        .iter()
        .map(|error| {
            assert_eq!(error["code"], "placeholder", "{error}");
            assert!(
                error["hint"].as_str().is_some_and(|hint| !hint.is_empty()),
                "{error}"
            );
            (
                error["file"].as_str().unwrap_or_default().to_owned(),
                error["line"].as_u64().unwrap_or_default() as usize,
                error["column"].as_u64().unwrap_or_default() as usize,
            )
        })
        .collect();
    assert_eq!(errors.len(), 5, "one error per placeholder: {errors:#?}");
    assert_eq!(found, expected);

    let run = sakk(&directory, &["validate"]);
    assert_code(&run, 1);
    insta::assert_snapshot!(run.stderr);
}

#[test]
fn both_filled_in_examples_validate_and_show_the_same_model() {
    let sakk_form = repository().join("examples/sakk-simple");
    let native_form = repository().join("examples/native-simple");
    for directory in [&sakk_form, &native_form] {
        let run = sakk(directory, &["validate"]);
        assert_code(&run, 0);
        assert!(
            run.stderr.contains("✓ cluster `simple` is valid"),
            "{}",
            run.stderr
        );
    }
    for format in ["json", "hcl"] {
        let from_sakk = sakk(&sakk_form, &["show", "--output", format]);
        let from_native = sakk(&native_form, &["show", "--output", format]);
        assert_code(&from_sakk, 0);
        assert_code(&from_native, 0);
        assert!(!from_sakk.stdout.is_empty());
        assert_eq!(
            from_sakk.stdout, from_native.stdout,
            "`sakk show --output {format}` differs between the two forms"
        );
    }
}

/// Reverses the order of every structure in the body of every top-level block.
fn reverse_blocks(text: &str) -> String {
    use hcl_edit::structure::{Body, Structure};
    let body: Body = text
        .parse()
        .unwrap_or_else(|error| panic!("cannot parse the example: {error}"));
    let mut reversed = Body::new();
    for structure in body.into_iter() {
        match structure {
            Structure::Block(mut block) => {
                let inner: Vec<Structure> = block.body.into_iter().collect();
                let mut body = Body::new();
                for item in inner.into_iter().rev() {
                    body.push(item);
                }
                block.body = body;
                reversed.push(block);
            }
            attribute => reversed.push(attribute),
        }
    }
    reversed.to_string()
}

#[test]
fn reordering_the_blocks_of_a_native_file_changes_nothing() {
    let original = repository().join("examples/native-simple");
    let text = read(&original.join("cluster.hcl"));
    let reversed = reverse_blocks(&text);
    assert_ne!(reversed, text);
    // The users, the group, the backend and the settings all come in the opposite order now.
    assert!(reversed.find("user \"qa\"") > reversed.find("user \"developer\""));
    assert!(reversed.find("backend \"s3\"") < reversed.find("region"));
    let directory = temporary();
    write(directory.path(), "cluster.hcl", &reversed);

    for format in ["json", "hcl"] {
        let before = sakk(&original, &["show", "--output", format]);
        let after = sakk(directory.path(), &["show", "--output", format]);
        assert_code(&before, 0);
        assert_code(&after, 0);
        assert_eq!(before.stdout, after.stdout, "{reversed}");
    }
}

#[test]
fn reordering_the_users_of_a_sakk_file_changes_nothing() {
    let original = repository().join("examples/sakk-simple");
    let text = read(&original.join("main.tf"));
    // Swap the two Cognito users.
    let qa = "    {\n      email    = \"qa@some.domain.local\"\n      username = \"qa\"\n      group    = \"masters\"\n    }";
    let developer = "    {\n      email    = \"developer@some.domain.local\"\n      username = \"developer\"\n    }";
    let swapped = text.replace(
        &format!("{qa},\n{developer}"),
        &format!("{developer},\n{qa}"),
    );
    assert_ne!(
        swapped, text,
        "the example's users are not where this test expects them"
    );
    let directory = temporary();
    write(directory.path(), "main.tf", &swapped);
    write(
        directory.path(),
        "backend.hcl",
        read(&original.join("backend.hcl")),
    );

    let before = sakk(&original, &["show", "--output", "json"]);
    let after = sakk(directory.path(), &["show", "--output", "json"]);
    assert_code(&after, 0);
    assert_eq!(before.stdout, after.stdout);
}

/// Validates `examples/sakk-simple` with its backend.hcl edited; returns the errors.
fn errors_with_backend_file(edit: impl Fn(&str) -> String) -> Vec<serde_json::Value> {
    let original = repository().join("examples/sakk-simple");
    let directory = temporary();
    write(directory.path(), "main.tf", read(&original.join("main.tf")));
    let backend = read(&original.join("backend.hcl"));
    let edited = edit(&backend);
    assert_ne!(edited, backend, "the edit changed nothing");
    write(directory.path(), "backend.hcl", edited);
    let run = sakk(directory.path(), &["validate", "--output", "json"]);
    assert_code(&run, 1);
    run.json()["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|diagnostic| diagnostic["severity"] == "error")
        .cloned()
        .collect()
}

#[test]
fn a_misspelt_key_in_backend_hcl_is_one_error_where_it_is_written() {
    let errors = errors_with_backend_file(|text| text.replacen("bucket ", "buckt  ", 1));
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0]["code"], "unknown-setting");
    assert_eq!(errors[0]["file"], "backend.hcl");
    assert_eq!(errors[0]["line"], 1);
    assert_eq!(errors[0]["hint"], "did you mean `bucket`?");
}

#[test]
fn a_setting_missing_from_backend_hcl_is_reported_in_backend_hcl() {
    let errors = errors_with_backend_file(|text| {
        text.lines()
            .filter(|line| !line.starts_with("dynamodb_table") && !line.starts_with("bucket"))
            .map(|line| format!("{line}\n"))
            .collect()
    });
    let missing: Vec<&str> = errors
        .iter()
        .map(|error| {
            assert_eq!(error["code"], "missing-setting", "{error}");
            assert_eq!(error["file"], "backend.hcl", "{error}");
            error["field"].as_str().unwrap_or_default()
        })
        .collect();
    assert_eq!(missing, ["bucket"], "{errors:#?}");
}
