//! The broken-file corpus: `tests/broken/` holds files with one mistake each. Every one must
//! make `sakk validate` exit with 1, put its first error at the expected line and column, give
//! every error a hint, and render the diagnostics as in its snapshot.
//!
//! A file declares what it expects on its first line: `# expect: LINE:COLUMN TEXT`, where TEXT
//! is part of the first error's message. Files that cannot hold a comment (empty, binary) are
//! listed in `WITHOUT_COMMENT`. A file without an expectation fails the test.

use crate::support::{Run, assert_code, repository, sakk, temporary, write};
use std::path::Path;

/// Expectations of the files that cannot carry them: name, line, column, message part.
const WITHOUT_COMMENT: &[(&str, usize, usize, &str)] = &[
    ("empty.hcl", 1, 1, "the file is empty"),
    ("binary-garbage.hcl", 1, 1, "is not a text file"),
];

/// The corpus must cover at least this many mistakes.
const MINIMUM_FILES: usize = 45;

#[derive(Debug)]
struct Expectation {
    line: usize,
    column: usize,
    message: String,
}

fn expectation(name: &str, bytes: &[u8]) -> Option<Expectation> {
    if let Some((_, line, column, message)) = WITHOUT_COMMENT.iter().find(|entry| entry.0 == name) {
        return Some(Expectation {
            line: *line,
            column: *column,
            message: (*message).to_owned(),
        });
    }
    let first_line = bytes.split(|byte| *byte == b'\n').next()?;
    let first_line = std::str::from_utf8(first_line).ok()?;
    let rest = first_line.strip_prefix("# expect: ")?;
    let (position, message) = rest.split_once(' ')?;
    let (line, column) = position.split_once(':')?;
    Some(Expectation {
        line: line.parse().ok()?,
        column: column.parse().ok()?,
        message: message.trim().to_owned(),
    })
}

