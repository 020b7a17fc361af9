//! Inputs that once crashed the fuzz target (`fuzz/`), kept in `tests/fuzz-regressions/`. Each is
//! split like the fuzz target splits its input (at each 0x1e byte, into `main.tf`,
//! `backend.hcl`, then `extra-N.hcl`) and must get an answer, never a crash: exit 0 or 1.

use crate::support::{repository, sakk, temporary, write};

#[test]
fn inputs_that_crashed_the_fuzzer_are_answered() {
    let directory = repository().join("tests/fuzz-regressions");
    let mut names: Vec<String> = std::fs::read_dir(&directory)
        .unwrap_or_else(|error| panic!("cannot list {}: {error}", directory.display()))
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .collect();
    names.sort();
    assert!(!names.is_empty());
    for name in names {
        let bytes = std::fs::read(directory.join(&name))
            .unwrap_or_else(|error| panic!("cannot read {name}: {error}"));
        let files = temporary();
        for (index, part) in bytes.split(|byte| *byte == 0x1e).take(6).enumerate() {
            let file = match index {
                0 => "main.tf".to_owned(),
                1 => "backend.hcl".to_owned(),
                other => format!("extra-{other}.hcl"),
            };
            write(files.path(), &file, part);
        }
        for arguments in [
            &["validate"][..],
            &["validate", "--output", "json"],
            &["show"],
        ] {
            let run = sakk(files.path(), arguments);
            assert!(
                matches!(run.code, Some(0 | 1)),
                "{name}: `sakk {}` exited with {:?}\n{}",
                arguments.join(" "),
                run.code,
                run.stderr
            );
        }
    }
}
