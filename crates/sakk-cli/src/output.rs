//! What reaches the terminal: data on stdout, messages on stderr, colour only on a terminal and
//! never with NO_COLOR.

use crate::args::ColorChoice;
use sakk_core::render::Color;
use std::io::{IsTerminal, Write};

/// The most diagnostics printed for people in one run; the summary still counts them all, and
/// `--output json` lists them all.
pub const SHOWN_AT_MOST: usize = 100;

/// Prints messages and data.
pub struct Printer {
    color: Color,
}

/// Writes to stderr, ignoring a closed stream.
pub fn eprint(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

impl Printer {
    /// A printer for the colour choice.
    pub fn new(choice: ColorChoice) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
        let color = match choice {
            ColorChoice::Always => Color::Always,
            ColorChoice::Never => Color::Never,
            ColorChoice::Auto if !no_color && std::io::stderr().is_terminal() => Color::Always,
            ColorChoice::Auto => Color::Never,
        };
        Self { color }
    }

    /// The colour setting for diagnostics.
    pub fn color(&self) -> Color {
        self.color
    }

    /// Data on stdout (a closed pipe is not an error).
    pub fn data(&self, text: &str) {
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(text.as_bytes());
        let _ = stdout.flush();
    }

    /// A message on stderr.
    pub fn message(&self, text: &str) {
        eprint(text);
    }

    /// A success line on stderr.
    pub fn success(&self, text: &str) {
        if self.color == Color::Always {
            eprint(&format!("\x1b[1;32m{text}\x1b[0m\n"));
        } else {
            eprint(&format!("{text}\n"));
        }
    }

    /// A warning line on stderr.
    pub fn warning(&self, text: &str) {
        if self.color == Color::Always {
            eprint(&format!("\x1b[1;33mwarning\x1b[0m: {text}\n"));
        } else {
            eprint(&format!("warning: {text}\n"));
        }
    }

    /// An error with its causes and hint.
    pub fn error(&self, error: &anyhow::Error) {
        let hint = error
            .chain()
            .find_map(|cause| cause.downcast_ref::<crate::UserError>())
            .and_then(|user| user.hint.clone());
        let head = if self.color == Color::Always {
            "\x1b[1;31merror\x1b[0m"
        } else {
            "error"
        };
        let mut text = format!("{head}: {error:#}\n");
        if let Some(hint) = hint {
            text.push_str(&format!("hint: {hint}\n"));
        }
        eprint(&text);
    }
}
