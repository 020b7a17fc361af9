//! The `sakk` binary: everything lives in `sakk-cli`.

fn main() -> std::process::ExitCode {
    sakk_cli::main()
}