/// Checks the JSON report of a broken file; returns what is wrong, if anything.
fn check_json(name: &str, run: &Run, expected: &Expectation) -> Vec<String> {
    let mut problems = Vec::new();
    if run.code != Some(1) {
        problems.push(format!("{name}: exit code {:?}, expected 1", run.code));
    }
    let Ok(report) = serde_json::from_str::<serde_json::Value>(&run.stdout) else {
        problems.push(format!("{name}: stdout is not JSON: {}", run.stdout));
        return problems;
    };
    if report["valid"] != false {
        problems.push(format!("{name}: reported valid"));
    }
    let diagnostics = report["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let errors: Vec<&serde_json::Value> = diagnostics
        .iter()
        .filter(|diagnostic| diagnostic["severity"] == "error")
        .collect();
    let Some(first) = errors.first() else {
        problems.push(format!("{name}: no error reported"));
        return problems;
    };
    let position = (first["line"].as_u64(), first["column"].as_u64());
    if position != (Some(expected.line as u64), Some(expected.column as u64)) {
        problems.push(format!(
            "{name}: first error at {}:{}, expected {}:{} ({})",
            first["line"], first["column"], expected.line, expected.column, first["message"]
        ));
    }
    let message = first["message"].as_str().unwrap_or_default();
    if !message.contains(&expected.message) {
        problems.push(format!(
            "{name}: first error says {message:?}, expected it to contain {:?}",
            expected.message
        ));
    }
    for error in &errors {
        if error["file"] != name {
            problems.push(format!("{name}: an error names the file {}", error["file"]));
        }
        if error["hint"].as_str().is_none_or(str::is_empty) {
            problems.push(format!("{name}: no hint for {}", error["message"]));
        }
    }
    problems
}

#[test]
fn every_broken_file_fails_at_the_expected_place_with_a_hint() {
    let directory = repository().join("tests/broken");
    let mut names: Vec<String> = std::fs::read_dir(&directory)
        .unwrap_or_else(|error| panic!("cannot list {}: {error}", directory.display()))
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .collect();
    names.sort();
    assert!(
        names.len() >= MINIMUM_FILES,
        "tests/broken has {} files, at least {MINIMUM_FILES} expected",
        names.len()
    );
    let mut problems = Vec::new();
    for name in &names {
        let bytes = std::fs::read(directory.join(name))
            .unwrap_or_else(|error| panic!("cannot read {name}: {error}"));
        let Some(expected) = expectation(name, &bytes) else {
            problems.push(format!(
                "{name}: no expectation (first line `# expect: LINE:COLUMN TEXT`, or an entry in \
                 WITHOUT_COMMENT)"
            ));
            continue;
        };
        let json = sakk(&directory, &["validate", "--output", "json", name]);
        problems.extend(check_json(name, &json, &expected));

        let human = sakk(&directory, &["validate", name]);
        if human.code != Some(1) {
            problems.push(format!(
                "{name}: exit code {:?} for human output",
                human.code
            ));
        }
        if !human.stdout.is_empty() {
            problems.push(format!(
                "{name}: diagnostics belong on stderr, stdout has {:?}",
                human.stdout
            ));
        }
        insta::assert_snapshot!(name.as_str(), human.stderr);
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

/// The 10 MB file is generated here, in a temporary directory, rather than committed: sakk
/// must refuse it quickly, without reading it all, and say why.
#[test]
fn a_ten_megabyte_file_is_refused() {
    let directory = temporary();
    let mut text = String::from("cluster \"huge\" {\n");
    let line = "  # padding padding padding padding padding padding padding padding padding\n";
    while text.len() < 10 * 1024 * 1024 {
        text.push_str(line);
    }
    text.push_str("}\n");
    write(directory.path(), "huge.hcl", &text);

    let run = sakk(
        directory.path(),
        &["validate", "--output", "json", "huge.hcl"],
    );
    assert_code(&run, 1);
    let diagnostic = &run.json()["diagnostics"][0];
    assert_eq!(diagnostic["line"], 1);
    assert_eq!(diagnostic["column"], 1);
    assert_eq!(diagnostic["code"], "not-a-cluster-file");
    let run = sakk(directory.path(), &["validate", "huge.hcl"]);
    assert_code(&run, 1);
    insta::assert_snapshot!(run.stderr, @r"
    error: `huge.hcl` is too large for a cluster file (over 1.0 MiB)
     --> huge.hcl:1:1
      |
    1 |
      | ^
      |
      = hint: a cluster file is a few kilobytes; is this the right file?

    error: 1 problem found in huge.hcl; nothing was changed
    ");
}

/// `sakk validate` on the whole corpus at once: a problem in one file hides none in another.
#[test]
fn the_whole_corpus_at_once_reports_every_file() {
    let directory = repository().join("tests/broken");
    let run = sakk(
        Path::new(&directory),
        &["validate", "--output", "json", "."],
    );
    assert_code(&run, 1);
    let report = run.json();
    let files: std::collections::BTreeSet<&str> = report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|diagnostic| diagnostic["file"].as_str())
        .collect();
    let listed = std::fs::read_dir(&directory)
        .map(|entries| entries.count())
        .unwrap_or_default();
    assert_eq!(files.len(), listed, "{files:?}");
}

/// A block of thousands of keys (generated here: 6,000 tags on one line) is refused before the
/// HCL parser, whose duplicate check would take minutes over it.
#[test]
fn a_block_of_thousands_of_keys_is_refused_quickly() {
    let directory = temporary();
    let tags: Vec<String> = (0..6_000)
        .map(|index| format!("k{index} = \"v\""))
        .collect();
    let text = format!(
        "cluster \"crowded\" {{\n  region = \"eu-west-1\"\n  tags = {{ {} }}\n}}\n",
        tags.join(", ")
    );
    write(directory.path(), "crowded.hcl", &text);
    let run = sakk(
        directory.path(),
        &["validate", "--output", "json", "crowded.hcl"],
    );
    assert_code(&run, 1);
    let diagnostic = &run.json()["diagnostics"][0];
    assert_eq!(diagnostic["code"], "not-a-cluster-file");
    assert_eq!(
        diagnostic["message"],
        "`crowded.hcl` has 6000 settings in one block; sakk reads at most 5000"
    );
    assert_eq!(
        (diagnostic["line"].as_u64(), diagnostic["column"].as_u64()),
        (Some(3), Some(10))
    );
}

/// Thousands of problems on one long line: the human report shows the first hundred and says
/// how many more there are, instead of rendering that line thousands of times.
#[test]
fn thousands_of_problems_are_summarised() {
    let directory = temporary();
    let tags: Vec<String> = (0..1_000)
        .map(|index| format!("\"aws:k{index}\" = \"v\""))
        .collect();
    let text = format!(
        "cluster \"noisy\" {{\n  region         = \"eu-west-1\"\n  domains        = [\"ml.example.com\"]\n  parent_zone_id = \"Z0123456789ABCDEFGHIJ\"\n  acme_email     = \"ops@example.com\"\n  tags           = {{ {} }}\n\n  gitops {{\n    github = \"example-org/ml-platform\"\n  }}\n}}\n",
        tags.join(", ")
    );
    write(directory.path(), "noisy.hcl", &text);
    let run = sakk(directory.path(), &["validate", "noisy.hcl"]);
    assert_code(&run, 1);
    assert_eq!(run.stderr.matches("error: `aws:k").count(), 100);
    assert!(
        run.stderr.contains(
            "... and 900 more diagnostics not shown here; `--output json` lists them all"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("error: 1000 problems found in noisy.hcl")
    );
    let run = sakk(
        directory.path(),
        &["validate", "--output", "json", "noisy.hcl"],
    );
    assert_eq!(run.json()["errors"], 1000);
}
